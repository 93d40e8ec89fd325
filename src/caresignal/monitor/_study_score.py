"""One seed's replay scored against its ``truth.json`` (private; see
:mod:`caresignal.monitor.study`).

The replay itself counts false alarms on every chart no hidden problem touched
(:func:`caresignal.monitor.replay.replay`). The synthetic sites also differ from the national
model as real ones do, and a chart at a site whose true risk is higher is right to signal, so the
study counts the **in-control** charts apart: untouched charts whose site's (or ward's) largest
true effect on the outcomes behind the indicator is within :data:`IN_CONTROL` of zero on the
log-odds scale (``truth.json`` ``sites[*].effects`` and ``wards[*][*].effect``). There the
thresholds' design rate should hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from caresignal.monitor._replay_truth import SYNTHETIC_INDICATORS, counts, family, touched
from caresignal.monitor.replay import ReplayResult

__all__ = ["IN_CONTROL", "OUTCOMES", "InControl", "chart_effects", "in_control_counts"]

#: A chart is in control when its site's true effect is within this of zero (log-odds).
IN_CONTROL = 0.05


def _outcomes() -> dict[str, tuple[str, ...]]:
    """The outcomes behind each shipped indicator: the inverse of SYNTHETIC_INDICATORS, plus the
    birth outcomes no problem changes."""
    outcomes: dict[str, tuple[str, ...]] = {
        "haemorrhage_1500ml": ("haemorrhage_1500ml",),
        "tear_3rd_4th": ("tear_3rd_4th",),
        "apgar5_below_7": ("apgar5_below_7",),
    }
    for outcome, idents in SYNTHETIC_INDICATORS.items():
        for ident in idents:
            outcomes[ident] = (*outcomes.get(ident, ()), outcome)
    return outcomes


#: The synthetic outcomes behind each shipped indicator.
OUTCOMES: Mapping[str, tuple[str, ...]] = _outcomes()


@dataclass(frozen=True, slots=True)
class InControl:
    """Counted signals and chart-years of one method on the in-control charts of one seed."""

    signals: int
    chart_years: float

    @property
    def rate(self) -> float | None:
        """Signals per chart-year (None with no chart-years)."""
        return self.signals / self.chart_years if self.chart_years else None

    def to_dict(self) -> dict[str, Any]:
        """``{"signals", "chart_years", "rate"}``."""
        return {"signals": self.signals, "chart_years": self.chart_years, "rate": self.rate}


def chart_effects(truth: Mapping[str, Any]) -> dict[tuple[str, str], float]:
    """The largest true effect (absolute, log-odds) behind each (unit, indicator) chart."""
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


def in_control_counts(
    result: ReplayResult, truth: Mapping[str, Any], limit: float = IN_CONTROL
) -> dict[str, InControl]:
    """Each method's counted signals and chart-years on the charts that are in control: untouched
    by any problem and with a true effect within ``limit`` of zero."""
    skip = touched(truth["problems"])
    calm = {chart for chart, effect in chart_effects(truth).items() if effect <= limit}
    charts = calm - skip
    found: dict[str, InControl] = {}
    for method in result.methods:
        signals = sum(
            1
            for s in result.signals
            if family(s) == method and counts(s) and (s.unit, s.indicator) in charts
        )
        years = sum(
            y
            for unit, ident, name, y in result.charted
            if name == method and (unit, ident) in charts
        )
        found[method] = InControl(signals, years)
    return found
