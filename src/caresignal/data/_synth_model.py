"""Synthetic data, part 3: the logistic outcome models and the terms they are made of.

Each outcome's log-odds is an intercept, plus a sum of coefficients times terms computed from the
record's own columns, plus the site's random effect, plus the log of any injected odds ratio in
force on the day. The terms are named functions of columns (``age_40_plus`` is ``mother_age >= 40``)
so that the same code draws the outcomes and, from ``truth.json`` alone, recomputes each record's
true risk. Columns are numpy arrays named as in :mod:`caresignal.data.schema`; string columns are
given as integer codes, the position of the value in the column's ``allowed`` tuple.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from caresignal.data.schema import ADMISSIONS, BIRTHS, ETHNIC_GROUPS

__all__ = [
    "AGE_BANDS",
    "BIRTH_MODES",
    "DIAGNOSIS_GROUPS",
    "ETHNIC_GROUPS",
    "LABOUR_ONSETS",
    "STILLBIRTH_TIMING",
    "TERMS",
    "Columns",
    "LogisticModel",
    "Term",
    "expit",
]

Columns = Mapping[str, NDArray[Any]]
FloatArray = NDArray[np.float64]


def _allowed(table: Any, column: str) -> tuple[str, ...]:
    values = table.column(column).allowed
    assert values is not None
    return tuple(values)


LABOUR_ONSETS = _allowed(BIRTHS, "labour_onset")
BIRTH_MODES = _allowed(BIRTHS, "birth_mode")
STILLBIRTH_TIMING = _allowed(BIRTHS, "stillbirth")
AGE_BANDS = _allowed(ADMISSIONS, "age_band")


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a linear predictor: a named function of a record's columns."""

    description: str
    function: Callable[[Columns], NDArray[Any]]

    def __call__(self, columns: Columns) -> FloatArray:
        return np.asarray(self.function(columns), dtype=np.float64)


def _between(column: str, low: float, high: float) -> Callable[[Columns], NDArray[Any]]:
    return lambda c: (c[column] >= low) & (c[column] <= high)


def _code(column: str, value: str, values: tuple[str, ...]) -> Callable[[Columns], NDArray[Any]]:
    position = values.index(value)
    return lambda c: c[column] == position


def _deprivation(columns: Columns) -> FloatArray:
    decile = np.asarray(columns["imd_decile"], dtype=np.float64)
    return np.where(np.isnan(decile), 0.5, (10.0 - decile) / 9.0)


_GESTATION_BANDS = (
    ("gestation_22_23", 22, 23),
    ("gestation_24_27", 24, 27),
    ("gestation_28_31", 28, 31),
    ("gestation_32_33", 32, 33),
    ("gestation_34_36", 34, 36),
    ("gestation_41", 41, 41),
    ("gestation_42_plus", 42, 44),
)


def _birth_terms() -> dict[str, Term]:
    terms = {
        "age_under_20": Term("mother_age < 20", _between("mother_age", 0, 19)),
        "age_20_24": Term("20 <= mother_age <= 24", _between("mother_age", 20, 24)),
        "age_35_39": Term("35 <= mother_age <= 39", _between("mother_age", 35, 39)),
        "age_40_plus": Term("mother_age >= 40", _between("mother_age", 40, 99)),
        "deprivation": Term(
            "(10 - imd_decile) / 9: 1 in the most deprived decile, 0 in the least; 0.5 if empty",
            _deprivation,
        ),
        "nulliparous": Term("parity == 0", _between("parity", 0, 0)),
        "parity_3_plus": Term("parity >= 3", _between("parity", 3, 99)),
        "previous_caesarean": Term("previous_caesarean", lambda c: c["previous_caesarean"]),
        "multiple": Term("plurality >= 2", _between("plurality", 2, 9)),
        "hie": Term("hie_grade_2_3", lambda c: c["hie_grade_2_3"]),
    }
    return {**terms, **_coded_birth_terms()}


