"""Building the case rows of the indicators of one case table, through the series cache
(private; see :mod:`caresignal.monitor.series`).

An indicator whose cache is usable (same key, and the table's batches are the cached ones
followed only by new, non-correction batches) reads its pieces and computes the new batches
alone; the others are computed from every batch in one shared pass, and their cache rewritten.
A new batch holding cases inside a recorded fit's baseline window sends that indicator to the
full pass, which hashes the window again.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from caresignal.clock import Clock
from caresignal.data.dataset import BatchEntry, Snapshot
from caresignal.monitor import _series_cache as cache
from caresignal.monitor import _series_frames as frames
from caresignal.monitor._catalogue_types import Indicator
from caresignal.monitor._series_cases import BATCH, case_frames, sort_cases
from caresignal.monitor._series_models import FitRecord
from caresignal.monitor._series_predict import predict
from caresignal.monitor._series_risk import baseline_check, recorded_fit, risk_model_column


@dataclass(frozen=True, slots=True, eq=False)
class CaseRows:
    """One indicator's cases of every date (:data:`cache.COLUMNS`) and the fit behind them."""

    frame: pl.DataFrame
    fit: FitRecord | None = None
    refitted: bool = False
    baseline_changed: bool = False
    baseline_checked: bool = True


@dataclass(frozen=True, slots=True, eq=False)
class _Plan:
    """A usable cache entry: its key, manifest and the batches it has not seen."""

    key: dict[str, Any]
    cached: cache.Cached
    new: tuple[BatchEntry, ...]


def build_cases(
    snapshot: Snapshot,
    indicators: Sequence[Indicator],
    units: Mapping[str, Sequence[str]],
    as_of: dt.date,
    clock: Clock,
    refit: bool,
) -> dict[str, CaseRows]:
    """The case rows of ``indicators`` (one table, unit column and date column), by id."""
    directory = snapshot.directory
    entries = snapshot.history(indicators[0].table)
    fits = {item.id: recorded_fit(directory, item, refit) for item in indicators}
    plans = {
        item.id: plan
        for item in indicators
        if (plan := _plan(directory, item, units[item.id], fits[item.id], entries)) is not None
    }
    rows = _from_cache(snapshot, [i for i in indicators if i.id in plans], units, plans, fits)
    cold = [item for item in indicators if item.id not in rows]
    if cold:
        rows |= _from_batches(snapshot, cold, units, fits, as_of, clock, entries)
    return {item.id: rows[item.id] for item in indicators}


def _plan(
    directory: Path,
    indicator: Indicator,
    units: Sequence[str],
    fit: FitRecord | None,
    entries: tuple[BatchEntry, ...],
) -> _Plan | None:
    if indicator.risk_model is not None and fit is None:
        return None  # fitted now: nothing cached can match
    key = cache.key_of(indicator, units, fit)
    cached = cache.read(directory, indicator.id, key)
    if cached is None:
        return None
    seen = tuple((entry.batch_id, entry.content_hash) for entry in entries)
    new = entries[len(cached.batches) :]
    if seen[: len(cached.batches)] != cached.batches or any(entry.correction for entry in new):
        return None
    return _Plan(key, cached, new)


def _from_cache(
    snapshot: Snapshot,
    indicators: list[Indicator],
    units: Mapping[str, Sequence[str]],
    plans: Mapping[str, _Plan],
    fits: Mapping[str, FitRecord | None],
) -> dict[str, CaseRows]:
    """The rows of the indicators whose cache is usable (the others are left out)."""
    rows: dict[str, CaseRows] = {}
    batches = {plan.new for plan in plans.values() if plan.new}
    fresh = {new: _new_cases(snapshot, indicators, units, new) for new in batches}
    for indicator in indicators:
        plan, fit = plans[indicator.id], fits[indicator.id]
        pieces = cache.load(snapshot.directory, indicator.id, plan.cached)
        cases = fresh[plan.new][indicator.id].collect() if plan.new else None
        if pieces is None or (cases is not None and _in_baseline(cases, fit)):
            continue
        new = _new_pieces(cases, fit, plan.new) if cases is not None else {}
        if new:
            batches_now = (*plan.cached.batches, *((e.batch_id, e.content_hash) for e in plan.new))
            cache.write(
                snapshot.directory,
                indicator.id,
                plan.key,
                batches_now,
                new,
                plan.cached,
                plan.cached.baseline_hash,
            )
            pieces.extend(new.values())
        changed, checked = (False, True) if fit is None else _check(fit, plan.cached)
        merged = merge(pieces, units[indicator.id])
        rows[indicator.id] = CaseRows(merged, fit, False, changed, checked)
    return rows


def _check(fit: FitRecord, cached: cache.Cached) -> tuple[bool, bool]:
    return baseline_check(fit, cached.baseline_hash)


def _new_cases(
    snapshot: Snapshot,
    indicators: list[Indicator],
    units: Mapping[str, Sequence[str]],
    new: tuple[BatchEntry, ...],
) -> dict[str, pl.LazyFrame]:
    """The indicators' cases in the new batches only (none of them a correction)."""
    source = _with_batch(snapshot, indicators[0].table, new)
    return case_frames(source, indicators, units, with_batch=True)


def _with_batch(snapshot: Snapshot, table: str, entries: tuple[BatchEntry, ...]) -> pl.LazyFrame:
    """The current records of ``table``'s batches ``entries``, with their batch id: every batch's
    rows when none is a correction, else the snapshot's reading (a correction wins)."""
    if not entries or any(entry.correction for entry in entries):
        return snapshot.current(table, with_batch=True)
    return pl.concat(
        [
            snapshot.scan(entry).with_columns(pl.lit(entry.batch_id).alias(BATCH))
            for entry in entries
        ]
    )


