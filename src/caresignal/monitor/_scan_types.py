"""What a scan finds (private; re-exported by :mod:`caresignal.monitor.scan`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["FINDING_COLUMNS", "Finding", "IndicatorSummary", "ScanResult", "Skipped", "severity"]

#: How a finding's level ranks, most severe first (SPC rules after the CUSUM and funnel levels).
LEVELS = ("red", "amber", "outside_limits", "shift", "trend", "two_in_three")


def severity(level: str, direction: str) -> int:
    """A sort key: lower is more severe; every concern ranks above every improvement."""
    rank = LEVELS.index(level) if level in LEVELS else len(LEVELS)
    return rank + (0 if direction == "concern" else len(LEVELS) + 1)


@dataclass(frozen=True, slots=True)
class Finding:
    """One signal: a chart of one unit and indicator that crossed a threshold or broke a rule.

    Attributes
    ----------
    unit : str
        The organisation code (a site, a unit or a trust, as the indicator's level says).
    indicator : str
        The indicator's id; ``title`` its title.
    method : str
        The catalogue method that found it: ``bernoulli_cusum``, ``poisson_cusum``, ``funnel``,
        ``p_chart``, ``u_chart`` or ``xmr``.
    chart : str
        The chart in words, e.g. "risk-adjusted CUSUM for a doubling of the odds".
    level : str
        ``amber`` or ``red`` (CUSUM and funnel), or the Making Data Count rule of an SPC chart:
        ``outside_limits``, ``shift``, ``trend`` or ``two_in_three``.
    direction : str
        ``concern`` (worse) or ``improvement`` (better).
    first_crossed : date
        The day the threshold was first crossed (the case, or the first day of the period, that
        crossed it); for an SPC rule the first period the rule flags; for a funnel the last day
        of its window.
    change_began : date
        When the change most likely began: the first case after the CUSUM's last zero, the
        first period of an SPC rule's run, the first day of a funnel's window.
    observed, expected : float
        Events observed, and expected, from ``change_began`` to the end of the episode (the
        signal for a chart reset after red, else the as-of date). For an XmR chart, the mean
        value over the run and the centre line. ``expected`` is None where nothing is expected.
    ratio, ratio_low, ratio_high : float or None
        O/E and its exact 95 % Poisson interval (None for XmR charts).
    threshold : float or None
        The CUSUM threshold h crossed (None for SPC and funnel findings).
    false_alarm : str or None
        How often a false alarm at that level happens at this unit, in words.
    signals : int
        Red signals of this chart in the 12 months to the as-of date (CUSUM), else 0.
    explanation : str
        One or two plain sentences for a board member.
    """

    unit: str
    indicator: str
    title: str
    method: str
    chart: str
    level: str
    direction: str
    first_crossed: dt.date
    change_began: dt.date
    observed: float
    expected: float | None
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None
    threshold: float | None
    false_alarm: str | None
    signals: int
    explanation: str

    @property
    def severity(self) -> int:
        """Sort key, lower first: red concerns, amber, the SPC rules, then improvements."""
        return severity(self.level, self.direction)

    def to_dict(self) -> dict[str, Any]:
        """The finding as JSON-ready data (dates as ISO text)."""
        data = asdict(self)
        data["first_crossed"] = self.first_crossed.isoformat()
        data["change_began"] = self.change_began.isoformat()
        return data


#: The columns of ``findings.parquet``, in order (the fields of :class:`Finding`).
FINDING_COLUMNS = tuple(Finding.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A chart that could not run for a unit, and why (too little data, no expected rate…)."""

    unit: str
    indicator: str
    method: str
    reason: str


@dataclass(frozen=True, slots=True)
class IndicatorSummary:
    """One indicator in a scan: how many units it watched, its findings and false-alarm rate.

    ``false_alarms`` is the national sentence for its CUSUMs ("with 190 sites, expect about 19
    false amber signals a year and about 4 false red signals a year"), None without a CUSUM;
    ``amber_per_year`` and ``red_per_year`` the numbers behind it.
    """

    indicator: str
    title: str
    units: int
    findings: int
    false_alarms: str | None
    amber_per_year: float | None
    red_per_year: float | None


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything one scan found, as of one day.

    ``findings`` are sorted by severity (red concerns first), then by the date first crossed and
    by unit; ``indicators`` follow the catalogue's order; ``skipped`` lists the charts that could
    not run.
    """

    as_of: dt.date
    findings: tuple[Finding, ...]
    indicators: tuple[IndicatorSummary, ...]
    skipped: tuple[Skipped, ...]

    def to_dict(self) -> dict[str, Any]:
        """``{"as_of", "findings", "indicators", "skipped"}`` as JSON-ready data."""
        return {
            "as_of": self.as_of.isoformat(),
            "findings": [finding.to_dict() for finding in self.findings],
            "indicators": [asdict(summary) for summary in self.indicators],
            "skipped": [asdict(skip) for skip in self.skipped],
        }
