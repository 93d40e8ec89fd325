"""Demo, part 1: Making Data Count XmR charts of A&E 4-hour performance for every trust."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import polars as pl

from caresignal.data.public import ae_attendances
from caresignal.stats.spc import xmr

#: The NHS standard: 95 % of patients admitted, transferred or discharged within four hours.
FOUR_HOUR_STANDARD = 0.95
#: Series shorter than this are left out: fewer points give no stable limits (Making Data Count).
MINIMUM_MONTHS = 12


@dataclass(frozen=True, slots=True)
class TrustPerformance:
    """One trust's XmR chart of monthly 4-hour performance, summarised at its latest month."""

    org_code: str
    months: int
    latest_period: date
    latest: float
    mean: float
    lpl: float
    upl: float
    latest_rule: str | None
    variation: str
    assurance: str | None
    trial_limits: bool

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values (the date as ISO text)."""
        return {**asdict(self), "latest_period": self.latest_period.isoformat()}


@dataclass(frozen=True, slots=True)
class AESection:
    """XmR charts of the share of type-1 A&E patients seen within 4 hours, one per trust."""

    trusts: tuple[TrustPerformance, ...]
    left_out: int
    target: float = FOUR_HOUR_STANDARD

    def variation_counts(self) -> dict[str, int]:
        """How many trusts show each variation icon at their latest month."""
        return dict(Counter(trust.variation for trust in self.trusts).most_common())

    def assurance_counts(self) -> dict[str, int]:
        """How many trusts show each assurance icon against the 95 % standard."""
        return dict(Counter(str(trust.assurance) for trust in self.trusts).most_common())

    def concerns(self) -> tuple[TrustPerformance, ...]:
        """Trusts whose latest month is a special cause of concern, worst performance first."""
        flagged = [t for t in self.trusts if t.variation.startswith("special_cause_concern")]
        return tuple(sorted(flagged, key=lambda trust: trust.latest))

    def to_dict(self) -> dict[str, Any]:
        """The section as JSON-ready values."""
        return {
            "target": self.target,
            "trusts_charted": len(self.trusts),
            "trusts_left_out": self.left_out,
            "variation_counts": self.variation_counts(),
            "assurance_counts": self.assurance_counts(),
            "concerns": [trust.org_code for trust in self.concerns()],
            "trusts": [trust.to_dict() for trust in self.trusts],
        }


def four_hour_performance(frame: pl.DataFrame) -> pl.DataFrame:
    """Monthly share of type-1 patients seen within 4 hours, by ``org_code`` and ``period``."""
    return (
        frame.filter(pl.col("type") == "1", pl.col("attendances") > 0)
        .with_columns(performance=1 - pl.col("breaches") / pl.col("attendances"))
        .select("org_code", "period", "performance")
        .sort("org_code", "period")
    )


def analyse_ae(frame: pl.DataFrame | None = None) -> AESection:
    """Chart every trust's 4-hour performance with improvement = increase and the 95 % target."""
    performance = four_hour_performance(ae_attendances() if frame is None else frame)
    trusts: list[TrustPerformance] = []
    left_out = 0
    for (org_code,), series in performance.group_by("org_code", maintain_order=True):
        if series.height < MINIMUM_MONTHS:
            left_out += 1
            continue
        trusts.append(_chart_trust(str(org_code), series))
    return AESection(trusts=tuple(trusts), left_out=left_out)


def _chart_trust(org_code: str, series: pl.DataFrame) -> TrustPerformance:
    chart = xmr(series["performance"], improvement="increase", target=FOUR_HOUR_STANDARD)
    return TrustPerformance(
        org_code=org_code,
        months=series.height,
        latest_period=series["period"][-1],
        latest=float(chart.values[-1]),
        mean=float(chart.mean[-1]),
        lpl=float(chart.lpl[-1]),
        upl=float(chart.upl[-1]),
        latest_rule=chart.rule[-1],
        variation=chart.variation,
        assurance=chart.assurance,
        trial_limits=bool(chart.trial_limits[-1]),
    )
