"""Benchmark: fitting a risk model on individual cases and on their covariate patterns (JSON lines).

Run: ``.venv/bin/python benchmarks/bench_riskmodel.py [--rows N]``. The baseline is a simulated
frame of ``N`` births (2 million by default, about 36 months of the ``national`` scale) with the
covariates of ``extended_perinatal_mortality`` in ``monitor/catalogue/maternity.toml``: age band
(5), deprivation from a 1–10 decile or missing (11 values), ethnic group (6), parity band (3),
multiple birth, previous caesarean and gestation band (7), and a death rate near 0.5 %. Each
measurement runs in a fresh subprocess, so its peak memory (``ru_maxrss``) is its own:

* ``individual``: ``fit_logistic`` on one row per birth (before grouped fitting);
* ``grouped``: the births grouped by covariate pattern with polars (timed too), then
  ``fit_logistic(..., cases=...)``, as the monitor now does;
* ``equality``: the largest relative difference between the two fits, per field.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

COVARIATES = [
    "age_band",
    "deprivation",
    "ethnic_group",
    "parity_band",
    "multiple",
    "previous_caesarean",
    "gestation_band",
]
CATEGORICAL = ["age_band", "ethnic_group", "parity_band", "gestation_band"]
FIELDS = ("coefficients", "std_errors", "z", "p_values", "ci_lower", "ci_upper")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _births(rows: int) -> object:
    """``rows`` simulated births with the model's covariates and outcome (seed 2026)."""
    import polars as pl

    rng = np.random.default_rng(2026)
    ages = np.array(["under_20", "20_24", "25_34", "35_39", "40_plus"])
    ethnic = np.array(["asian", "black", "mixed", "other", "unknown", "white"])
    parity = np.array(["0", "1_2", "3_plus"])
    gestation = np.array(["24_27", "28_31", "32_33", "34_36", "37_40", "41", "42_plus"])
    age = rng.choice(5, rows, p=[0.04, 0.16, 0.55, 0.2, 0.05])
    group = rng.choice(6, rows, p=[0.12, 0.05, 0.04, 0.04, 0.05, 0.7])
    births = rng.choice(3, rows, p=[0.42, 0.48, 0.1])
    weeks = rng.choice(7, rows, p=[0.005, 0.01, 0.015, 0.05, 0.7, 0.17, 0.05])
    decile = rng.integers(1, 11, rows).astype(np.float64)
    decile[rng.uniform(size=rows) < 0.01] = 5.5  # COALESCE(imd_decile, 5.5)
    deprivation = (10 - decile) / 9
    multiple = rng.uniform(size=rows) < 0.03
    caesarean = rng.uniform(size=rows) < 0.12
    logit = (
        -5.8
        + np.array([0.3, 0.1, 0.0, 0.2, 0.5])[age]
        + 0.5 * deprivation
        + np.array([0.3, 0.5, 0.2, 0.1, 0.0, 0.0])[group]
        + np.array([0.2, 0.0, 0.3])[births]
        + 0.8 * multiple
        + 0.1 * caesarean
        + np.array([4.0, 2.8, 2.0, 1.2, 0.0, 0.1, 0.4])[weeks]
    )
    died = rng.uniform(size=rows) < 1 / (1 + np.exp(-logit))
    return pl.DataFrame(
        {
            "outcome": died.astype(np.int8),
            "age_band": ages[age],
            "deprivation": deprivation,
            "ethnic_group": ethnic[group],
            "parity_band": parity[births],
            "multiple": multiple,
            "previous_caesarean": caesarean,
            "gestation_band": gestation[weeks],
        }
    )


def _measure(step: str, rows: int, output: Path) -> None:
    """One fit, in this (fresh) process; prints one JSON line and writes the model's record."""
    import polars as pl

    from caresignal.stats.riskmodel import fit_logistic

    births = _births(rows)
    assert isinstance(births, pl.DataFrame)
    before = _peak_mb()
    start = time.perf_counter()
    result: dict[str, object] = {"rows": births.height}
    if step == "grouped":
        patterns = (
            births.group_by(COVARIATES)
            .agg(pl.len().alias("cases"), pl.col("outcome").cast(pl.Int64).sum())
            .sort(COVARIATES)
        )
        result["group_seconds"] = round(time.perf_counter() - start, 3)
        result["patterns"] = patterns.height
        del births
        model = fit_logistic(
            patterns,
            outcome="outcome",
            covariates=COVARIATES,
            categorical=CATEGORICAL,
            cases="cases",
        )
    else:
        model = fit_logistic(
            births, outcome="outcome", covariates=COVARIATES, categorical=CATEGORICAL
        )
    seconds = time.perf_counter() - start
    output.write_text(json.dumps(model.to_dict()))
    line = {
        "benchmark": f"riskmodel.fit_logistic/{step}",
        **result,
        "terms": len(model.terms),
        "seconds": round(seconds, 3),
        "peak_mb": round(_peak_mb(), 1),
        "data_mb": round(before, 1),
    }
    print(json.dumps(line), flush=True)


def _equality(individual: dict[str, object], grouped: dict[str, object]) -> dict[str, object]:
    differences: dict[str, object] = {}
    for name in FIELDS:
        ours, theirs = np.asarray(grouped[name]), np.asarray(individual[name])
        with np.errstate(invalid="ignore", divide="ignore"):  # a p-value may underflow to 0
            gap = np.where(ours == theirs, 0.0, np.abs(ours - theirs) / np.abs(theirs))
        differences[name] = float(np.max(gap))
    for name in ("n", "events", "c_statistic"):
        differences[name] = [individual[name], grouped[name]]
    return {"benchmark": "riskmodel.fit_logistic/equality", "max_relative_difference": differences}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="births in the baseline")
    parser.add_argument("--measure", choices=("individual", "grouped"), help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure is not None:
        _measure(arguments.measure, arguments.rows, arguments.output)
        return
    records = {}
    with tempfile.TemporaryDirectory(prefix="bench-riskmodel-") as work:
        for step in ("grouped", "individual"):
            output = Path(work) / f"{step}.json"
            command = [sys.executable, __file__, "--measure", step, "--rows", str(arguments.rows)]
            subprocess.run([*command, "--output", str(output)], check=True)
            records[step] = json.loads(output.read_text())
    print(json.dumps(_equality(records["individual"], records["grouped"])))


if __name__ == "__main__":
    main()
