"""Benchmark: generating the synthetic dataset at national and huge scale (prints JSON lines).

Run: ``.venv/bin/python benchmarks/bench_synth.py`` (both scales), or with ``--scale national``
or ``--scale huge`` for one. Each line gives the wall time of
:func:`caresignal.data.synth.generate` (best of ``--runs``; targets: national < 60 s, huge < 5
minutes), the time and rows of each table, the peak memory of the process, and the observed rates
of the births outcomes beside the national targets the models are calibrated to (the observed
rates include the injected problems and the sites' random effects, so they sit a little above)."""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from typing import Any

import polars as pl

from _timing import best_of
from caresignal.data import synth

TARGET_SECONDS = {"national": 60.0, "huge": 300.0}


def _tables(scale: str, seed: int) -> dict[str, Any]:
    """Generate the tables one at a time, timing each; keep the births, count the rest."""
    seconds, rows, births = {}, {}, None
    start = time.perf_counter()
    for name, frame in synth.iter_tables(scale, seed):  # type: ignore[arg-type]
        seconds[name] = round(time.perf_counter() - start, 2)
        rows[name] = frame.height
        births = frame if name == "births" else births
        start = time.perf_counter()
    return {"seconds": seconds, "rows": rows, "births": births}


def _rates(births: pl.DataFrame, truth: dict[str, Any]) -> dict[str, dict[str, float]]:
    live = births.filter(pl.col("stillbirth") == "no")
    vaginal = births.filter(~pl.col("birth_mode").str.ends_with("caesarean"))
    observed = {
        "stillbirth": (births["stillbirth"] != "no").mean(),
        "neonatal_death": live["neonatal_death"].mean(),
        "hie_grade_2_3": live.filter(pl.col("gestation_weeks") >= 37)["hie_grade_2_3"].mean(),
        "haemorrhage_1500ml": births["haemorrhage_1500ml"].mean(),
        "tear_3rd_4th": vaginal["tear_3rd_4th"].mean(),
        "apgar5_below_7": live["apgar5_below_7"].mean(),
    }
    models = truth["models"]["births"]
    return {
        name: {"observed": round(float(value), 5), "target": models[name]["target_rate"]}  # type: ignore[arg-type]
        for name, value in observed.items()
    }


def _case_mix(births: pl.DataFrame) -> dict[str, float]:
    shares = births.select(
        preterm=(pl.col("gestation_weeks") < 37).mean(),
        caesarean=pl.col("birth_mode").str.ends_with("caesarean").mean(),
        instrumental=(pl.col("birth_mode") == "instrumental").mean(),
        induced=(pl.col("labour_onset") == "induced").mean(),
        multiple=(pl.col("plurality") > 1).mean(),
    )
    return {name: round(value, 4) for name, value in shares.row(0, named=True).items()}


def _years(truth: dict[str, Any]) -> int:
    generator = truth["generator"]
    return int(generator["end_date"][:4]) - int(generator["start_date"][:4]) + 1


def run(scale: str, seed: int, runs: int) -> dict[str, Any]:
    """Time ``generate`` at ``scale``; describe one generation table by table."""
    seconds = best_of(runs, lambda: synth.generate(scale, seed))[0]  # type: ignore[arg-type]
    detail = _tables(scale, seed)
    births = detail.pop("births")
    truth = synth.generate_truth(scale, seed)  # type: ignore[arg-type]
    return {
        "benchmark": f"synth.generate/{scale}",
        "seed": seed,
        "seconds": round(seconds, 2),
        "target_seconds": TARGET_SECONDS.get(scale),
        "table_seconds": detail["seconds"],
        "rows": detail["rows"],
        "births_per_year": round(births.height / _years(truth)),
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rates": _rates(births, truth),
        "case_mix": _case_mix(births),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("national", "huge", "all"), default="all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1, help="time the best of this many runs")
    args = parser.parse_args(argv)
    scales = ("national", "huge") if args.scale == "all" else (args.scale,)
    for scale in scales:
        print(json.dumps(run(scale, args.seed, args.runs)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
