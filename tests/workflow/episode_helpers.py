"""Findings as a scan makes them, for the episode tests (imported by name: pytest puts this
directory on the path)."""

from __future__ import annotations

from datetime import date

from caresignal.monitor.scan import Finding

UNIT = "RZZ01-MAT"


def finding(
    first_crossed: date,
    *,
    level: str = "amber",
    method: str = "bernoulli_cusum",
    unit: str = UNIT,
    indicator: str = "term_stillbirth",
    direction: str = "concern",
    chart: str = "CUSUM",
) -> Finding:
    """A finding as a scan would make it; only the fields that matter here vary."""
    return Finding(
        unit=unit, indicator=indicator, title="Term stillbirths", method=method, chart=chart,
        level=level, direction=direction, first_crossed=first_crossed,
        change_began=first_crossed, observed=5.0, expected=2.0, ratio=2.5, ratio_low=0.8,
        ratio_high=5.8, threshold=3.0, false_alarm=None, signals=1,
        explanation=f"{level} on {first_crossed}",
    )  # fmt: skip
