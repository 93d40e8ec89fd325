"""The data directory's files: leftovers of interrupted imports, the lock, and a damaged ledger."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from caresignal.data.dataset import (
    BatchFileMissingError,
    Dataset,
    DatasetBusyError,
    LedgerCorruptError,
    LedgerMissingError,
)

WHEN = datetime(2025, 3, 4, 10, 15, tzinfo=UTC)


def staffing(unit: str, hours: float = 4650.0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "unit_code": [unit, unit],
            "month": [date(2024, 3, 1)] * 2,
            "shift": ["day", "night"],
            "staff_group": ["midwife"] * 2,
            "planned_hours": [hours, hours / 2],
            "actual_hours": [hours - 100, hours / 2],
            "patient_days": [620.0, 620.0],
        }
    )


def loaded(directory: Path, *units: str) -> Dataset:
    dataset = Dataset(directory)
    for unit in units:
        dataset.add(
            "staffing", staffing(unit), sources=["s.csv"], imported_by="ana", imported_at=WHEN
        )
    return dataset


def files_under(directory: Path) -> set[str]:
    return {
        path.relative_to(directory).as_posix() for path in directory.rglob("*") if path.is_file()
    }


def test_files_the_ledger_does_not_name_are_not_read_and_the_next_writer_removes_them(
    tmp_path: Path,
) -> None:
    dataset = loaded(tmp_path, "U1")
    named = tmp_path / dataset.history()[0].file
    # What interrupted imports leave: a renamed batch file, a temporary one, a temporary ledger.
    shutil.copy(named, tmp_path / "batches/staffing/000002.parquet")
    shutil.copy(named, tmp_path / "batches/staffing/.000003.parquet.tmp")
    (tmp_path / "batches/births").mkdir()
    shutil.copy(named, tmp_path / "batches/births/000004.parquet")
    (tmp_path / ".ledger.json.tmp").write_text('{"half a ledg', encoding="utf-8")
    assert dataset.table("staffing").collect().height == 2
    assert dataset.table("births").collect().height == 0
    with dataset.writer() as writer:
        assert writer.removed == (
            ".ledger.json.tmp",
            "batches/births/000004.parquet",
            "batches/staffing/.000003.parquet.tmp",
            "batches/staffing/000002.parquet",
        )
    assert files_under(tmp_path) == {"ledger.json", "dataset.lock", dataset.history()[0].file}
    dataset.add("staffing", staffing("U2"), sources=["s.csv"], imported_by="ana", imported_at=WHEN)
    assert dataset.table("staffing").collect().height == 4


def test_a_second_writer_told_not_to_wait_fails_at_once_naming_the_first(tmp_path: Path) -> None:
    dataset = loaded(tmp_path)
    with dataset.writer():
        other = Dataset(tmp_path, wait=0)
        with pytest.raises(DatasetBusyError) as raised:
            other.add(
                "staffing", staffing("U1"), sources=["s.csv"], imported_by="ben", imported_at=WHEN
            )
        assert f"process {os.getpid()}" in raised.value.message
        assert raised.value.hint is not None
        assert other.table("staffing").collect().height == 0  # readers do not wait
    assert other.history() == ()
    other.add("staffing", staffing("U1"), sources=["s.csv"], imported_by="ben", imported_at=WHEN)
    assert len(other.history()) == 1


def test_a_second_writer_waits_for_the_first_to_finish(tmp_path: Path) -> None:
    first = loaded(tmp_path)
    second = Dataset(tmp_path, wait=30)
    outcome: list[Any] = []

    def import_u2() -> None:
        outcome.append(
            second.add(
                "staffing", staffing("U2"), sources=["b.csv"], imported_by="ben", imported_at=WHEN
            )
        )

    with first.writer() as writer:
        waiting = threading.Thread(target=import_u2)
        waiting.start()
        waiting.join(timeout=0.3)
        assert waiting.is_alive()  # still waiting for the lock
        writer.add(
            "staffing", staffing("U1"), sources=["a.csv"], imported_by="ana", imported_at=WHEN
        )
    waiting.join(timeout=30)
    assert not waiting.is_alive()
    assert outcome[0].added
    assert [entry.imported_by for entry in first.history()] == ["ana", "ben"]


def test_a_writer_is_used_in_a_with_block(tmp_path: Path) -> None:
    writer = loaded(tmp_path).writer()
    with pytest.raises(RuntimeError, match="with"):
        writer.add(
            "staffing", staffing("U1"), sources=["s.csv"], imported_by="ana", imported_at=WHEN
        )


def _ledger(directory: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((directory / "ledger.json").read_text(encoding="utf-8"))
    return document


def _entry_with(directory: Path, **changes: Any) -> bytes:
    document = _ledger(directory)
    document["batches"][0].update(changes)
    return json.dumps(document).encode()


CORRUPTIONS: dict[str, Callable[[Path], bytes]] = {
    "not JSON": lambda _d: b"\x00\x01 not json",
    "cut short": lambda d: (d / "ledger.json").read_bytes()[:-40],
    "empty file": lambda _d: b"",
    "another program's JSON": lambda _d: b'{"batches": []}',
    "a newer version": lambda d: json.dumps({**_ledger(d), "version": 2}).encode(),
    "rows as text": lambda d: _entry_with(d, rows="2"),
    "rows as true": lambda d: _entry_with(d, rows=True),
    "a missing field": lambda d: _entry_with(d, imported_by=None),
    "a bad time": lambda d: _entry_with(d, imported_at="yesterday"),
    "a file outside the batches": lambda d: _entry_with(d, file="../../etc/passwd"),
    "a batch twice": lambda d: json.dumps(
        {**_ledger(d), "batches": _ledger(d)["batches"] * 2}
    ).encode(),
}


@pytest.mark.parametrize("damage", sorted(CORRUPTIONS))
def test_a_damaged_ledger_is_reported_never_read_as_empty(tmp_path: Path, damage: str) -> None:
    loaded(tmp_path, "U1")
    (tmp_path / "ledger.json").write_bytes(CORRUPTIONS[damage](tmp_path))
    before = {name: (tmp_path / name).read_bytes() for name in files_under(tmp_path)}
    with pytest.raises(LedgerCorruptError) as raised:
        Dataset(tmp_path).table("staffing")
    assert str(tmp_path / "ledger.json") in raised.value.message
    assert raised.value.hint is not None
    assert "backup" in raised.value.hint
    assert {name: (tmp_path / name).read_bytes() for name in files_under(tmp_path)} == before


def test_a_ledger_damaged_after_opening_stops_the_next_writer(tmp_path: Path) -> None:
    dataset = loaded(tmp_path, "U1")
    (tmp_path / "ledger.json").write_text("[]", encoding="utf-8")
    with pytest.raises(LedgerCorruptError):
        dataset.add(
            "staffing", staffing("U2"), sources=["s.csv"], imported_by="ana", imported_at=WHEN
        )
    assert (tmp_path / "batches/staffing/000001.parquet").is_file()  # nothing cleaned up


def test_batch_files_without_a_ledger_are_refused_not_cleaned_up(tmp_path: Path) -> None:
    dataset = loaded(tmp_path, "U1")
    (tmp_path / "ledger.json").unlink()
    with pytest.raises(LedgerMissingError, match="no import ledger"):
        Dataset(tmp_path)
    with pytest.raises(LedgerMissingError):
        dataset.history()
    assert (tmp_path / "batches/staffing/000001.parquet").is_file()


def test_a_batch_file_the_ledger_names_must_be_there(tmp_path: Path) -> None:
    dataset = loaded(tmp_path, "U1", "U2")
    (tmp_path / "batches/staffing/000002.parquet").unlink()
    with pytest.raises(BatchFileMissingError, match=r"batch 000002 .* by ana\) .* is missing"):
        dataset.table("staffing")
