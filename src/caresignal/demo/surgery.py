"""Demo, part 3: risk-adjusted CUSUMs of 30-day mortality per cardiac surgeon (Steiner et al. 2000).

A logistic model of death within 30 days on the Parsonnet score is fitted on the first two years
(phase I) and frozen; each surgeon's later operations (phase II) are then monitored with an upper
CUSUM for a doubling of the odds of death (h = 4.5) and a lower CUSUM for a halving (h = 4), the
design of Steiner et al. The thresholds' false-alarm rates come from the Markov-chain ARL over the
phase I case mix, put in years at each surgeon's own volume.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import polars as pl

from caresignal.data.public import cardiac_surgery
from caresignal.stats.arl import bernoulli_cusum_arl, describe_false_alarm_rate
from caresignal.stats.cusum import bernoulli, vlad
from caresignal.stats.riskmodel import RiskModel, fit_logistic

#: The designs of Steiner et al. (2000): (odds ratio to detect, threshold h).
DETERIORATION = (2.0, 4.5)
IMPROVEMENT = (0.5, 4.0)
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True, slots=True)
class SurgeonChart:
    """One surgeon's phase II operations, expected and observed deaths, and CUSUM signals.

    ``deterioration_signals`` and ``improvement_signals`` are the day numbers of the operations at
    which the doubling (h = 4.5) and halving (h = 4) charts signalled; ``vlad`` is expected minus
    observed deaths; ``false_alarms`` says how often the doubling chart would signal by chance at
    this surgeon's volume.
    """

    surgeon: int
    operations: int
    observed: int
    expected: float
    deterioration_signals: tuple[int, ...]
    improvement_signals: tuple[int, ...]
    vlad: float
    false_alarms: str

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SurgerySection:
    """The frozen phase I risk model and every surgeon's phase II charts."""

    model: RiskModel
    arl0: float
    surgeons: tuple[SurgeonChart, ...]

    def to_dict(self) -> dict[str, Any]:
        """The section as JSON-ready values."""
        return {
            "model": {
                "terms": list(self.model.terms),
                "coefficients": self.model.coefficients.tolist(),
                "std_errors": self.model.std_errors.tolist(),
                "c_statistic": self.model.c_statistic,
                "operations": self.model.n,
                "deaths": self.model.events,
            },
            "in_control_arl_operations": self.arl0,
            "surgeons": [surgeon.to_dict() for surgeon in self.surgeons],
        }


def analyse_surgery(frame: pl.DataFrame | None = None) -> SurgerySection:
    """Fit the model on phase I, then chart each surgeon's phase II operations."""
    data = cardiac_surgery() if frame is None else frame
    baseline = data.filter(pl.col("phase") == "I")
    model = fit_logistic(baseline, outcome="died_30d", covariates=["Parsonnet"])
    odds_ratio, h = DETERIORATION
    arl0 = bernoulli_cusum_arl(model.predict(baseline), odds_ratio=odds_ratio, h=h).arl
    monitored = data.filter(pl.col("phase") == "II").sort("date", maintain_order=True)
    days = monitored["date"].to_numpy()
    years = float(days.max() - days.min() + 1) / DAYS_PER_YEAR
    surgeons = tuple(
        _chart_surgeon(int(surgeon), cases, model, arl0, cases.height / years)
        for (surgeon,), cases in monitored.group_by("surgeon", maintain_order=True)
    )
    return SurgerySection(model=model, arl0=arl0, surgeons=tuple(sorted(surgeons, key=_by_id)))


def _by_id(chart: SurgeonChart) -> int:
    return chart.surgeon


def _chart_surgeon(
    surgeon: int, cases: pl.DataFrame, model: RiskModel, arl0: float, per_year: float
) -> SurgeonChart:
    risk = model.predict(cases)
    died = cases["died_30d"].to_numpy()
    days = cases["date"].to_numpy()
    upper = bernoulli(died, risk, odds_ratio=DETERIORATION[0], h=DETERIORATION[1])
    lower = bernoulli(died, risk, odds_ratio=IMPROVEMENT[0], h=IMPROVEMENT[1])
    return SurgeonChart(
        surgeon=surgeon,
        operations=cases.height,
        observed=int(died.sum()),
        expected=float(np.sum(risk)),
        deterioration_signals=tuple(int(day) for day in days[upper.signals]),
        improvement_signals=tuple(int(day) for day in days[lower.signals]),
        vlad=float(vlad(died, risk).statistic[-1]),
        false_alarms=describe_false_alarm_rate(arl0, per_year),
    )
