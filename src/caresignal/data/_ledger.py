"""The import ledger: one entry per accepted batch, kept as JSON in ``ledger.json``.

:func:`encode` and :func:`decode` turn the entries into the ledger's bytes and back; decoding
checks every field, so a damaged or foreign file is reported, never read as an empty ledger.
The ledger's format is described in ``docs/data-directory.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from caresignal.data._dataset_errors import LedgerCorruptError

__all__ = ["FORMAT", "VERSION", "BatchEntry", "Superseded", "batch_file", "decode", "encode"]

FORMAT = "caresignal-ledger"
VERSION = 1
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Superseded:
    """How many of an earlier batch's records a correction replaced."""

    batch_id: str
    records: int


@dataclass(frozen=True, slots=True)
class BatchEntry:
    """One accepted batch, as the import ledger records it.

    Attributes
    ----------
    batch_id : str
        The batch's number, six digits, counting every table's batches in the order they were
        loaded (``"000001"`` is the first batch ever loaded into the directory).
    table : str
        The input table (:data:`caresignal.data.schema.SCHEMAS`) the rows belong to.
    file : str
        The batch's Parquet file, relative to the data directory.
    rows : int
        The number of records in the batch.
    columns : tuple of str
        The columns stored in the file, in order.
    content_hash : str
        ``"sha256:<hex>"`` of the batch's content (see ``docs/data-directory.md``).
    sources : tuple of str
        The names of the files the rows were read from.
    imported_by : str
        Who imported the batch.
    imported_at : datetime
        When, timezone-aware.
    correction : bool
        Whether the batch corrects records already loaded (it replaces those with the same key).
    supersedes : tuple of Superseded
        For a correction, how many records of each earlier batch it replaced.
    """

    batch_id: str
    table: str
    file: str
    rows: int
    columns: tuple[str, ...]
    content_hash: str
    sources: tuple[str, ...]
    imported_by: str
    imported_at: datetime
    correction: bool
    supersedes: tuple[Superseded, ...] = ()

    @property
    def superseded_records(self) -> int:
        """How many earlier records the batch replaced (0 unless it is a correction)."""
        return sum(item.records for item in self.supersedes)

    def to_dict(self) -> dict[str, Any]:
        """The entry as plain JSON values, exactly as the ledger file holds it."""
        return {
            "batch_id": self.batch_id,
            "table": self.table,
            "file": self.file,
            "rows": self.rows,
            "columns": list(self.columns),
            "content_hash": self.content_hash,
            "sources": list(self.sources),
            "imported_by": self.imported_by,
            "imported_at": self.imported_at.isoformat(),
            "correction": self.correction,
            "supersedes": [
                {"batch_id": item.batch_id, "records": item.records} for item in self.supersedes
            ],
        }


def batch_file(table: str, batch_id: str) -> str:
    """The path of a batch's Parquet file, relative to the data directory."""
    return f"batches/{table}/{batch_id}.parquet"


def encode(batches: Sequence[BatchEntry]) -> bytes:
    """The ledger file's bytes for ``batches`` (UTF-8 JSON, ending in a newline)."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "batches": [entry.to_dict() for entry in batches],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def decode(data: bytes, path: Path) -> tuple[BatchEntry, ...]:
    """The entries of the ledger at ``path`` whose bytes are ``data``.

    Raises :class:`LedgerCorruptError`, naming the file and what is wrong, if ``data`` is not a
    ledger this version of caresignal can read.
    """
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _corrupt(path, f"it is not valid JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _corrupt(path, f"it is not a caresignal import ledger (no format {FORMAT!r})")
    version = document.get("version")
    if not isinstance(version, int) or version > VERSION or version < 1:
        raise _corrupt(
            path, f"its version {version!r} is not one this caresignal reads ({VERSION})"
        )
    raw = _field(document, "batches", list, path, "the ledger")
    entries = tuple(_entry(item, index, path) for index, item in enumerate(raw, start=1))
    _check_unique(entries, path)
    return entries


def _entry(item: Any, index: int, path: Path) -> BatchEntry:
    where = f"entry {index}"
    if not isinstance(item, dict):
        raise _corrupt(path, f"{where} is not an object")
    entry = BatchEntry(
        batch_id=_field(item, "batch_id", str, path, where),
        table=_field(item, "table", str, path, where),
        file=_field(item, "file", str, path, where),
        rows=_field(item, "rows", int, path, where),
        columns=tuple(_strings(item, "columns", path, where)),
        content_hash=_field(item, "content_hash", str, path, where),
        sources=tuple(_strings(item, "sources", path, where)),
        imported_by=_field(item, "imported_by", str, path, where),
        imported_at=_parse(item, "imported_at", datetime.fromisoformat, path, where),
        correction=_field(item, "correction", bool, path, where),
        supersedes=tuple(_superseded(item, path, where)),
    )
    if entry.file != batch_file(entry.table, entry.batch_id):
        raise _corrupt(path, f"{where} names the file {entry.file!r}, which is not its batch's")
    return entry


def _superseded(item: dict[str, Any], path: Path, where: str) -> list[Superseded]:
    result = []
    for value in _field(item, "supersedes", list, path, where):
        if not isinstance(value, dict):
            raise _corrupt(path, f"{where}: 'supersedes' holds something that is not an object")
        batch_id = _field(value, "batch_id", str, path, f"{where} supersedes")
        result.append(Superseded(batch_id, _field(value, "records", int, path, where)))
    return result


def _field(item: dict[str, Any], name: str, kind: type[T], path: Path, where: str) -> T:
    value = item.get(name)
    # bool is an int in Python; a count must not be true or false.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _corrupt(path, f"{where}: {name!r} is {value!r}, not a {kind.__name__}")
    return value


def _strings(item: dict[str, Any], name: str, path: Path, where: str) -> list[str]:
    values = _field(item, name, list, path, where)
    if not all(isinstance(value, str) for value in values):
        raise _corrupt(path, f"{where}: {name!r} must be a list of strings")
    return values


def _parse(item: dict[str, Any], name: str, parse: Callable[[str], T], path: Path, where: str) -> T:
    text = _field(item, name, str, path, where)
    try:
        return parse(text)
    except ValueError:
        raise _corrupt(path, f"{where}: {name!r} is {text!r}, not a date and time") from None


def _check_unique(entries: tuple[BatchEntry, ...], path: Path) -> None:
    seen: set[str] = set()
    for entry in entries:
        if entry.batch_id in seen:
            raise _corrupt(path, f"batch {entry.batch_id} appears twice")
        seen.add(entry.batch_id)


def _corrupt(path: Path, problem: str) -> LedgerCorruptError:
    return LedgerCorruptError(
        f"the import ledger {path} cannot be read: {problem}",
        hint=(
            "nothing was changed. Restore ledger.json from a backup; the batch files under "
            "batches/ are never modified, but which of them count is known only from the ledger"
        ),
    )
