"""Expected risks from an indicator's frozen risk model (private; see
:mod:`caresignal.monitor.series`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from caresignal.clock import Clock
from caresignal.data.dataset import Snapshot
from caresignal.errors import CaresignalError
from caresignal.monitor import _series_frames as frames
from caresignal.monitor._catalogue_types import Indicator
from caresignal.monitor._series_models import (
    FitRecord,
    ModelRecordError,
    baseline_hash,
    definition_of,
    model_path,
    read_records,
    write_records,
)
from caresignal.stats.riskmodel import fit_logistic

#: Cases predicted at a time, to bound the design matrix's memory.
CHUNK = 500_000


class ModelFitError(CaresignalError, ValueError):
    """An indicator's risk model cannot be fitted on its baseline window."""


@dataclass(frozen=True, slots=True, eq=False)
class RiskColumn:
    """Each case's predicted risk, the fit used, and whether it was fitted now or is stale."""

    risk: pl.Series
    fit: FitRecord | None
    refitted: bool
    baseline_changed: bool


def risk_model_column(
    snapshot: Snapshot,
    indicator: Indicator,
    every: pl.DataFrame,
    cut: pl.DataFrame,
    first: dt.date,
    as_of: dt.date,
    clock: Clock,
    refit: bool,
) -> RiskColumn:
    """Risks of the cases in ``cut`` from the recorded fit (fitting and recording it if asked,
    or if there is none); ``every`` is all the cases, for checking the recorded baseline."""
    if indicator.risk_model is None:
        return RiskColumn(
            pl.repeat(None, cut.height, dtype=pl.Float64, eager=True), None, False, False
        )
    path = model_path(snapshot.directory, indicator.id)
    current, history = read_records(path)
    definition = definition_of(indicator)
    if current is None or refit:
        record = _fit(indicator, cut, first, as_of, clock)
        if current is not None:
            history.append(current.to_dict())
        write_records(path, indicator.id, record, history)
        return RiskColumn(_predict(record, cut), record, True, False)
    if current.definition != definition:
        raise ModelRecordError(
            f"{path}: the recorded risk model of {indicator.id!r} was fitted for another "
            "definition than the catalogue's",
            hint="refit the model on purpose (refit=True) to record a fit of the new definition",
        )
    baseline = frames.in_window(every, current.start, current.end)
    changed = baseline_hash(baseline) != current.baseline_hash
    return RiskColumn(_predict(current, cut), current, False, changed)


def _fit(
    indicator: Indicator, cases: pl.DataFrame, first: dt.date, as_of: dt.date, clock: Clock
) -> FitRecord:
    spec = indicator.risk_model
    assert spec is not None
    start, end = frames.resolve_window(spec.baseline, first, as_of)
    baseline = frames.in_window(cases, start, end)
    try:
        model = fit_logistic(
            baseline,
            outcome="outcome",
            covariates=spec.covariates if spec.formula is None else None,
            formula=spec.formula,
            categorical=spec.categorical,
        )
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


def _predict(record: FitRecord, cases: pl.DataFrame) -> pl.Series:
    chunks = [
        np.asarray(record.model.predict(cases.slice(start, CHUNK)))
        for start in range(0, cases.height, CHUNK)
    ]
    values = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.float64)
    return pl.Series("risk_model", values, dtype=pl.Float64)
