"""Logistic risk models fitted on a baseline period, frozen, and used to predict later risks.

A risk-adjusted chart (CUSUM, VLAD, funnel of observed/expected) needs each case's predicted
risk from a model fitted once on a baseline period and then left alone. :func:`fit_logistic`
fits that model (statsmodels GLM, binomial family, logit link); the :class:`RiskModel` it
returns holds everything needed to predict, can be stored as a plain dict or JSON and predicts
identically after the round trip. :func:`c_statistic` and :func:`calibration_table` describe how
well risks discriminate and calibrate. See ``docs/methods/riskmodel.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import statsmodels.api as sm
from numpy.typing import NDArray
from scipy.special import expit

from caresignal.stats._checks import as_bool_array, check_level, readonly
from caresignal.stats._riskmodel_data import (
    Level,
    column,
    design_matrix,
    is_categorical,
    learn_levels,
)
from caresignal.stats._riskmodel_formula import fit_design, predict_design, right_hand_side
from caresignal.stats._riskmodel_metrics import CalibrationTable, c_statistic, calibration_table
from caresignal.stats._riskmodel_serial import model_fields, model_to_dict

__all__ = [
    "CalibrationTable",
    "RiskModel",
    "c_statistic",
    "calibration_table",
    "fit_logistic",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True, eq=False)
class RiskModel:
    """A fitted logistic risk model, frozen: logit P(event) = Σ coefficient × design column.

    Attributes
    ----------
    outcome : str
        The 0/1 outcome column it was fitted to.
    covariates : tuple of str
        The data columns it reads (for a formula: every column the formula uses, sorted).
    formula : str or None
        The right-hand side of the formula, if fitted from one (formulaic syntax).
    levels : mapping of str to tuple
        Categorical columns and their levels, the first being the reference.
    terms : tuple of str
        Design columns, in order: ``"Intercept"``, numeric columns by name, and one
        ``"column[T.level]"`` per non-reference level (``"C(column)[T.level]"`` in formulas).
    coefficients, std_errors, z, p_values, ci_lower, ci_upper : ndarray
        Per term: estimate (log odds), standard error, Wald z, two-sided p-value, and the Wald
        confidence interval at ``ci_level``.
    ci_level : float
        Level of the confidence intervals (0.95 by default).
    n, events : int
        Baseline cases and baseline cases with the event.
    c_statistic : float
        c-statistic of the fitted risks on the baseline (apparent discrimination).
    """

    outcome: str
    covariates: tuple[str, ...]
    formula: str | None
    levels: Mapping[str, tuple[Level, ...]]
    terms: tuple[str, ...]
    coefficients: FloatArray
    std_errors: FloatArray
    z: FloatArray
    p_values: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    ci_level: float
    n: int
    events: int
    c_statistic: float

    def design(self, data: Any) -> FloatArray:
        """The design matrix of ``data`` (one row per case, one column per term)."""
        if self.formula is not None:
            return predict_design(data, self.formula, self.covariates, self.levels, self.terms)
        return design_matrix(data, self.covariates, self.levels)[0]

    def predict(self, data: Any) -> FloatArray:
        """Predicted risk P(event) of each case in ``data`` (a DataFrame or mapping of columns).

        Raises ``ValueError`` naming the column and value for a category not seen at fit time,
        and naming the column and row for a missing value.
        """
        risk: FloatArray = expit(self.design(data) @ self.coefficients)
        return readonly(risk)

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-serialisable dict of the fit ("the fit recorded")."""
        return model_to_dict(self)

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> RiskModel:
        """Rebuild a model from :meth:`to_dict` output (or its JSON), checking its shape."""
        fields = model_fields(record)
        arrays = ("coefficients", "std_errors", "z", "p_values", "ci_lower", "ci_upper")
        for name in arrays:
            fields[name] = readonly(np.asarray(fields[name], dtype=np.float64))
        fields["levels"] = MappingProxyType(fields["levels"])
        return cls(**fields)


