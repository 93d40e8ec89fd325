"""Predicted risks as polars expressions (private; see :mod:`caresignal.monitor.series`).

:meth:`RiskModel.predict <caresignal.stats.riskmodel.RiskModel.predict>` builds a dense design
matrix (one float column per term) and multiplies it by the coefficients. For a model fitted from
a covariate list the same linear predictor is a sum over the covariates: a categorical covariate
maps its level to its coefficient (0 for the reference level), a numeric one is multiplied by its
coefficient. :func:`predict` computes that sum column by column in polars, then the logistic,
without the matrix.

Whatever the fast path cannot handle goes to ``RiskModel.predict`` itself: formula models, levels
that are not all text or all integers, a covariate column of another type, and any row the fast
path cannot price (a missing value, a category not seen at fit time). Those rows make
``RiskModel.predict`` raise its own ``ValueError``, naming the column, the value and the row, so
the errors are exactly the model's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from caresignal.stats.riskmodel import RiskModel

#: Cases given to ``RiskModel.predict`` at a time on the fallback path, to bound its memory.
CHUNK = 500_000
_TEXT = (pl.String, pl.Categorical, pl.Enum)


def predict(model: RiskModel, cases: pl.DataFrame) -> pl.Series:
    """Each case's predicted risk P(event), as ``RiskModel.predict`` gives it (Float64).

    Parameters
    ----------
    model : RiskModel
        The frozen fit.
    cases : polars.DataFrame
        The cases, with the model's covariate columns.

    Raises
    ------
    ValueError
        As ``RiskModel.predict``: a missing covariate column or value, or a category not seen
        when the model was fitted (naming the column, value and row of ``cases``).
    """
    expression = risk_expr(model, cases.schema)
    if expression is None:
        return _predict_matrix(model, cases)
    risk = cases.select(expression.alias("risk_model")).get_column("risk_model")
    if risk.null_count():
        model.predict(cases)  # raises the model's own error for the row it cannot price
        return _predict_matrix(model, cases)
    return risk


def risk_expr(model: RiskModel, schema: pl.Schema) -> pl.Expr | None:
    """The risk as an expression over columns of ``schema``, or None if the fast path does not
    apply. Rows it cannot price (missing value, unseen category) give null."""
    if model.formula is not None or any(name not in schema for name in model.covariates):
        return None
    coefficients = dict(zip(model.terms, model.coefficients.tolist(), strict=True))
    parts: list[pl.Expr] = [pl.lit(coefficients.pop("Intercept", 0.0), dtype=pl.Float64)]
    for name in model.covariates:
        dtype = schema[name]
        if name in model.levels:
            part = _categorical(name, dtype, model.levels[name], coefficients)
        elif (dtype.is_numeric() or dtype == pl.Boolean) and name in coefficients:
            part = pl.col(name).cast(pl.Float64).fill_nan(None) * coefficients.pop(name)
        else:
            part = None
        if part is None:
            return None
        parts.append(part)
    if coefficients:  # a term this reading does not know: leave it to the model
        return None
    linear = pl.sum_horizontal(parts, ignore_nulls=False)
    return 1.0 / (1.0 + (-linear).exp())


def _categorical(
    name: str, dtype: pl.DataType, levels: Sequence[object], coefficients: dict[str, float]
) -> pl.Expr | None:
    """Level → coefficient (0 for the reference level) for a text or integer column."""
    texts = all(isinstance(level, str) for level in levels)
    integers = all(isinstance(level, int) and not isinstance(level, bool) for level in levels)
    terms = [f"{name}[T.{level}]" for level in levels[1:]]
    if not levels or any(term not in coefficients for term in terms):
        return None
    values = pl.Series([0.0] + [coefficients.pop(term) for term in terms], dtype=pl.Float64)
    if texts and isinstance(dtype, _TEXT):
        # Text → position among the levels (null if unseen) → coefficient: no hashing per row.
        position = (
            pl.col(name)
            .cast(pl.String)
            .cast(pl.Enum([str(level) for level in levels]), strict=False)
        )
        return pl.lit(values).gather(position.to_physical())
    if integers and dtype.is_integer():
        return pl.col(name).replace_strict(
            list(levels), values, default=None, return_dtype=pl.Float64
        )
    return None


def _predict_matrix(model: RiskModel, cases: pl.DataFrame) -> pl.Series:
    """``RiskModel.predict`` in chunks (formula models, unusual columns)."""
    chunks = [
        np.asarray(model.predict(cases.slice(start, CHUNK)))
        for start in range(0, cases.height, CHUNK)
    ]
    values = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.float64)
    return pl.Series("risk_model", values, dtype=pl.Float64)
