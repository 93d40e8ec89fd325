"""The NEWS2 chart, written out band by band, and its scoring of whole arrays.

Source for every band below: Royal College of Physicians. *National Early Warning Score (NEWS) 2:
Standardising the assessment of acute-illness severity in the NHS.* Updated report of a working
party. London: RCP, 2017; Chart 1, "The NEWS scoring system", and the NEWS2 observation chart
(SpO₂ scale 2 for patients with hypercapnic respiratory failure and a prescribed target of
88–92 %). The same values are in DOMAIN.md section 6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from caresignal.stats._ews_bands import Bands, Categories, band_rows

__all__ = [
    "CONSCIOUSNESS",
    "CONSCIOUSNESS_LABELS",
    "NEWS2_PARAMETERS",
    "PULSE",
    "RESPIRATION_RATE",
    "SPO2_SCALE_1",
    "SPO2_SCALE_2_AIR",
    "SPO2_SCALE_2_OXYGEN",
    "SYSTOLIC_BP",
    "TEMPERATURE",
    "News2Scores",
    "score_news2",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Int8Array = NDArray[np.int8]

# RCP 2017 Chart 1, row "Respiration rate (per minute)": ≤8: 3; 9–11: 1; 12–20: 0; 21–24: 2; ≥25: 3.
RESPIRATION_RATE = band_rows(
    "NEWS2 respiration_rate",
    [(None, 8, 3), (9, 11, 1), (12, 20, 0), (21, 24, 2), (25, None, 3)],
    resolution=1,
)
# RCP 2017 Chart 1, row "SpO2 Scale 1 (%)": ≤91: 3; 92–93: 2; 94–95: 1; ≥96: 0.
SPO2_SCALE_1 = band_rows(
    "NEWS2 spo2 (scale 1)", [(None, 91, 3), (92, 93, 2), (94, 95, 1), (96, None, 0)], resolution=1
)
# RCP 2017 Chart 1, row "SpO2 Scale 2 (%)", breathing air: ≤83: 3; 84–85: 2; 86–87: 1;
# 88–92 and ≥93 on air: 0.
SPO2_SCALE_2_AIR = band_rows(
    "NEWS2 spo2 (scale 2, on air)",
    [(None, 83, 3), (84, 85, 2), (86, 87, 1), (88, None, 0)],
    resolution=1,
)
# RCP 2017 Chart 1, row "SpO2 Scale 2 (%)", on oxygen: ≤83: 3; 84–85: 2; 86–87: 1; 88–92: 0;
# 93–94 on oxygen: 1; 95–96 on oxygen: 2; ≥97 on oxygen: 3.
SPO2_SCALE_2_OXYGEN = band_rows(
    "NEWS2 spo2 (scale 2, on oxygen)",
    [(None, 83, 3), (84, 85, 2), (86, 87, 1), (88, 92, 0), (93, 94, 1), (95, 96, 2), (97, None, 3)],
    resolution=1,
)
# RCP 2017 Chart 1, row "Air or oxygen?": air: 0; oxygen: 2.
ON_OXYGEN_SCORE = 2
# RCP 2017 Chart 1, row "Systolic blood pressure (mmHg)": ≤90: 3; 91–100: 2; 101–110: 1;
# 111–219: 0; ≥220: 3.
SYSTOLIC_BP = band_rows(
    "NEWS2 systolic_bp",
    [(None, 90, 3), (91, 100, 2), (101, 110, 1), (111, 219, 0), (220, None, 3)],
    resolution=1,
)
# RCP 2017 Chart 1, row "Pulse (per minute)": ≤40: 3; 41–50: 1; 51–90: 0; 91–110: 1; 111–130: 2;
# ≥131: 3.
PULSE = band_rows(
    "NEWS2 pulse",
    [(None, 40, 3), (41, 50, 1), (51, 90, 0), (91, 110, 1), (111, 130, 2), (131, None, 3)],
    resolution=1,
)
# RCP 2017 Chart 1, row "Consciousness": Alert: 0; CVPU (new confusion, voice, pain,
# unresponsive): 3.
CONSCIOUSNESS_LABELS = ("A", "C", "V", "P", "U")
CONSCIOUSNESS = Categories("NEWS2 consciousness", CONSCIOUSNESS_LABELS, (0, 3, 3, 3, 3))
# RCP 2017 Chart 1, row "Temperature (°C)": ≤35.0: 3; 35.1–36.0: 1; 36.1–38.0: 0; 38.1–39.0: 1;
# ≥39.1: 2.
TEMPERATURE = band_rows(
    "NEWS2 temperature",
    [(None, 35.0, 3), (35.1, 36.0, 1), (36.1, 38.0, 0), (38.1, 39.0, 1), (39.1, None, 2)],
    resolution=0.1,
)

NEWS2_PARAMETERS = (
    "respiration_rate",
    "spo2",
    "on_oxygen",
    "systolic_bp",
    "pulse",
    "consciousness",
    "temperature",
)


@dataclass(frozen=True, slots=True, eq=False)
class News2Scores:
    """Each parameter's score (int8) and whether it is unknown, before rows are excluded."""

    scores: dict[str, Int8Array]
    unknown: dict[str, BoolArray]


def _spo2(
    spo2: FloatArray, scale: Int8Array, on_oxygen: BoolArray, oxygen_missing: BoolArray
) -> tuple[Int8Array, BoolArray]:
    """SpO₂ scores on each row's scale; on scale 2 the score also depends on air or oxygen."""
    score = SPO2_SCALE_1.score(spo2)
    unknown = np.isnan(spo2)
    second = scale == 2
    if second.any():
        on_air = SPO2_SCALE_2_AIR.score(spo2)
        oxygen = SPO2_SCALE_2_OXYGEN.score(spo2)
        np.copyto(score, np.where(on_oxygen, oxygen, on_air), where=second)
        # Without knowing air or oxygen, a scale-2 reading of 93 % or more has no score.
        unknown |= second & oxygen_missing & (on_air != oxygen)
    return score, unknown


def score_news2(
    values: dict[str, FloatArray],
    consciousness: Int8Array,
    on_oxygen: BoolArray,
    oxygen_missing: BoolArray,
    scale: Int8Array,
) -> News2Scores:
    """Score every parameter of every row by the RCP 2017 chart (no row is excluded here)."""
    bands: dict[str, Bands] = {
        "respiration_rate": RESPIRATION_RATE,
        "systolic_bp": SYSTOLIC_BP,
        "pulse": PULSE,
        "temperature": TEMPERATURE,
    }
    scores: dict[str, Int8Array] = {}
    unknown: dict[str, BoolArray] = {}
    for name in NEWS2_PARAMETERS:
        if name == "spo2":
            scores[name], unknown[name] = _spo2(values["spo2"], scale, on_oxygen, oxygen_missing)
        elif name == "on_oxygen":
            scores[name] = on_oxygen.view(np.int8) * np.int8(ON_OXYGEN_SCORE)
            unknown[name] = oxygen_missing
        elif name == "consciousness":
            scores[name] = CONSCIOUSNESS.score(consciousness)
            unknown[name] = consciousness < 0
        else:
            scores[name] = bands[name].score(values[name])
            unknown[name] = np.isnan(values[name])
    return News2Scores(scores=scores, unknown=unknown)
