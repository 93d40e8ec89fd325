"""Benchmark: NEWS2 and the paediatric early warning score over 10 million observation sets.

Run: ``.venv/bin/python benchmarks/bench_ews.py``. Prints one JSON line per run. Each figure is
the best of three calls of :func:`caresignal.stats.ews.news2` or :func:`~caresignal.stats.ews.pews`
(argument checks, every parameter's score, the aggregate, the trigger or escalation, the reason
and the missing-value masks) on the same synthetic observations, drawn with a fixed seed:
normal spreads around typical adult values, and for the children around values that fall with
age; whole-number rates and pressures, temperatures to one decimal place, 1 % of each value
missing, one row in ten on SpO₂ scale 2, ages from birth to 18 years for the children.

* ``news2``: consciousness as text (``"A"``, ``"C"``, …);
* ``pews/text``: work of breathing, consciousness and the carer's answer as text;
* ``pews/codes``: the same categories as whole-number codes (positions in the table's labels),
  which skips matching ten million strings.

Issue 8's target is 3 seconds for scoring 10 million observation sets *and auditing their
responses*; the scoring is meant to be a small part of that, so each line also gives its share.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
from numpy.typing import NDArray

from _timing import best_of
from caresignal.stats.ews import news2, pews

ROWS = 10_000_000
ISSUE_TARGET_SECONDS = 3.0


def _with_gaps(rng: np.random.Generator, values: NDArray[Any], share: float) -> NDArray[Any]:
    values = values.astype(np.float64)
    values[rng.random(len(values)) < share] = np.nan
    return values


def _observations(n: int) -> dict[str, Any]:
    """Adults' and children's observations around typical values, 1 % of each value missing."""
    rng = np.random.default_rng(8)
    years = rng.uniform(0.0, 18.0, n)

    def measured(centre: Any, spread: float, low: float, high: float, decimals: int = 0) -> Any:
        values = np.clip(np.round(rng.normal(centre, spread, n), decimals), low, high)
        return _with_gaps(rng, values, 0.01)

    return {
        "respiration_rate": measured(17.0, 3.5, 4, 60),
        "spo2": measured(96.0, 2.5, 70, 100),
        "spo2_scale": np.where(rng.random(n) < 0.1, 2, 1),
        "on_oxygen": rng.random(n) < 0.12,
        "systolic_bp": measured(128.0, 20.0, 50, 250),
        "pulse": measured(82.0, 16.0, 30, 200),
        "consciousness": rng.choice(np.array(list("ACVPU")), n, p=[0.96, 0.02, 0.01, 0.007, 0.003]),
        "temperature": measured(37.0, 0.6, 32, 42, decimals=1),
        "age_months": years * 12.0,
        "child_respiration_rate": measured(45.0 - 2.0 * years, 6.0, 4, 120),
        "child_heart_rate": measured(140.0 - 4.5 * years, 18.0, 30, 250),
        "child_systolic_bp": measured(85.0 + 2.5 * years, 12.0, 40, 200),
        "work_of_breathing": rng.choice(
            np.array(["none", "mild", "moderate", "severe"]), n, p=[0.85, 0.1, 0.04, 0.01]
        ),
        "capillary_refill": _with_gaps(
            rng, rng.choice([1.0, 2.0, 3.0, 4.0], n, p=[0.6, 0.3, 0.08, 0.02]), 0.01
        ),
        "carer_concern": rng.choice(
            np.array(["worse", "same", "better", "asleep", "unavailable"]),
            n,
            p=[0.03, 0.6, 0.2, 0.12, 0.05],
        ),
    }


def _news2(data: dict[str, Any]) -> Any:
    return news2(
        data["respiration_rate"],
        data["spo2"],
        spo2_scale=data["spo2_scale"],
        on_oxygen=data["on_oxygen"],
        systolic_bp=data["systolic_bp"],
        pulse=data["pulse"],
        consciousness=data["consciousness"],
        temperature=data["temperature"],
    )


def _pews(data: dict[str, Any], categories: dict[str, Any]) -> Any:
    return pews(
        data["age_months"],
        data["child_respiration_rate"],
        spo2=data["spo2"],
        on_oxygen=data["on_oxygen"],
        heart_rate=data["child_heart_rate"],
        systolic_bp=data["child_systolic_bp"],
        capillary_refill=data["capillary_refill"],
        temperature=data["temperature"],
        **categories,
    )


def _report(name: str, seconds: float, result: Any, level: NDArray[np.int8]) -> None:
    print(
        json.dumps(
            {
                "benchmark": f"ews.{name}",
                "rows": ROWS,
                "seconds": round(seconds, 3),
                "rows_per_second": round(ROWS / seconds),
                "rows_without_aggregate": int(np.isnan(result.aggregate).sum()),
                "rows_triggering": int((level > 0).sum()),
                "issue_target_seconds": ISSUE_TARGET_SECONDS,
                "share_of_issue_target": round(seconds / ISSUE_TARGET_SECONDS, 3),
                "load_average_1min": round(os.getloadavg()[0], 2),
            }
        )
    )


def main() -> None:
    data = _observations(ROWS)
    seconds, result = best_of(3, lambda: _news2(data))
    _report("news2", seconds, result, result.trigger)

    # The default table knows consciousness as A, V, P, U; "C" (new confusion) becomes "V" here.
    consciousness = np.where(data["consciousness"] == "C", "V", data["consciousness"])
    text = {
        "work_of_breathing": data["work_of_breathing"],
        "consciousness": consciousness,
        "carer_concern": data["carer_concern"],
    }
    seconds, result = best_of(3, lambda: _pews(data, text))
    _report("pews/text", seconds, result, result.escalation)

    codes = {
        "work_of_breathing": _codes(
            text["work_of_breathing"], ("none", "mild", "moderate", "severe")
        ),
        "consciousness": _codes(consciousness, ("A", "V", "P", "U")),
        "carer_concern": _codes(
            text["carer_concern"], ("worse", "same", "better", "asleep", "unavailable")
        ),
    }
    seconds, result = best_of(3, lambda: _pews(data, codes))
    _report("pews/codes", seconds, result, result.escalation)


def _codes(values: NDArray[np.str_], labels: tuple[str, ...]) -> NDArray[np.int8]:
    codes = np.full(len(values), -1, dtype=np.int8)
    for position, label in enumerate(labels):
        codes[values == label] = position
    return codes


if __name__ == "__main__":
    main()
