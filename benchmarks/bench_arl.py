"""Benchmark: Markov-chain ARL and threshold of the risk-adjusted CUSUM (prints JSON lines).

Run: ``.venv/bin/python benchmarks/bench_arl.py``. The case mix is a sample of 5,000 risks: the
first 5,000 cases of the bundled cardiac surgery data under Steiner et al.'s (2000) model,
logit p = -3.68 + 0.077 * Parsonnet. Design: odds ratio 2, h = 4.5 (in control).

* ``arl``: :func:`caresignal.stats.arl.bernoulli_cusum_arl` with its default grid; the converged
  reference is the same chain on 32,000 cells, and the relative error of the default against it
  is reported (target: under 0.5 %, in under 1 s).
* ``threshold``: :func:`caresignal.stats.arl.bernoulli_cusum_threshold` for ARL0 = 10,000 cases
  (target: under 5 s).

Each time is the best of five runs.
"""

from __future__ import annotations

import json

import numpy as np

from _timing import best_of
from caresignal.data.public import cardiac_surgery
from caresignal.stats import arl


def main() -> None:
    scores = cardiac_surgery()["Parsonnet"].to_numpy()[:5000]
    risk = 1.0 / (1.0 + np.exp(-(-3.68 + 0.077 * scores)))
    reference = arl.bernoulli_cusum_arl(risk, odds_ratio=2.0, h=4.5, grid=32000).arl
    seconds, run = best_of(5, lambda: arl.bernoulli_cusum_arl(risk, odds_ratio=2.0, h=4.5))
    print(
        json.dumps(
            {
                "benchmark": "arl.bernoulli_cusum_arl/markov",
                "case_mix_risks": int(risk.size),
                "grid": run.grid,
                "arl": round(run.arl, 2),
                "converged_reference_arl": round(reference, 2),
                "reference_grid": 32000,
                "relative_error": float(f"{run.arl / reference - 1:.2e}"),
                "seconds": round(seconds, 4),
                "target_seconds": 1.0,
            }
        )
    )
    seconds, found = best_of(
        5, lambda: arl.bernoulli_cusum_threshold(risk, odds_ratio=2.0, arl0=10_000)
    )
    print(
        json.dumps(
            {
                "benchmark": "arl.bernoulli_cusum_threshold/markov",
                "case_mix_risks": int(risk.size),
                "arl0": 10_000,
                "h": round(found.h, 5),
                "arl_at_h": round(found.arl, 2),
                "grid": found.grid,
                "seconds": round(seconds, 4),
                "target_seconds": 5.0,
            }
        )
    )


if __name__ == "__main__":
    main()
