"""Benchmark: each method's detection delays and false alarms over several synthetic seeds.

Run: ``.venv/bin/python benchmarks/bench_false_alarms.py [--seeds 5] [--scale national]``. For each
seed the synthetic dataset is generated and imported into a temporary data directory, and the
whole history is replayed (``caresignal.monitor.replay``). Prints one JSON line per seed and a
summary line:

* ``false_alarms_per_chart_year``: counted signals (red CUSUM and funnel, every SPC signal) on
  charts no hidden problem touched, per chart-year, beside the rate the CUSUM thresholds were
  designed for (one red signal per chart in 50 years).
* ``in_control``: the same on the untouched charts whose site's true effect on the outcome is
  within ±0.05 on the log-odds scale (truth.json ``sites[*].effects``, ``wards[*][*].effect``):
  the charts that really are in control, where the design rate should hold. The synthetic sites
  differ from the national model as real ones do, and a chart at a site whose true risk is higher
  is right to signal.
* ``delays_days``: each hidden problem's detection delay by method (null: not detected), and
  ``amber_delays_days`` the delay to the first amber signal (CUSUMs and funnels).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import TRUTH, import_synthetic
from caresignal.monitor._replay_truth import SYNTHETIC_INDICATORS, counts, family, touched
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.replay import ReplayResult, replay

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
#: A chart is in control when its site's true effect is within this of zero (log-odds).
IN_CONTROL = 0.05
#: The outcomes behind each shipped indicator (the inverse of SYNTHETIC_INDICATORS, plus the
#: birth outcomes no problem changes).
OUTCOMES: dict[str, tuple[str, ...]] = {
    "haemorrhage_1500ml": ("haemorrhage_1500ml",),
    "tear_3rd_4th": ("tear_3rd_4th",),
    "apgar5_below_7": ("apgar5_below_7",),
}
for _outcome, _ids in SYNTHETIC_INDICATORS.items():
    for _ident in _ids:
        OUTCOMES.setdefault(_ident, ())
        OUTCOMES[_ident] += (_outcome,)


def _effects(truth: dict[str, Any]) -> dict[tuple[str, str], float]:
    """The largest true effect behind each (unit, indicator) chart, from truth.json."""
    effects: dict[tuple[str, str], float] = {}
    for site, facts in truth["sites"].items():
        for ident, outcomes in OUTCOMES.items():
            values = [abs(facts["effects"][o]) for o in outcomes if o in facts["effects"]]
            if values:
                effects[(site, ident)] = max(values)
    for wards in truth["wards"].values():
        for unit, facts in wards.items():
            for ident in OUTCOMES:
                effects[(unit, ident)] = abs(facts["effect"])
    return effects


def _seed(scale: str, seed: int) -> dict[str, Any]:
    catalogue = load_catalogue()
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        dataset = Dataset(Path(directory))
        import_synthetic(
            dataset, scale, seed, clock=CLOCK, exposure_indicators=catalogue.exposure_indicators()
        )
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        result = replay(dataset, catalogue, clock=CLOCK, workers=os.cpu_count() or 1)
        replayed = time.perf_counter() - started
        truth = json.loads((Path(directory) / TRUTH).read_text("utf-8"))
    return _summarise(result, truth, seed, loaded, replayed)


def _summarise(
    result: ReplayResult, truth: dict[str, Any], seed: int, loaded: float, replayed: float
) -> dict[str, Any]:
    skip = touched(truth["problems"])
    effects = _effects(truth)
    calm = {chart for chart, effect in effects.items() if effect <= IN_CONTROL}
    in_control: dict[str, dict[str, float]] = {}
    for method in result.methods:
        charts = calm - skip
        signals = [
            s
            for s in result.signals
            if family(s) == method and counts(s) and (s.unit, s.indicator) in charts
        ]
        years = sum(
            y
            for unit, ident, name, y in result.charted
            if name == method and (unit, ident) in charts
        )
        rate = len(signals) / years if years else None
        in_control[method] = {"signals": len(signals), "chart_years": round(years, 1), "rate": rate}
    return {
        "benchmark": "replay.false_alarms/seed",
        "seed": seed,
        "load_seconds": round(loaded, 1),
        "replay_seconds": round(replayed, 1),
        "false_alarms_per_chart_year": {
            m: round(v, 4) for m, v in result.false_alarms_per_unit_year.items()
        },
        "design": dict(result.design_false_alarms_per_unit_year),
        "chart_years": {m: round(v, 1) for m, v in result.chart_years.items()},
        "in_control": in_control,
        "delays_days": {
            p.id: {m: d.delay_days for m, d in p.detections.items()} for p in result.problems
        },
        "amber_delays_days": {
            p.id: {m: d.amber_delay_days for m, d in p.detections.items()} for p in result.problems
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--scale", default="national")
    arguments = parser.parse_args()
    rows = []
    for seed in range(1, arguments.seeds + 1):
        row = _seed(arguments.scale, seed)
        rows.append(row)
        print(json.dumps(row), flush=True)
    delays: dict[str, dict[str, list[int | None]]] = defaultdict(lambda: defaultdict(list))
    ambers: dict[str, dict[str, list[int | None]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        for problem, found in row["delays_days"].items():
            for method, days in found.items():
                delays[problem][method].append(days)
                ambers[problem][method].append(row["amber_delays_days"][problem][method])
    methods = list(rows[0]["false_alarms_per_chart_year"])
    print(
        json.dumps(
            {
                "benchmark": "replay.false_alarms/summary",
                "scale": arguments.scale,
                "seeds": len(rows),
                "false_alarms_per_chart_year": {
                    m: round(statistics.fmean(r["false_alarms_per_chart_year"][m] for r in rows), 4)
                    for m in methods
                },
                "design": rows[0]["design"],
                "in_control_per_chart_year": {m: _pooled(rows, m) for m in methods},
                "median_delay_days": {
                    problem: {m: _median(values) for m, values in by_method.items()}
                    for problem, by_method in delays.items()
                },
                "median_amber_delay_days": {
                    problem: {m: _median(values) for m, values in by_method.items()}
                    for problem, by_method in ambers.items()
                },
                "detected_share": {
                    problem: {
                        m: sum(v is not None for v in values) / len(values)
                        for m, values in by_method.items()
                    }
                    for problem, by_method in delays.items()
                },
            }
        )
    )


def _pooled(rows: list[dict[str, Any]], method: str) -> float | None:
    """In-control signals ÷ in-control chart-years, pooled over the seeds."""
    signals = sum(r["in_control"][method]["signals"] for r in rows)
    years = sum(r["in_control"][method]["chart_years"] for r in rows)
    return round(signals / years, 4) if years else None


def _median(values: list[int | None]) -> float | None:
    found = [v for v in values if v is not None]
    return statistics.median(found) if found else None


if __name__ == "__main__":
    main()
