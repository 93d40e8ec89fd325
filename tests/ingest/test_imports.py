"""The import use case: validate every file, then load them as one batch, or refuse them all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import import_files
from caresignal.errors import ImportRejectedError

StateOf = Callable[[Path], dict[str, bytes]]
EXAMPLES = Path(__file__).parent.parent.parent / "docs" / "examples"
CLOCK = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


def _lines(name: str) -> list[str]:
    return (EXAMPLES / name).read_text(encoding="utf-8").splitlines()


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    data = Dataset(tmp_path / "data")
    import_files(
        data, "organisations", [EXAMPLES / "organisations.csv"], clock=CLOCK, imported_by="ana"
    )
    return data


def test_organisations_may_name_parents_from_an_earlier_file(tmp_path: Path) -> None:
    header, *rows = _lines("organisations.csv")
    trusts = [row for row in rows if ",trust," in row]
    others = [row for row in rows if ",trust," not in row]
    first = _write(tmp_path / "trusts.csv", [header, *trusts])
    second = _write(tmp_path / "sites-and-units.csv", [header, *others])
    data = Dataset(tmp_path / "data")
    result = import_files(data, "organisations", [first, second], clock=CLOCK, imported_by="ana")
    assert result.added
    assert result.batch.sources == ("trusts.csv", "sites-and-units.csv")
    assert data.table("organisations").collect().height == len(rows)


def test_problems_in_several_files_are_reported_together_and_nothing_loads(
    directory_state: StateOf, dataset: Dataset, tmp_path: Path
) -> None:
    header, first, *_ = _lines("births.csv")
    cells = first.split(",")
    bad_weight = [*cells]
    bad_weight[0], bad_weight[5] = "B800001", "150"  # below the 200 g minimum
    bad_site = [*cells]
    bad_site[0], bad_site[1] = "B800002", "RQQ99"  # no such organisation
    one = _write(tmp_path / "one.csv", [header, ",".join(bad_weight)])
    two = _write(tmp_path / "two.csv", [header, ",".join(bad_site)])
    before = directory_state(dataset.directory)
    with pytest.raises(ImportRejectedError) as caught:
        import_files(dataset, "births", [one, two], clock=CLOCK, imported_by="ana")
    error = caught.value
    assert "2 of 2 files" in error.message
    assert {(p.file, p.column) for p in error.problems} == {
        ("one.csv", "birthweight_g"),
        ("two.csv", "site_code"),
    }
    assert error.total == 2
    assert directory_state(dataset.directory) == before


def test_a_correction_replaces_the_record_with_the_same_key(
    dataset: Dataset, tmp_path: Path
) -> None:
    import_files(dataset, "births", [EXAMPLES / "births.csv"], clock=CLOCK, imported_by="ana")
    header, first, *_ = _lines("births.csv")
    cells = first.split(",")
    cells[5] = "3510"  # the corrected birthweight
    fix = _write(tmp_path / "fix.csv", [header, ",".join(cells)])
    result = import_files(dataset, "births", [fix], clock=CLOCK, imported_by="ben", correction=True)
    assert result.added
    assert result.batch.correction
    births = dataset.table("births").collect()
    assert births.height == len(_lines("births.csv")) - 1
    weight = births.filter(pl.col("record_id") == cells[0])["birthweight_g"].item()
    assert weight == 3510
    assert [entry.imported_by for entry in dataset.history("births")] == ["ana", "ben"]


def test_new_records_mixed_with_loaded_ones_are_refused_not_taken_as_already_loaded(
    directory_state: StateOf, dataset: Dataset, tmp_path: Path
) -> None:
    import_files(dataset, "births", [EXAMPLES / "births.csv"], clock=CLOCK, imported_by="ana")
    header, first, *rest = _lines("births.csv")
    new = first.split(",")
    new[0] = "B700001"
    mixed = _write(tmp_path / "mixed.csv", [header, first, *rest, ",".join(new)])
    before = directory_state(dataset.directory)
    with pytest.raises(ImportRejectedError) as caught:
        import_files(dataset, "births", [mixed], clock=CLOCK, imported_by="ana")
    assert {problem.check for problem in caught.value.problems} == {"already_loaded"}
    assert directory_state(dataset.directory) == before


def test_the_same_content_from_another_format_is_already_loaded(
    directory_state: StateOf, dataset: Dataset, tmp_path: Path
) -> None:
    import_files(dataset, "births", [EXAMPLES / "births.csv"], clock=CLOCK, imported_by="ana")
    workbook = tmp_path / "births.xlsx"
    pl.read_csv(EXAMPLES / "births.csv", infer_schema=False).write_excel(workbook)
    before = directory_state(dataset.directory)
    result = import_files(dataset, "births", [workbook], clock=CLOCK, imported_by="ben")
    assert not result.added
    assert result.batch.imported_by == "ana"
    assert directory_state(dataset.directory) == before


def test_no_files_is_a_programming_error(dataset: Dataset) -> None:
    with pytest.raises(ValueError, match="at least one file"):
        import_files(dataset, "births", [], clock=CLOCK, imported_by="ana")
