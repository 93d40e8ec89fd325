"""The periods of a bedside indicator (private; see :mod:`caresignal.monitor.series`).

A bedside indicator's series is one of the ward care audit's monthly measures
(:data:`caresignal.monitor.wardcare.MEASURES`): the audit runs on the whole ``encounters``,
``observations`` and ``responses`` tables up to the end of ``as_of``'s day, and each unit's
month gives the measure's numerator and denominator. The audit needs all three tables at once
(a response in a later batch answers a trigger of an earlier one), so the series is always
computed whole, never from new batches alone (a rescan carries a bedside chart on only when the
whole series' kept months are unchanged: see :mod:`caresignal.monitor._scan_resume`). A unit
without bedside data has no periods; a data directory without the tables gives an empty series.

The audit runs up to the end of ``as_of``'s day or the last observation or response, whichever
is earlier: a trigger still within its time limit when the data end is pending, not missed, for
nobody can tell whether its response is in a batch not yet imported. So the audit depends only
on the three tables' batches and that time, and it is kept under them: in this process for the
other bedside indicators of the same scan, and in ``<data-dir>/cache/bedside/`` (one Parquet file
of the monthly measures, named by a digest of the batches, the time and the caresignal version)
for later scans. A scan that imports nothing new at the bedside reads the file instead of
auditing millions of observations again. Deleting the folder is always safe.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import OrderedDict
from pathlib import Path

import polars as pl

from caresignal import __version__
from caresignal.data.dataset import Snapshot
from caresignal.monitor._catalogue_types import Indicator
from caresignal.monitor._wardcare_monthly import MEASURES
from caresignal.monitor.wardcare import audit

__all__ = ["bedside_periods"]

_EMPTY = {
    "unit": pl.String,
    "period_start": pl.Date,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "expected": pl.Float64,
}


def bedside_periods(
    snapshot: Snapshot, indicator: Indicator, units: list[str], as_of: dt.date
) -> pl.DataFrame:
    """Numerator, denominator and expected (null) per unit and month up to ``as_of``, sorted by
    unit and month; months in which the measure has no denominator (or, for a value of its own,
    no value) are left out."""
    measure = indicator.definition.measure
    assert measure is not None  # the catalogue gives every observations indicator a measure
    monthly = _monthly(snapshot, as_of)
    if monthly is None:
        return pl.DataFrame(schema=_EMPTY)
    numerator, denominator = MEASURES[measure]
    # A value of its own (the median delay) is its numerator over a denominator of 1.
    counted = pl.col(denominator) > 0 if denominator else pl.col(numerator).is_not_null()
    return (
        monthly.filter(pl.col("unit_code").is_in(units) & counted)
        .select(
            pl.col("unit_code").alias("unit"),
            pl.col("month").alias("period_start"),
            pl.col(numerator).cast(pl.Float64).alias("numerator"),
            (pl.col(denominator).cast(pl.Float64) if denominator else pl.lit(1.0)).alias(
                "denominator"
            ),
            pl.lit(None, dtype=pl.Float64).alias("expected"),
        )
        .sort("unit", "period_start")
    )


#: Where the audit's monthly measures are kept inside the data directory.
FOLDER = Path("cache") / "bedside"
#: The audits of this process, by key (the few latest).
_KEPT: OrderedDict[str, pl.DataFrame] = OrderedDict()


def _monthly(snapshot: Snapshot, as_of: dt.date) -> pl.DataFrame | None:
    """The audit's monthly measures up to ``as_of`` (see the module notes), or None without
    bedside data; kept in the process and in the data directory."""
    tables = ("encounters", "observations", "responses")
    if not snapshot.history("observations"):
        return None
    end = dt.datetime.combine(as_of, dt.time.max)
    latest = _latest(snapshot)
    if latest is None:
        return None
    end = min(end, latest)
    key = _key(snapshot, tables, end)
    found = _KEPT.get(key)
    if found is None:
        path = snapshot.directory / FOLDER / f"{key}.parquet"
        found = _read(path)
        if found is None:
            found = audit(*(snapshot.table(table).collect() for table in tables), as_of=end).monthly
            _write(path, found)
        _KEPT[key] = found
        while len(_KEPT) > 4:
            _KEPT.popitem(last=False)
    return found


def _latest(snapshot: Snapshot) -> dt.datetime | None:
    """The last observation's or response's time."""
    last = [
        snapshot.table(table).select(pl.col(column).max()).collect().item()
        for table, column in (("observations", "observation_datetime"),
                              ("responses", "response_datetime"))
    ]  # fmt: skip
    times = [value for value in last if isinstance(value, dt.datetime)]
    return max(times) if times else None


def _key(snapshot: Snapshot, tables: tuple[str, ...], end: dt.datetime) -> str:
    """A digest of what the audit is computed from: the tables' batches, its end, the version."""
    parts = {
        table: [(entry.batch_id, entry.content_hash) for entry in snapshot.history(table)]
        for table in tables
    }
    text = json.dumps([parts, end.isoformat(), __version__], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _read(path: Path) -> pl.DataFrame | None:
    """The kept measures, or None when there are none or they cannot be read."""
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError):
        return None


def _write(path: Path, monthly: pl.DataFrame) -> None:
    """Keep the measures (a failure to write only costs the next scan its time)."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        monthly.write_parquet(temporary)
        temporary.replace(path)
    except (OSError, pl.exceptions.PolarsError):
        return
