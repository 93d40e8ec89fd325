"""Demo, part 4: a Bernoulli CUSUM and VLAD of deaths after arterial switch operations.

De Leval et al. (1994) analysed a cluster of deaths among 104 newborn babies operated on by one
surgeon. The expected risk of death is the in-control rate implied by the model Steiner, Cook &
Farewell (1999) used for these data: a near miss with probability expit(−2.3), and death with
probability expit(−4.5) without a near miss and expit(−4.5 + 2.5) after one, about 2.1 %. The
threshold is designed, not guessed: the h whose in-control ARL is 1,000 operations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import polars as pl
from scipy.special import expit

from caresignal.data.public import deleval
from caresignal.stats.arl import bernoulli_cusum_threshold, describe_false_alarm_rate
from caresignal.stats.cusum import bernoulli, vlad

#: In-control risk of death: Steiner, Cook & Farewell (1999), theta0 = (−2.3, −4.5, 2.5).
EXPECTED_RISK = float((1 - expit(-2.3)) * expit(-4.5) + expit(-2.3) * expit(-4.5 + 2.5))
ODDS_RATIO = 2.0
ARL0_OPERATIONS = 1000.0
#: 104 operations over about six years (de Leval et al. 1994).
OPERATIONS_PER_YEAR = 104 / 6


@dataclass(frozen=True, slots=True)
class SwitchSection:
    """The CUSUM of deaths against a fixed expected risk, its threshold and signals."""

    operations: int
    deaths: int
    expected_risk: float
    h: float
    false_alarms: str
    signals: tuple[int, ...]
    vlad_lowest: float
    vlad_final: float

    def to_dict(self) -> dict[str, Any]:
        """The section as JSON-ready values; ``signals`` are 1-based operation numbers."""
        design = {"odds_ratio": ODDS_RATIO, "arl0_operations": ARL0_OPERATIONS}
        return {**asdict(self), **design, "expected_deaths": self.operations * self.expected_risk}


def analyse_switch(frame: pl.DataFrame | None = None) -> SwitchSection:
    """Chart the deaths in operation order with the designed threshold."""
    died = (deleval() if frame is None else frame).sort("patient")["death"]
    h = bernoulli_cusum_threshold(EXPECTED_RISK, odds_ratio=ODDS_RATIO, arl0=ARL0_OPERATIONS).h
    chart = bernoulli(died, EXPECTED_RISK, odds_ratio=ODDS_RATIO, h=h)
    display = vlad(died, EXPECTED_RISK).statistic
    return SwitchSection(
        operations=len(died),
        deaths=int(died.sum()),
        expected_risk=EXPECTED_RISK,
        h=h,
        false_alarms=describe_false_alarm_rate(ARL0_OPERATIONS, OPERATIONS_PER_YEAR),
        signals=tuple(int(position) + 1 for position in chart.signals),
        vlad_lowest=float(display.min()),
        vlad_final=float(display[-1]),
    )
