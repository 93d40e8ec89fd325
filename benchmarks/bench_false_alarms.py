"""Benchmark: each method's detection delays and false alarms over several synthetic seeds.

Run: ``.venv/bin/python benchmarks/bench_false_alarms.py [--seeds 5] [--scale national]``. Each
seed is the study's one-seed step (``caresignal.monitor.study.study_seed``, the function
``caresignal study`` runs here or on Spark): the synthetic dataset is generated and imported into a
temporary data directory, and the whole history is replayed (``caresignal.monitor.replay``).
Prints one JSON line per seed and a summary line (``caresignal.monitor.study.summarise``):

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
from typing import cast

from caresignal.data.synth import Scale
from caresignal.monitor.study import StudySettings, study_seed, summarise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--scale", default="national")
    arguments = parser.parse_args()
    settings = StudySettings(cast("Scale", arguments.scale), workers=os.cpu_count() or 1)
    results = []
    for seed in range(1, arguments.seeds + 1):
        result = study_seed(seed, settings)
        results.append(result)
        print(json.dumps({"benchmark": "replay.false_alarms/seed", **result.to_dict()}), flush=True)
    summary = {"benchmark": "replay.false_alarms/summary", "scale": arguments.scale}
    print(json.dumps({**summary, **summarise(results).to_dict()}))


if __name__ == "__main__":
    main()