def _in_baseline(cases: pl.DataFrame, fit: FitRecord | None) -> bool:
    """Whether any case falls in the fit's baseline window (its hash must be computed again)."""
    return fit is not None and frames.in_window(cases, fit.start, fit.end).height > 0


def _new_pieces(
    cases: pl.DataFrame, fit: FitRecord | None, new: tuple[BatchEntry, ...]
) -> dict[str, pl.DataFrame]:
    if fit is None:
        risk = pl.repeat(None, cases.height, dtype=pl.Float64, eager=True)
    else:
        risk = predict(fit.model, cases.drop(BATCH))
    return _split(cases.with_columns(risk.alias("risk_model")), new)


def _from_batches(
    snapshot: Snapshot,
    indicators: list[Indicator],
    units: Mapping[str, Sequence[str]],
    fits: Mapping[str, FitRecord | None],
    as_of: dt.date,
    clock: Clock,
    entries: tuple[BatchEntry, ...],
) -> dict[str, CaseRows]:
    """The rows of ``indicators`` from every batch in one pass; their cache is rewritten."""
    source = _with_batch(snapshot, indicators[0].table, entries)
    lazy = case_frames(source, indicators, units, with_batch=True)
    batches = tuple((entry.batch_id, entry.content_hash) for entry in entries)
    rows: dict[str, CaseRows] = {}
    for indicator in indicators:
        cases = lazy.pop(indicator.id).collect()
        risk = risk_model_column(
            snapshot.directory, indicator, cases.drop(BATCH), fits[indicator.id], as_of, clock
        )
        frame = cases.select(*cache.COLUMNS[:4], BATCH).with_columns(risk.risk)
        del cases
        key = cache.key_of(indicator, units[indicator.id], risk.fit)
        pieces = _split(frame, entries)
        cache.write(
            snapshot.directory, indicator.id, key, batches, pieces, None, risk.baseline_hash
        )
        rows[indicator.id] = CaseRows(
            frame.drop(BATCH),
            risk.fit,
            risk.refitted,
            risk.baseline_changed,
            risk.baseline_checked,
        )
    return rows


def _split(frame: pl.DataFrame, entries: Sequence[BatchEntry]) -> dict[str, pl.DataFrame]:
    """``frame``'s rows per batch (every batch of ``entries``, empty if it has none)."""
    ids = frame.get_column(BATCH)
    rows = frame.select(cache.COLUMNS)
    codes = ids.to_physical()
    if ids.null_count() == 0 and codes.min() == codes.max():
        parts = {str(ids[0]): rows}
    else:
        parts = {
            str(name[0]): part.drop(BATCH)
            for name, part in frame.select(*cache.COLUMNS, ids.alias(BATCH))
            .partition_by(BATCH, as_dict=True, maintain_order=True)
            .items()
        }
    return {entry.batch_id: parts.get(entry.batch_id, rows.clear()) for entry in entries}


def merge(pieces: Sequence[pl.DataFrame], units: Sequence[str]) -> pl.DataFrame:
    """Sorted pieces (each in the series order) as one frame in the series order.

    When each unit's rows of a later piece all come after its rows of the earlier pieces (new
    months appended), the units' slices are laid end to end; otherwise everything is sorted.
    """
    parts = [piece for piece in pieces if piece.height]
    if not parts:
        return pieces[0]
    if len(parts) == 1:
        return parts[0]
    slices = _unit_slices(parts, units)
    if slices is None:
        return sort_cases(pl.concat(parts), "unit", "date")
    return pl.concat(slices, rechunk=False)  # zero-copy: each unit's slice stays contiguous


def _unit_slices(parts: Sequence[pl.DataFrame], units: Sequence[str]) -> list[pl.DataFrame] | None:
    """Each unit's slices, piece by piece, if the pieces follow each other within every unit."""
    runs = []
    for part in parts:
        names, offsets = frames.offsets(part.get_column("unit"), units)
        runs.append(dict(zip(names, itertools.pairwise(offsets), strict=True)))
    slices: list[pl.DataFrame] = []
    for code in sorted({code for run in runs for code in run}):
        last: tuple[Any, ...] | None = None
        for part, run in zip(parts, runs, strict=True):
            if code not in run:
                continue
            start, end = (int(value) for value in run[code])
            first = part.row(start)[1:3]
            if None in first or (last is not None and not last < first):
                return None
            slices.append(part.slice(start, end - start))
            last = part.row(end - 1)[1:3]
    return slices


def new_case_rows(
    snapshot: Snapshot,
    indicators: Sequence[Indicator],
    units: Mapping[str, Sequence[str]],
    new: tuple[BatchEntry, ...],
    fits: Mapping[str, FitRecord | None],
) -> dict[str, pl.DataFrame]:
    """The indicators' cases in the batches ``new`` alone (none a correction), each with its
    predicted risk from its recorded fit: :data:`cache.COLUMNS`, in the series order.

    These are the rows a series built from every batch would have from those batches (the
    series cache computes a new batch's piece the same way); a scan that carries its charts on
    from an earlier scan reads only them.
    """
    items = list(indicators)
    lazy = _new_cases(snapshot, items, units, new)
    rows: dict[str, pl.DataFrame] = {}
    for item in items:
        cases = lazy.pop(item.id).collect()
        fit = fits[item.id]
        if fit is None:
            risk = pl.repeat(None, cases.height, dtype=pl.Float64, eager=True)
        else:
            risk = predict(fit.model, cases.drop(BATCH))
        rows[item.id] = cases.with_columns(risk.alias("risk_model")).select(cache.COLUMNS)
    return rows
