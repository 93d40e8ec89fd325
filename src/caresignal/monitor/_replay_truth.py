"""A replay's signals set against the synthetic dataset's ``truth.json`` (private; see
:mod:`caresignal.monitor.replay`).

Each injected problem names a site (and, for a ward, a unit) and the outcomes it changed; each
method's **detection** of it is its first signal, in the problem's direction, on one of the
catalogue indicators that count those outcomes, on or after the day the problem began; each
indicator's own first signal, whatever the method, is kept beside it. A **false alarm** is a
signal on a chart (unit and indicator) that no problem touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from caresignal.monitor._replay_charts import Fired

__all__ = [
    "METHODS",
    "SYNTHETIC_INDICATORS",
    "Detection",
    "ProblemDetections",
    "detect",
    "family",
    "method_family",
    "touched",
]

#: The methods a replay compares, in the order reported.
METHODS = ("risk_adjusted_cusum", "moss_cusum", "poisson_cusum", "spc", "annual_funnel")

#: The shipped catalogue's indicators that count each outcome the synthetic problems change.
SYNTHETIC_INDICATORS: Mapping[str, tuple[str, ...]] = {
    "stillbirth": ("extended_perinatal_mortality", "moss_term_mortality"),
    "neonatal_death": ("extended_perinatal_mortality", "moss_term_mortality"),
    "hie_grade_2_3": ("term_hie",),
    "sepsis_screen_1h": ("sepsis_screen_1h",),
    "antibiotics_1h": ("antibiotics_1h",),
    "cleanliness_score": ("cleanliness_score",),
    "registered_nurse_fill_rate": ("rn_fill_rate_day", "rn_fill_rate_night"),
    "complaints": ("complaints",),
    "concerns_listening_share": ("concerns_listening",),
    # The failing ward's bedside tables (truth.json's ``bedside_*`` changes): slower reviews and
    # more missed triggers leave fewer trigger episodes answered in time, a carer's "worse" among
    # them; slower reviews raise the median delay and slow sepsis screens and weight reviews
    # (the generator draws every response's delay with the same staffing factor); missed
    # triggers and slower antibiotics leave fewer sepsis episodes screened and treated within
    # the hour.
    "bedside_review_delay_median": (
        "bedside_triggers_in_time",
        "bedside_carer_concerns_in_time",
        "bedside_review_delay",
        "bedside_sepsis_screen_1h",
        "bedside_weight_reviews_in_time",
    ),
    "bedside_triggers_missed": (
        "bedside_triggers_in_time",
        "bedside_sepsis_antibiotics_1h",
        "bedside_sepsis_screen_1h",
    ),
    "bedside_carer_worse_unanswered": (
        "bedside_carer_concerns_in_time",
        "bedside_triggers_in_time",
    ),
    "bedside_antibiotic_delay_median": ("bedside_sepsis_antibiotics_1h",),
}


def method_family(method: str, expected: object) -> str:
    """The compared method a catalogue method belongs to, given where its expected count comes
    from (``risk_model`` or ``reference`` for a Bernoulli CUSUM)."""
    if method == "bernoulli_cusum":
        return "risk_adjusted_cusum" if expected == "risk_model" else "moss_cusum"
    if method == "funnel":
        return "annual_funnel"
    if method == "poisson_cusum":
        return "poisson_cusum"
    return "spc"


def family(signal: Fired) -> str:
    """The compared method a signal belongs to."""
    return method_family(signal.method, signal.expected)


def counts(signal: Fired) -> bool:
    """Whether a signal counts as a detection or a false alarm: red for CUSUMs and funnels (the
    level designed for one false alarm in 50 years), every signal for SPC charts."""
    return signal.level in ("red", "special_cause")


@dataclass(frozen=True, slots=True)
class Detection:
    """A method's first counted signal of a problem, and its first amber signal (CUSUMs)."""

    date: dt.date | None
    delay_days: int | None
    amber_date: dt.date | None = None
    amber_delay_days: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO text, None as null."""
        return {
            "date": None if self.date is None else self.date.isoformat(),
            "delay_days": self.delay_days,
            "amber_date": None if self.amber_date is None else self.amber_date.isoformat(),
            "amber_delay_days": self.amber_delay_days,
        }


@dataclass(frozen=True, slots=True)
class ProblemDetections:
    """One injected problem and when each method detected it; ``by_indicator``: when each of its
    indicators first signalled it, by any method (the CUSUMs' amber beside their red)."""

    id: str
    site: str
    unit: str
    indicators: tuple[str, ...]
    start: dt.date
    direction: str
    expected_finding: str
    detections: Mapping[str, Detection]
    by_indicator: Mapping[str, Detection] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "id": self.id,
            "site": self.site,
            "unit": self.unit,
            "indicators": list(self.indicators),
            "start": self.start.isoformat(),
            "direction": self.direction,
            "expected_finding": self.expected_finding,
            "detections": {name: d.to_dict() for name, d in self.detections.items()},
            "by_indicator": {name: d.to_dict() for name, d in self.by_indicator.items()},
        }


def _indicators(problem: Mapping[str, Any]) -> tuple[str, ...]:
    ids: dict[str, None] = {}
    for outcome in problem["indicators"]:
        ids.update(dict.fromkeys(SYNTHETIC_INDICATORS.get(outcome, ())))
    return tuple(ids)


def _direction(problem: Mapping[str, Any], better: Mapping[str, str]) -> str:
    """``improvement`` when the problem makes outcomes better over time (a recovery)."""
    for name, change in problem.get("changes", {}).items():
        higher_is_better = better.get(name, "lower") == "higher"
        rises = change["after"] > change["before"]
        return "improvement" if rises == higher_is_better else "concern"
    return "concern"


def touched(problems: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    """The (unit, indicator) charts some problem touched: every other chart is untouched."""
    pairs: set[tuple[str, str]] = set()
    for problem in problems:
        for unit in (problem["site_code"], problem.get("unit_code")):
            pairs.update((unit, ident) for ident in _indicators(problem) if unit)
    return pairs


def detect(
    problem: Mapping[str, Any],
    signals: Iterable[Fired],
    better: Mapping[str, str],
    methods: tuple[str, ...],
) -> ProblemDetections:
    """When each method first signalled the problem, in its direction, on or after its start."""
    start = dt.date.fromisoformat(problem["start_date"])
    units = {problem["site_code"], problem.get("unit_code")}
    indicators = _indicators(problem)
    direction = _direction(problem, better)
    relevant = sorted(
        (
            s
            for s in signals
            if s.unit in units
            and s.indicator in indicators
            and s.direction == direction
            and s.fired >= start
        ),
        key=lambda s: s.fired,
    )
    found = {
        method: _first([s for s in relevant if family(s) == method], start) for method in methods
    }
    by_indicator = {
        ident: _first([s for s in relevant if s.indicator == ident], start) for ident in indicators
    }
    return ProblemDetections(
        id=problem["id"],
        site=problem["site_code"],
        unit=problem.get("unit_code") or problem["site_code"],
        indicators=indicators,
        start=start,
        direction=direction,
        expected_finding=problem.get("expected_finding", ""),
        detections=found,
        by_indicator=by_indicator,
    )


def _first(signals: list[Fired], start: dt.date) -> Detection:
    """The first counted and the first amber of signals sorted by day, from ``start``."""
    first = next((s.fired for s in signals if counts(s)), None)
    amber = next((s.fired for s in signals if s.level == "amber"), None)
    return Detection(
        first,
        None if first is None else (first - start).days,
        amber,
        None if amber is None else (amber - start).days,
    )
