"""Model formulas for risk models, through formulaic (the formula engine statsmodels 0.15 ships).

Private helpers of :mod:`caresignal.stats.riskmodel`. formulaic and pandas are imported only
when a formula is used, so covariate lists work without them.

A formula model is stored as its formula and the levels of each categorical variable; it is
rebuilt identically on new data by pinning those levels (pandas ``Categorical``). Stateful
transforms such as ``center(x)`` or ``bs(x)`` are refused, because their fitted state could not be
stored with the model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from caresignal.stats._riskmodel_data import Level, check_seen, column

FloatArray = NDArray[np.float64]
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9.]*")
_QUOTED = re.compile(r"`([^`]+)`")
_CATEGORICAL_TERM = re.compile(r"^(?:C\(\s*)?([A-Za-z_][A-Za-z_0-9]*)\s*(?:[,)].*)?$")


def _formulaic() -> Any:
    # Imported on first use: loading formulaic takes time, and covariate lists do not need it.
    import formulaic

    return formulaic


def right_hand_side(formula: str, outcome: str) -> str:
    """The right-hand side of ``formula``; a left-hand side, if given, must be the outcome."""
    if not isinstance(formula, str) or not formula.strip():
        raise TypeError(f"formula must be a formula string such as 'y ~ x + C(g)', got {formula!r}")
    parsed = _formulaic().Formula(formula)
    if hasattr(parsed, "lhs"):
        left = str(parsed.lhs).strip()
        if left != outcome:
            raise ValueError(f"formula has {left!r} on the left; expected the outcome {outcome!r}")
        parsed = parsed.rhs
    return str(parsed)


def _mentioned(data: Any, rhs: str) -> list[str]:
    """Data columns whose names appear in the formula (the variables it may use)."""
    names = set(_NAME.findall(rhs)) | set(_QUOTED.findall(rhs))
    columns = list(data.columns) if hasattr(data, "columns") else list(data)
    return [name for name in columns if name in names]


def _frame(data: Any, variables: Sequence[str], levels: Mapping[str, Sequence[Level]]) -> Any:
    import pandas as pd

    frame: dict[str, Any] = {}
    for name in variables:
        values = column(data, name, "covariate")
        if name in levels:
            check_seen(name, values, levels[name])
            frame[name] = pd.Categorical(values, categories=list(levels[name]))
        else:
            frame[name] = values
    return pd.DataFrame(frame)


def fit_design(
    data: Any, rhs: str
) -> tuple[FloatArray, tuple[str, ...], dict[str, tuple[Level, ...]], tuple[str, ...]]:
    """Design matrix, term names, categorical levels and the columns used, from baseline data."""
    if not hasattr(data, "columns") and not isinstance(data, Mapping):
        raise TypeError(f"data must be a polars or pandas DataFrame or a mapping, got {type(data)}")
    mentioned = _mentioned(data, rhs)
    matrix = _formulaic().model_matrix(rhs, _frame(data, mentioned, {}), na_action="raise")
    spec = matrix.model_spec
    if spec.transform_state:
        stateful = ", ".join(sorted(spec.transform_state))
        raise ValueError(
            f"formula uses stateful transforms ({stateful}) whose fitted state cannot be stored "
            "with the model; compute that column before fitting instead"
        )
    variables = tuple(sorted(spec.variables_by_source.get("data", ())))
    levels = _categorical_levels(spec.encoder_state, variables)
    return np.asarray(matrix, dtype=np.float64), tuple(matrix.columns), levels, variables


def _categorical_levels(
    encoder_state: Mapping[str, Any], variables: Sequence[str]
) -> dict[str, tuple[Level, ...]]:
    """The levels formulaic found for each categorical term, keyed by its data column."""
    levels: dict[str, tuple[Level, ...]] = {}
    for term, (kind, state) in encoder_state.items():
        if getattr(kind, "value", kind) != "categorical":
            continue
        found = _CATEGORICAL_TERM.match(term)
        if found is None or found.group(1) not in variables:
            raise ValueError(
                f"formula: categorical term {term!r} must be a column or C(column) so that its "
                "levels can be stored with the model"
            )
        levels[found.group(1)] = tuple(np.asarray(state["categories"], dtype=object).tolist())
    return levels


def predict_design(
    data: Any,
    rhs: str,
    variables: Sequence[str],
    levels: Mapping[str, Sequence[Level]],
    terms: Sequence[str],
) -> FloatArray:
    """The design matrix of new data, with the stored categorical levels pinned."""
    matrix = _formulaic().model_matrix(rhs, _frame(data, variables, levels), na_action="raise")
    if tuple(matrix.columns) != tuple(terms):
        raise ValueError(
            f"formula: the design columns on the new data {list(matrix.columns)} differ from "
            f"those of the fitted model {list(terms)}"
        )
    return np.asarray(matrix, dtype=np.float64)
