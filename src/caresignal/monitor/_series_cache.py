"""The series cache: each case indicator's rows per batch, kept for rescans (private; see
:mod:`caresignal.monitor.series` and ``docs/monitor-series.md``).

``<data-dir>/cache/series/<indicator>/`` holds ``manifest.json`` and one Parquet **piece** per
batch of the indicator's table: that batch's cases of the indicator (all dates), columns
``unit``, ``date``, ``record_id``, ``outcome``, ``risk_model``, in the series order. The manifest
names the pieces and says what they were computed from (its **key**): the cache format, the
polars version, the indicator's definition and units, and a fingerprint of the recorded fit;
and the batches covered, by id and content hash. A piece is reused only if the key is equal and
its batches are the first of the table's batches now; a replaced, removed or corrected batch, a
refit or a changed definition makes the pieces unusable and they are rebuilt.

Every file is written under a new name and the manifest last, atomically, so a crash leaves the
old manifest or the new one, and each names pieces that exist. Anything unreadable is a cache
miss, never an error, and deleting the folder is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from caresignal.data.dataset import replace_file
from caresignal.monitor._catalogue_types import Indicator
from caresignal.monitor._series_models import FitRecord

#: Where the cache lives inside the data directory.
FOLDER = Path("cache") / "series"
FORMAT = "caresignal-series-cache"
VERSION = 1
MANIFEST = "manifest.json"
#: The columns of a piece, in order.
COLUMNS = ("unit", "date", "record_id", "outcome", "risk_model")


@dataclass(frozen=True, slots=True)
class Cached:
    """What a manifest says: the batches covered and each one's piece, and the baseline hash of
    the recorded fit's window over those batches (None without a risk model)."""

    batches: tuple[tuple[str, str], ...]
    pieces: Mapping[str, str]
    rows: Mapping[str, int]
    baseline_hash: str | None


def folder(directory: Path, indicator_id: str) -> Path:
    """The indicator's cache folder inside the data directory ``directory``."""
    return directory / FOLDER / indicator_id


def key_of(indicator: Indicator, units: Sequence[str], fit: FitRecord | None) -> dict[str, Any]:
    """Everything the cached rows depend on besides the batches, as JSON data."""
    spec = indicator.risk_model
    record = None if fit is None else json.dumps(fit.to_dict(), sort_keys=True)
    return {
        "format": FORMAT,
        "version": VERSION,
        "polars": pl.__version__,
        "table": indicator.table,
        "unit_column": indicator.unit_column,
        "date_column": indicator.definition.date_column,
        "population": indicator.definition.population,
        "outcome": indicator.definition.outcome,
        "risk_model": None
        if spec is None
        else {
            "covariates": list(spec.covariates),
            "categorical": list(spec.categorical),
            "formula": spec.formula,
            "derived": [list(pair) for pair in spec.derived],
        },
        "units": list(units),
        "fit": None if record is None else hashlib.sha256(record.encode()).hexdigest(),
    }


def read(directory: Path, indicator_id: str, key: Mapping[str, Any]) -> Cached | None:
    """The cache's manifest for ``key``, or None if there is none, it is unreadable or stale."""
    path = folder(directory, indicator_id) / MANIFEST
    try:
        document = json.loads(path.read_text("utf-8"))
        if document["key"] != key:
            return None
        return Cached(
            batches=tuple((str(b), str(h)) for b, h in document["batches"]),
            pieces={str(b): str(name) for b, name in document["pieces"].items()},
            rows={str(b): int(count) for b, count in document["rows"].items()},
            baseline_hash=document["baseline_hash"],
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def load(directory: Path, indicator_id: str, cached: Cached) -> list[pl.DataFrame] | None:
    """The pieces of ``cached``, in batch order; None if any is missing or unreadable."""
    where = folder(directory, indicator_id)
    pieces = []
    try:
        for batch_id, _ in cached.batches:
            piece = pl.read_parquet(where / cached.pieces[batch_id])
            if piece.columns != list(COLUMNS) or piece.height != cached.rows[batch_id]:
                return None
            pieces.append(piece)
    except (OSError, KeyError, pl.exceptions.PolarsError):
        return None
    return pieces


def write(
    directory: Path,
    indicator_id: str,
    key: Mapping[str, Any],
    batches: Sequence[tuple[str, str]],
    pieces: Mapping[str, pl.DataFrame],
    kept: Cached | None,
    baseline_hash: str | None,
) -> None:
    """Record the pieces (new ones in ``pieces``, older ones kept from ``kept``) for ``batches``.

    A failure to write (a read-only data directory, a full disk) leaves the cache as it was: the
    cache only ever saves time.
    """
    where = folder(directory, indicator_id)
    names = dict(kept.pieces) if kept is not None else {}
    rows = dict(kept.rows) if kept is not None else {}
    try:
        where.mkdir(parents=True, exist_ok=True)
        for batch_id, piece in pieces.items():
            names[batch_id] = _write_piece(where, batch_id, piece.select(COLUMNS))
            rows[batch_id] = piece.height
        covered = [batch_id for batch_id, _ in batches]
        listed = {batch_id: names[batch_id] for batch_id in covered}
        document: dict[str, Any] = {
            "key": dict(key),
            "batches": [list(pair) for pair in batches],
            "pieces": listed,
            "rows": {batch_id: rows[batch_id] for batch_id in covered},
            "baseline_hash": baseline_hash,
        }
        replace_file(where / MANIFEST, json.dumps(document, indent=1).encode("utf-8"))
    except (OSError, KeyError):
        return
    _remove_others(where, {MANIFEST, *listed.values()})


def _write_piece(where: Path, batch_id: str, piece: pl.DataFrame) -> str:
    """Write one piece under a new name (temporary file, then renamed); returns the name."""
    name = f"{batch_id}-{secrets.token_hex(6)}.parquet"
    temporary = where / f".{name}.tmp"
    piece.write_parquet(temporary, compression="lz4", statistics=False)
    os.replace(temporary, where / name)
    return name


def _remove_others(where: Path, keep: set[str]) -> None:
    """Delete the folder's files the new manifest does not name (older pieces, leftovers)."""
    for path in where.iterdir():
        if path.name not in keep:
            with contextlib.suppress(OSError):
                path.unlink()
