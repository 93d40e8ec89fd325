"""Benchmark: the risk-adjusted Bernoulli CUSUM over 10 million cases (prints JSON lines).

Run: ``.venv/bin/python benchmarks/bench_cusum.py``. Each figure is the best of five runs of
:func:`caresignal.stats.cusum.bernoulli` (argument checks, weights, statistic and signals) on the
same synthetic national-scale series: risks from a Beta(1, 30) case mix (mean 3.2 %), outcomes
drawn at a 20 % raised odds, so the chart drifts up and signals. Three runs:

* ``realistic``: h = 8, about 400 signals and resets in 10 million cases (one per 25,000);
* ``many_resets``: h = 1.5, about 44,000 signals (one every ~230 cases), each followed by a reset;
* ``many_resets_1m``: the same on the first million cases, to show the cost stays linear in the
  number of cases (and of signals).
"""

from __future__ import annotations

import json

import numpy as np

from _timing import best_of
from caresignal.stats import cusum

TARGET_SECONDS = 0.5


def _series(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    risk = rng.beta(1.0, 30.0, n)
    odds = 1.2 * risk / (1.0 - risk)
    outcome = rng.random(n) < odds / (1.0 + odds)
    return outcome, risk


def main() -> None:
    outcome, risk = _series(10_000_000)
    runs = [
        ("realistic", 10_000_000, 8.0),
        ("many_resets", 10_000_000, 1.5),
        ("many_resets_1m", 1_000_000, 1.5),
    ]
    for name, n, h in runs:
        y, p = outcome[:n], risk[:n]
        seconds, chart = best_of(5, lambda y=y, p=p, h=h: cusum.bernoulli(y, p, h=h))
        signals = int(chart.signals.size)
        print(
            json.dumps(
                {
                    "benchmark": f"cusum.bernoulli/{name}",
                    "cases": n,
                    "h": h,
                    "signals": signals,
                    "seconds": round(seconds, 4),
                    "seconds_per_million_cases": round(seconds / n * 1e6, 4),
                    "target_seconds": TARGET_SECONDS if n == 10_000_000 else None,
                }
            )
        )


if __name__ == "__main__":
    main()
