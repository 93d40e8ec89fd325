"""Logistic risk models fitted on a baseline period, frozen, and used to predict later risks.

A risk-adjusted chart (CUSUM, VLAD, funnel of observed/expected) needs each case's predicted
risk from a model fitted once on a baseline period and then left alone. :func:`fit_logistic`
fits that model (statsmodels GLM, binomial family, logit link); the :class:`RiskModel` it
returns holds everything needed to predict, can be stored as a plain dict or JSON and predicts
identically after the round trip. With ``cases=`` it fits grouped data (one row per covariate
pattern, with its cases and events) and gives the fit of the individual cases. :func:`c_statistic`
and :func:`calibration_table` describe how well risks discriminate and calibrate. See
``docs/methods/riskmodel.md``.
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
    case_counts,
    column,
    design_matrix,
    is_categorical,
    learn_levels,
)
from caresignal.stats._riskmodel_formula import fit_design, predict_design, right_hand_side
from caresignal.stats._riskmodel_metrics import CalibrationTable, c_statistic, calibration_table
from caresignal.stats._riskmodel_serial import model_fields, model_to_dict
from caresignal.stats._riskmodel_wald import wald

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
        The outcome column it was fitted to (0/1, or events per row in grouped data).
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

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        """Pickle as the recorded fit (:meth:`to_dict`), since a read-only mapping of levels
        cannot be pickled: the Spark backend sends frozen fits to its executors this way."""
        return RiskModel.from_dict, (self.to_dict(),)

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
    cases: str | None = None,
    ci_level: float = 0.95,
) -> RiskModel:
    """Fit a logistic risk model by maximum likelihood on baseline data.

    Parameters
    ----------
    data : polars DataFrame, pandas DataFrame or mapping of column name to array-like
        One row per baseline case, or with ``cases`` one row per group of cases that share
        their covariates (e.g. per covariate pattern).
    outcome : str
        Column holding the outcome, 0/1 or boolean (e.g. ``"died_30d"``); with ``cases``, the
        number of cases of the row with the event, a whole number from 0 to the row's cases.
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
    cases : str, optional
        Grouped data: the column saying how many cases each row stands for (whole numbers
        > 0). The binomial model is fitted to each row's proportion with the event, weighted by
        its cases, which gives the fit of the individual cases: the same coefficients, standard
        errors, z, p, intervals, ``n``, ``events`` and c-statistic, from far fewer rows.
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
        Missing values (naming column and row), an outcome that is not 0/1 (with ``cases``: not
        a whole number from 0 to the row's cases), cases that are not whole numbers > 0, neither
        or both of ``covariates`` and ``formula``, an unknown column, or collinear design columns.

    References
    ----------
    Steiner SH, Cook RJ, Farewell VT, Treasure T (2000). Monitoring surgical performance using
    risk-adjusted cumulative sum charts. Biostatistics 1:441–452. McCullagh P, Nelder JA (1989).
    Generalized Linear Models, 2nd ed. Chapman & Hall (section 4.2: grouped binary data).

    Examples
    --------
    >>> data = {"died": [0, 0, 1, 0, 1, 1, 0, 0], "score": [1, 3, 9, 2, 12, 4, 8, 0]}
    >>> model = fit_logistic(data, outcome="died", covariates=["score"])
    >>> model.terms, model.coefficients.round(3).tolist()
    (('Intercept', 'score'), [-2.945, 0.453])
    >>> model.predict({"score": [0, 10]}).round(3).tolist()
    [0.05, 0.83]

    The same cases, two of them (score 1, one death) standing in one row:

    >>> grouped = {"died": [1, 0, 1, 1, 0, 0, 0], "score": [1, 3, 9, 12, 4, 8, 0],
    ...            "operations": [2, 1, 1, 1, 1, 1, 1]}
    >>> data = {"died": [0, 1, 0, 1, 1, 0, 0, 0], "score": [1, 1, 3, 9, 12, 4, 8, 0]}
    >>> individual = fit_logistic(data, outcome="died", covariates=["score"])
    >>> fit = fit_logistic(grouped, outcome="died", covariates=["score"], cases="operations")
    >>> (fit.n, fit.events), bool(abs(fit.coefficients - individual.coefficients).max() < 1e-9)
    ((8, 3), True)
    """
    check_level("ci_level", ci_level)
    events, counts = _outcome(data, outcome, cases)
    rhs, variables, levels, x, terms = _design(data, outcome, covariates, formula, categorical)
    if cases is not None and cases in variables:
        raise ValueError(f"cases {cases!r} is also a covariate; it counts rows, it cannot adjust")
    _check_rank(x, terms)
    coefficients, risk, concordance = _maximum_likelihood(x, events, counts)
    inference = wald(x, coefficients, risk, counts, ci_level)
    return RiskModel(
        outcome=outcome,
        covariates=variables,
        formula=rhs,
        levels=MappingProxyType(levels),
        terms=terms,
        coefficients=coefficients,
        std_errors=inference.std_errors,
        z=inference.z,
        p_values=inference.p_values,
        ci_lower=inference.ci_lower,
        ci_upper=inference.ci_upper,
        ci_level=ci_level,
        n=int(events.size if counts is None else counts.sum()),
        events=int(events.sum()),
        c_statistic=concordance,
    )


def _maximum_likelihood(
    x: FloatArray, events: FloatArray, counts: FloatArray | None
) -> tuple[FloatArray, FloatArray, float]:
    """(coefficients, fitted risk of each row, c-statistic) of the binomial GLM, logit link."""
    if counts is None:
        fit = sm.GLM(events, x, family=sm.families.Binomial()).fit()
        risk = np.asarray(fit.fittedvalues, dtype=np.float64)
        return readonly(np.asarray(fit.params, dtype=np.float64)), risk, c_statistic(events, risk)
    # McCullagh & Nelder (1989) 4.2: proportions with binomial variance / cases (var_weights)
    # have the individual cases' log-likelihood up to a constant, hence the same estimates.
    glm = sm.GLM(events / counts, x, family=sm.families.Binomial(), var_weights=counts)
    fit = glm.fit()
    risk = np.asarray(fit.fittedvalues, dtype=np.float64)
    coefficients = readonly(np.asarray(fit.params, dtype=np.float64))
    return coefficients, risk, c_statistic(events, risk, cases=counts)


def _outcome(data: Any, outcome: str, cases: str | None) -> tuple[FloatArray, FloatArray | None]:
    """(events, cases) per row; cases is None for one row per case (events then 0/1)."""
    if cases is None:
        flags = as_bool_array("outcome", column(data, outcome, "outcome"))
        return flags.astype(np.float64), None
    if not isinstance(cases, str):
        raise TypeError(f"cases must be the name of a column of case counts, got {cases!r}")
    return case_counts(data, outcome, cases)


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
