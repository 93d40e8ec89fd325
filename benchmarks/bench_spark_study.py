"""Benchmark: the false-alarm and detection-delay study on Spark, and how it scales with cores.

Run: ``.venv/bin/python benchmarks/bench_spark_study.py [--seeds 200] [--scaling-seeds 100]
[--scale small]``. The study (``caresignal.monitor.study.run_study``) runs its seeds on Spark
``local[2]``, then ``--scaling-seeds`` of the same seeds on ``local[1]``, each seed generating,
importing and replaying its own synthetic dataset in a temporary directory on the executor.
Prints one JSON object: for each master the seconds, seeds per second and each seed's median
time; the speed-up of two cores over one (seeds per second); whether the seeds both runs share
gave the same results; the machine's load before and after; and the study's summary.

Every process is held to one thread (polars, BLAS, OpenMP), so that ``local[N]`` uses N cores
and no more: the speed-up is that of adding executor cores, as on a cluster. The session's start
(the JVM) is timed apart; the Python workers' start is part of the study's time.
"""

from __future__ import annotations

import os

for _name in ("POLARS_MAX_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # before polars and numpy start their thread pools

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, cast  # noqa: E402

from caresignal.data.synth import Scale  # noqa: E402
from caresignal.monitor.spark import SparkBackend, spark_session  # noqa: E402
from caresignal.monitor.study import (  # noqa: E402
    SeedResult,
    StudySettings,
    run_study,
    summarise,
)


def _load() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


def _run(master: str, seeds: int, settings: StudySettings) -> tuple[dict[str, Any], list[Any]]:
    started = time.perf_counter()
    with spark_session(master, "caresignal-bench-study") as session:
        opened = time.perf_counter() - started
        backend = SparkBackend(session)
        cores = backend.cores
        started = time.perf_counter()
        results = run_study(range(1, seeds + 1), settings, backend)
        seconds = time.perf_counter() - started
    per_seed = [r.load_seconds + r.replay_seconds for r in results]
    row = {
        "master": master,
        "cores": cores,
        "seeds": seeds,
        "session_start_seconds": round(opened, 1),
        "seconds": round(seconds, 1),
        "seeds_per_second": round(seeds / seconds, 4),
        "median_seed_seconds": round(statistics.median(per_seed), 2),
        "load_average_after": _load(),
    }
    print(json.dumps({"progress": row}), flush=True)
    return row, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--scaling-seeds", type=int, default=100, help="seeds run on local[1]")
    parser.add_argument("--scale", default="small")
    arguments = parser.parse_args()
    settings = StudySettings(cast("Scale", arguments.scale))
    before = _load()
    two, results = _run("local[2]", arguments.seeds, settings)
    one, alone = _run("local[1]", min(arguments.scaling_seeds, arguments.seeds), settings)
    shared: list[SeedResult] = results[: len(alone)]
    print(
        json.dumps(
            {
                "benchmark": "spark.study",
                "scale": arguments.scale,
                "cpu_count": os.cpu_count(),
                "load_average_before": before,
                "runs": [two, one],
                "speed_up_two_cores": round(two["seeds_per_second"] / one["seeds_per_second"], 2),
                "same_results": shared == alone,
                "failed_seeds": {r.seed: r.failure for r in results if r.failure is not None},
                "summary": summarise(results).to_dict(),
            }
        )
    )


if __name__ == "__main__":
    main()