def fit_logistic(
    data: Any,
    *,
    outcome: str,
    covariates: Sequence[str] | None = None,
    formula: str | None = None,
    categorical: Sequence[str] = (),
    ci_level: float = 0.95,
) -> RiskModel:
    """Fit a logistic risk model by maximum likelihood on baseline data.

    Parameters
    ----------
    data : polars DataFrame, pandas DataFrame or mapping of column name to array-like
        One row per baseline case.
    outcome : str
        Column holding the outcome, 0/1 or boolean (e.g. ``"died_30d"``).
    covariates : sequence of str, optional
        Columns to adjust for. Numeric and boolean columns enter as they are (per unit of the
        column); string and categorical columns, and any named in ``categorical``, are
        treatment-coded with the first sorted level as reference (as R's ``factor``).
    formula : str, optional
        Instead of ``covariates``: a formula such as ``"died_30d ~ Parsonnet + C(surgeon)"``
        (formulaic syntax, the engine statsmodels 0.15 ships; needs pandas and formulaic).
        Categorical terms must be a column or ``C(column)``; stateful transforms are refused.
    categorical : sequence of str
        Numeric covariates to treat as categories (e.g. a surgeon number). Covariates only.
    ci_level : float
        Level of the Wald confidence intervals of the coefficients.

    Returns
    -------
    RiskModel
        The frozen fit: coefficients with standard errors, z, p and intervals, category levels,
        baseline size and c-statistic.

    Raises
    ------
    ValueError
        Missing values (naming column and row), an outcome that is not 0/1, neither or both of
        ``covariates`` and ``formula``, an unknown column, or collinear design columns.

    References
    ----------
    Steiner SH, Cook RJ, Farewell VT, Treasure T (2000). Monitoring surgical performance using
    risk-adjusted cumulative sum charts. Biostatistics 1:441–452. McCullagh P, Nelder JA (1989).
    Generalized Linear Models, 2nd ed. Chapman & Hall.

    Examples
    --------
    >>> data = {"died": [0, 0, 1, 0, 1, 1, 0, 0], "score": [1, 3, 9, 2, 12, 4, 8, 0]}
    >>> model = fit_logistic(data, outcome="died", covariates=["score"])
    >>> model.terms, model.coefficients.round(3).tolist()
    (('Intercept', 'score'), [-2.945, 0.453])
    >>> model.predict({"score": [0, 10]}).round(3).tolist()
    [0.05, 0.83]
    """
    check_level("ci_level", ci_level)
    y = as_bool_array("outcome", column(data, outcome, "outcome"))
    rhs, variables, levels, x, terms = _design(data, outcome, covariates, formula, categorical)
    _check_rank(x, terms)
    fit = sm.GLM(y.astype(np.float64), x, family=sm.families.Binomial()).fit()
    interval = np.asarray(fit.conf_int(alpha=1.0 - ci_level))
    return RiskModel(
        outcome=outcome,
        covariates=variables,
        formula=rhs,
        levels=MappingProxyType(levels),
        terms=terms,
        coefficients=readonly(np.asarray(fit.params, dtype=np.float64)),
        std_errors=readonly(np.asarray(fit.bse, dtype=np.float64)),
        z=readonly(np.asarray(fit.tvalues, dtype=np.float64)),
        p_values=readonly(np.asarray(fit.pvalues, dtype=np.float64)),
        ci_lower=readonly(interval[:, 0].copy()),
        ci_upper=readonly(interval[:, 1].copy()),
        ci_level=ci_level,
        n=int(y.size),
        events=int(y.sum()),
        c_statistic=c_statistic(y, np.asarray(fit.fittedvalues)),
    )


def _design(
    data: Any,
    outcome: str,
    covariates: Sequence[str] | None,
    formula: str | None,
    categorical: Sequence[str],
) -> tuple[str | None, tuple[str, ...], dict[str, tuple[Level, ...]], FloatArray, tuple[str, ...]]:
    """Formula or covariate list → (rhs, columns read, categorical levels, design, term names)."""
    if (covariates is None) == (formula is None):
        raise ValueError("give exactly one of covariates=[...] or formula='...'")
    if formula is not None:
        if categorical:
            raise ValueError("categorical applies to covariates; in a formula write C(column)")
        rhs = right_hand_side(formula, outcome)
        x, terms, levels, variables = fit_design(data, rhs)
        return rhs, variables, levels, x, terms
    variables = _covariate_names(covariates, categorical)
    levels = _levels(data, variables, categorical)
    x, terms = design_matrix(data, variables, levels)
    return None, variables, levels, x, terms


def _covariate_names(
    covariates: Sequence[str] | None, categorical: Sequence[str]
) -> tuple[str, ...]:
    if covariates is None or isinstance(covariates, str):
        raise TypeError(f"covariates must be a sequence of column names, got {covariates!r}")
    names = tuple(covariates)
    unknown = [name for name in categorical if name not in names]
    if unknown:
        raise ValueError(f"categorical names {unknown}, which are not among covariates {names}")
    return names


def _levels(
    data: Any, covariates: Sequence[str], categorical: Sequence[str]
) -> dict[str, tuple[Level, ...]]:
    """Levels of each categorical covariate, learned from the baseline data."""
    levels: dict[str, tuple[Level, ...]] = {}
    for name in covariates:
        values = column(data, name, "covariate")
        if name in categorical or is_categorical(values):
            levels[name] = learn_levels(values)
    return levels


def _check_rank(x: FloatArray, terms: Sequence[str]) -> None:
    """Refuse collinear design columns (e.g. a category without cases): GLM cannot separate them."""
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise ValueError(
            f"covariates: the design columns {list(terms)} are collinear (a constant column, a "
            "category without cases, or one column a combination of others); drop one"
        )
