"""Benchmark: designing amber and red CUSUM thresholds for a national scan (prints JSON lines).

Run: ``.venv/bin/python benchmarks/bench_thresholds.py``. 190 synthetic sites (seed 2026), each with
1,000–8,000 births a year and a case mix of that many risks of term perinatal death drawn from
Beta(a, b) with mean 0.2–0.5 % (a = 3), odds ratio 2, targets 10 and 50 years.

* ``risk_adjusted/cold``: every site designed with an empty cache (target: a few seconds).
* ``risk_adjusted/warm``: the same again with the cache filled (target: milliseconds); the case-mix
  summaries are computed in both.
* ``cache_json``: the cache written to JSON and read back.
* ``moss/cold``: an unadjusted (MOSS-style) design per site, one national rate of 0.3 %.
"""

from __future__ import annotations

import json
import time

import numpy as np

from caresignal.monitor.thresholds import (
    ThresholdCache,
    design_bernoulli,
    national_false_alarms,
)

SITES = 190


def _sites() -> list[tuple[np.ndarray, int]]:
    rng = np.random.default_rng(2026)
    sites = []
    for _ in range(SITES):
        births = int(rng.integers(1000, 8001))
        mean = rng.uniform(0.002, 0.005)
        sites.append((rng.beta(3.0, 3.0 / mean - 3.0, size=births), births))
    return sites


def _design_all(sites: list[tuple[np.ndarray, int]], cache: ThresholdCache) -> tuple[float, list]:
    start = time.perf_counter()
    designs = [design_bernoulli(risk, cases_per_year=n, cache=cache) for risk, n in sites]
    return time.perf_counter() - start, designs


def main() -> None:
    sites = _sites()
    cache = ThresholdCache()
    cold, designs = _design_all(sites, cache)
    warm, again = _design_all(sites, cache)
    rate = national_false_alarms(designs, area="England")
    bins = [len(d.case_mix.values) for d in designs]
    for name, seconds in (("cold", cold), ("warm", warm)):
        print(
            json.dumps(
                {
                    "benchmark": f"thresholds.design_bernoulli/risk_adjusted/{name}",
                    "sites": SITES,
                    "levels": 2,
                    "seconds": round(seconds, 4),
                    "ms_per_site": round(1000 * seconds / SITES, 3),
                    "identical_to_cold": again == designs,
                    "case_mix_bins_median": int(np.median(bins)),
                    "red_h_range": [
                        round(min(d.red.h for d in designs), 3),
                        round(max(d.red.h for d in designs), 3),
                    ],
                    "national": rate.sentence,
                }
            )
        )
    start = time.perf_counter()
    restored = ThresholdCache.from_json(cache.to_json())
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "benchmark": "thresholds.ThresholdCache/json_round_trip",
                "entries": len(restored),
                "seconds": round(seconds, 4),
            }
        )
    )
    start = time.perf_counter()
    moss = [design_bernoulli(0.003, cases_per_year=n) for _, n in sites]
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "benchmark": "thresholds.design_bernoulli/moss/cold",
                "sites": SITES,
                "seconds": round(seconds, 4),
                "ms_per_site": round(1000 * seconds / SITES, 3),
                "national": national_false_alarms(moss, area="England").sentence,
            }
        )
    )


if __name__ == "__main__":
    main()
