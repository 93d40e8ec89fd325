"""Expected risks from an indicator's frozen risk model (private; see
:mod:`caresignal.monitor.series`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from caresignal.clock import Clock
from caresignal.errors import CaresignalError
from caresignal.monitor import _series_frames as frames
from caresignal.monitor._catalogue_types import Indicator, RiskModelSpec
from caresignal.monitor._series_hash import baseline_hash, comparable
from caresignal.monitor._series_models import (
    FitRecord,
    ModelRecordError,
    definition_of,
    model_path,
    read_records,
    write_records,
)
from caresignal.monitor._series_predict import predict
from caresignal.stats.riskmodel import RiskModel, fit_logistic


class ModelFitError(CaresignalError, ValueError):
    """An indicator's risk model cannot be fitted on its baseline window."""


@dataclass(frozen=True, slots=True, eq=False)
class RiskColumn:
    """Each case's predicted risk, the fit used, whether it was fitted now, and the baseline check.

    ``baseline_hash`` is the hash of the recorded window over the cases given (None without a
    risk model); ``baseline_checked`` is false when the fit's recorded hash is of an older
    definition and cannot be compared, and ``baseline_changed`` is then false.
    """

    risk: pl.Series
    fit: FitRecord | None
    refitted: bool
    baseline_changed: bool
    baseline_checked: bool
    baseline_hash: str | None


def recorded_fit(directory: Path, indicator: Indicator, refit: bool) -> FitRecord | None:
    """The recorded fit to use, or None if the model is to be fitted now (none yet, or refit).

    Raises :class:`ModelRecordError` if the file cannot be read or records another definition.
    """
    if indicator.risk_model is None:
        return None
    path = model_path(directory, indicator.id)
    current, _ = read_records(path)
    if current is None or refit:
        return None
    if current.definition != definition_of(indicator):
        raise ModelRecordError(
            f"{path}: the recorded risk model of {indicator.id!r} was fitted for another "
            "definition than the catalogue's",
            hint="refit the model on purpose (refit=True) to record a fit of the new definition",
        )
    return current


def risk_model_column(
    directory: Path,
    indicator: Indicator,
    cases: pl.DataFrame,
    fit: FitRecord | None,
    as_of: dt.date,
    clock: Clock,
) -> RiskColumn:
    """Risks of ``cases`` (all dates, with covariates) from ``fit``; without one, the model is
    fitted on its baseline window up to ``as_of`` and recorded (the old fit kept in history)."""
    if indicator.risk_model is None:
        none = pl.repeat(None, cases.height, dtype=pl.Float64, eager=True).alias("risk_model")
        return RiskColumn(none, None, False, False, True, None)
    refitted = fit is None
    if fit is None:
        fit = fit_and_record(directory, indicator, cases, as_of, clock)
    current_hash = baseline_hash(frames.in_window(cases, fit.start, fit.end))
    return RiskColumn(
        predict(fit.model, cases).alias("risk_model"),
        fit,
        refitted,
        *baseline_check(fit, current_hash),
        current_hash,
    )


def fit_and_record(
    directory: Path, indicator: Indicator, cases: pl.DataFrame, as_of: dt.date, clock: Clock
) -> FitRecord:
    """Fit the indicator's model on its baseline window of ``cases`` (in the series order, with
    covariates; any dates) up to ``as_of``, and record the fit, keeping the old one in history.

    Raises :class:`ModelFitError` when the model cannot be fitted.
    """
    fit = _fit(indicator, cases.filter(frames.on_or_before("date", as_of)), as_of, clock)
    path = model_path(directory, indicator.id)
    current, history = read_records(path)
    if current is not None:
        history.append(current.to_dict())
    write_records(path, indicator.id, fit, history)
    return fit


def baseline_check(fit: FitRecord, current_hash: str | None) -> tuple[bool, bool]:
    """(baseline_changed, baseline_checked) of a recorded fit against the hash of the data now."""
    if not comparable(fit.baseline_hash):
        return False, False
    return current_hash != fit.baseline_hash, True


def _fit(indicator: Indicator, cases: pl.DataFrame, as_of: dt.date, clock: Clock) -> FitRecord:
    """Fit the indicator's model on its baseline window and record it.

    The baseline hash is that of the individual cases, whichever rows the model was fitted on
    (see :func:`_fit_baseline`).
    """
    spec = indicator.risk_model
    assert spec is not None
    first = frames.first_day(cases, as_of)
    start, end = frames.resolve_window(spec.baseline, first, as_of)
    baseline = frames.in_window(cases, start, end)
    try:
        model = _fit_baseline(spec, baseline)
    except ValueError as error:
        raise ModelFitError(
            f"{indicator.id}: the risk model cannot be fitted on {start} to {end} "
            f"({baseline.height} cases): {error}",
            hint="check the baseline window and the covariates in the catalogue",
        ) from None
    return FitRecord(
        model=model,
        start=start,
        end=end,
        cases=model.n,
        events=model.events,
        c_statistic=model.c_statistic,
        fitted_at=clock.now(),
        baseline_hash=baseline_hash(baseline),
        definition=definition_of(indicator),
    )


def _fit_baseline(spec: RiskModelSpec, baseline: pl.DataFrame) -> RiskModel:
    """The model fitted on the baseline cases; a covariate model on their covariate patterns.

    Cases and events per pattern (a few thousand rows instead of millions of births) give the
    fit of the individual cases (``fit_logistic(..., cases=...)``, checked equal to 1e-9 in
    ``tests/monitor/test_series_grouped_fit.py``). If the grouped fit is refused, the cases are
    fitted one by one, so that the error names the row of the case at fault.
    """
    categorical = spec.categorical
    if spec.formula is not None:
        return fit_logistic(
            baseline, outcome="outcome", formula=spec.formula, categorical=categorical
        )
    covariates = list(spec.covariates)
    patterns = (
        baseline.group_by(covariates)
        .agg(pl.len().alias("_cases"), pl.col("outcome").cast(pl.Int64).sum())
        .sort(covariates)  # the same rows, in the same order, however the cases were read
    )
    try:
        return fit_logistic(
            patterns,
            outcome="outcome",
            covariates=covariates,
            categorical=categorical,
            cases="_cases",
        )
    except (TypeError, ValueError):
        return fit_logistic(
            baseline, outcome="outcome", covariates=covariates, categorical=categorical
        )