def _coded_birth_terms() -> dict[str, Term]:
    terms = {
        f"ethnic_{group}": Term(
            f'ethnic_group == "{group}" (reference: white)',
            _code("ethnic_group", group, ETHNIC_GROUPS),
        )
        for group in ETHNIC_GROUPS[1:]
    }
    for name, low, high in _GESTATION_BANDS:
        terms[name] = Term(
            f"{low} <= gestation_weeks <= {high}", _between("gestation_weeks", low, high)
        )
    terms["induced"] = Term(
        'labour_onset == "induced"', _code("labour_onset", "induced", LABOUR_ONSETS)
    )
    for mode in BIRTH_MODES[1:]:
        terms[mode] = Term(
            f'birth_mode == "{mode}" (reference: spontaneous_vaginal)',
            _code("birth_mode", mode, BIRTH_MODES),
        )
    return terms


DIAGNOSIS_GROUPS = (
    "urinary_tract_infection",
    "pneumonia",
    "sepsis",
    "heart_failure",
    "stroke",
    "copd",
    "acute_kidney_injury",
    "hip_fracture",
    "gi_bleed",
    "chest_pain",
    "cellulitis",
    "falls_injury",
    "elective_joint_replacement",
    "elective_other_surgery",
)


def _admission_terms() -> dict[str, Term]:
    terms = {
        f"age_{band.replace('-', '_').replace('+', '_plus')}": Term(
            f'age_band == "{band}" (reference: 16-44)', _code("age_band", band, AGE_BANDS)
        )
        for band in AGE_BANDS[4:]
    }
    terms["comorbidity"] = Term("comorbidity_score", lambda c: c["comorbidity_score"])
    terms["emergency"] = Term("emergency", lambda c: c["emergency"])
    terms["male"] = Term('sex == "male"', lambda c: c["sex"] == 1)
    for group in DIAGNOSIS_GROUPS[1:]:
        terms[f"diagnosis_{group}"] = Term(
            f'diagnosis_group == "{group}" (reference: {DIAGNOSIS_GROUPS[0]})',
            _code("diagnosis_group", group, DIAGNOSIS_GROUPS),
        )
    return terms


#: Every term any model may use, by name.
TERMS: Mapping[str, Term] = MappingProxyType({**_birth_terms(), **_admission_terms()})


def expit(x: ArrayLike) -> FloatArray:
    """The logistic function 1 / (1 + exp(−x))."""
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64))), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class LogisticModel:
    """The true model of one binary outcome.

    Attributes
    ----------
    outcome : str
        The column the model draws.
    population : str
        Which records can have the outcome, in words (others never do).
    intercept : float
        Log-odds for a record with every term 0, at a site with effect 0.
    coefficients : mapping of term name to float
        Log odds ratios, each for a term of :data:`TERMS`.
    between_site_sd : float
        Standard deviation of the sites' (or wards') random effects on the log-odds.
    target : float
        The rate in the population that the intercept was calibrated to (national case mix).
    """

    outcome: str
    population: str
    intercept: float
    coefficients: Mapping[str, float]
    between_site_sd: float
    target: float

    def __post_init__(self) -> None:
        unknown = sorted(set(self.coefficients) - set(TERMS))
        if unknown:
            raise ValueError(f"model of {self.outcome} uses unknown terms {unknown}")

    def linear_predictor(self, columns: Columns) -> FloatArray:
        """Intercept plus the sum of coefficient × term, one value per record."""
        first = next(iter(columns.values()))
        total = np.full(len(first), self.intercept)
        for name, coefficient in self.coefficients.items():
            total += coefficient * TERMS[name](columns)
        return total

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON-ready values, each term with its definition."""
        return {
            "population": self.population,
            "intercept": self.intercept,
            "coefficients": dict(self.coefficients),
            "terms": {name: TERMS[name].description for name in self.coefficients},
            "between_site_sd": self.between_site_sd,
            "target_rate": self.target,
        }

    @classmethod
    def from_dict(cls, outcome: str, values: Mapping[str, Any]) -> LogisticModel:
        """The model that :meth:`to_dict` wrote."""
        return cls(
            outcome=outcome,
            population=values["population"],
            intercept=float(values["intercept"]),
            coefficients=MappingProxyType(dict(values["coefficients"])),
            between_site_sd=float(values["between_site_sd"]),
            target=float(values["target_rate"]),
        )
