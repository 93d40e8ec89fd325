"""``caresignal import`` and ``caresignal synth``, run in process on real files (docs/cli.md)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from caresignal.cli import app
from caresignal.data.dataset import Dataset
from caresignal.data.synth import TABLES

StateOf = Callable[[Path], dict[str, bytes]]
EXAMPLES = Path(__file__).parent.parent / "docs" / "examples"
runner = CliRunner()


def _import(data: Path, table: str, *files: Path, json_output: bool = False) -> object:
    args = ["import", table, *map(str, files), "--data-dir", str(data), "--by", "tester"]
    return runner.invoke(app, [*args, "--json"] if json_output else args)


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    """A data directory holding the example organisations and births."""
    data = tmp_path / "data"
    for table in ("organisations", "births"):
        result = _import(data, table, EXAMPLES / f"{table}.csv")
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return data


def test_import_loads_a_batch_and_says_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = runner.invoke(
        app,
        [
            "import",
            "organisations",
            str(EXAMPLES / "organisations.csv"),
            "--data-dir",
            str(data),
            "--json",
            "--by",
            "ana",
        ],
    )
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "loaded"
    assert outcome["batch"]["imported_by"] == "ana"
    expected_rows = pl.read_csv(EXAMPLES / "organisations.csv").height
    assert Dataset(data).table("organisations").collect().height == expected_rows


def test_importing_the_same_file_twice_loads_it_once(
    directory_state: StateOf, loaded: Path
) -> None:
    before = directory_state(loaded)
    result = _import(loaded, "births", EXAMPLES / "births.csv")
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert "already loaded" in result.stdout  # type: ignore[attr-defined]
    assert directory_state(loaded) == before


def test_a_bad_file_is_refused_whole_with_file_row_column_value_and_changes_nothing(
    directory_state: StateOf, loaded: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "more-births.csv"
    rows = (EXAMPLES / "births.csv").read_text(encoding="utf-8").splitlines()
    header, first = rows[0], rows[1].split(",")
    good = [*first]
    good[0] = "B900001"
    wrong = [*first]
    wrong[0], wrong[5] = "B900002", "9000"  # birthweight_g 9,000 g: above the 7,000 g maximum
    bad.write_text("\n".join([header, ",".join(good), ",".join(wrong)]) + "\n", encoding="utf-8")
    before = directory_state(loaded)
    result = _import(loaded, "births", bad)
    assert result.exit_code == 2  # type: ignore[attr-defined]
    text = " ".join(result.stderr.split())  # type: ignore[attr-defined]
    assert "more-births.csv" in text
    assert "row 3" in text
    assert "birthweight_g" in text
    assert "9000" in text
    assert "Error:" in text
    assert directory_state(loaded) == before


def test_rejection_as_json_lists_every_problem(loaded: Path, tmp_path: Path) -> None:
    bad = tmp_path / "births.csv"
    shutil.copy(EXAMPLES / "births.csv", bad)  # every record is already loaded
    result = _import(loaded, "births", bad, EXAMPLES / "organisations.csv", json_output=True)
    assert result.exit_code == 2  # type: ignore[attr-defined]
    outcome = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert outcome["status"] == "rejected"
    assert outcome["total"] >= 1
    assert {"file", "row", "column", "value", "expected"} <= set(outcome["problems"][0])


def test_unknown_table_is_a_usage_error(tmp_path: Path) -> None:
    result = _import(tmp_path / "data", "babies", EXAMPLES / "births.csv")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "no table called 'babies'" in result.stderr  # type: ignore[attr-defined]
    assert not (tmp_path / "data").exists()


def test_synth_builds_a_ready_data_directory_once(directory_state: StateOf, tmp_path: Path) -> None:
    data = tmp_path / "synthetic"
    args = ["synth", "--out", str(data), "--scale", "small", "--seed", "7", "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert [row["status"] for row in json.loads(first.stdout)] == ["loaded"] * len(TABLES)
    truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))
    assert truth
    before = directory_state(data)
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert [row["status"] for row in json.loads(again.stdout)] == ["already_loaded"] * len(TABLES)
    assert directory_state(data) == before


def test_synth_raw_writes_plain_files_that_import_cleanly(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    result = runner.invoke(app, ["synth", "--out", str(raw), "--scale", "small", "--raw"])
    assert result.exit_code == 0, result.output
    names = sorted(path.name for path in raw.iterdir())
    assert "truth.json" in names
    assert "births.csv" in names
    data = tmp_path / "data"
    for table in ("organisations", "births"):
        imported = _import(data, table, raw / f"{table}.csv")
        assert imported.exit_code == 0, imported.output  # type: ignore[attr-defined]


def test_synth_refuses_an_unknown_scale(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--out", str(tmp_path / "x"), "--scale", "tiny"])
    assert result.exit_code == 2
    assert "no synthetic scale called 'tiny'" in result.stderr


def test_history_lists_every_batch_with_who_and_when(loaded: Path) -> None:
    result = runner.invoke(app, ["history", "--data-dir", str(loaded), "--json"])
    assert result.exit_code == 0, result.output
    batches = json.loads(result.stdout)
    assert [(b["batch_id"], b["table"], b["imported_by"]) for b in batches] == [
        ("000001", "organisations", "tester"),
        ("000002", "births", "tester"),
    ]
    assert batches[1]["sources"] == ["births.csv"]
    only = runner.invoke(app, ["history", "births", "--data-dir", str(loaded), "--json"])
    assert [b["table"] for b in json.loads(only.stdout)] == ["births"]
    table = runner.invoke(app, ["history", "--data-dir", str(loaded)])
    assert "births" in table.stdout


def test_history_of_an_empty_place_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["history", "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "holds no imported data" in result.stderr
    assert not (tmp_path / "none").exists()


def test_the_catalogue_says_which_counts_may_exceed_their_denominator(tmp_path: Path) -> None:
    # complaints: denominator_kind = "exposure" in the shipped wards.toml; sepsis_screen_1h is
    # a proportion of the children with a sepsis trigger.
    data = tmp_path / "data"
    assert _import(data, "organisations", EXAMPLES / "organisations.csv").exit_code == 0  # type: ignore[attr-defined]
    header, first, *_ = (EXAMPLES / "counts.csv").read_text(encoding="utf-8").splitlines()
    unit = first.split(",")[0]
    rows = {
        "complaints": f"{unit},2024-01-01,month,complaints,40,30,",
        "sepsis_screen_1h": f"{unit},2024-01-01,month,sepsis_screen_1h,40,30,",
    }
    columns = header.split(",")
    assert columns[:6] == [
        "unit_code",
        "period_start",
        "period_type",
        "indicator",
        "numerator",
        "denominator",
    ]
    outcomes = {}
    for indicator, row in rows.items():
        path = tmp_path / f"{indicator}.csv"
        path.write_text("\n".join([",".join(columns[:7]), row]) + "\n", encoding="utf-8")
        outcomes[indicator] = _import(data, "counts", path).exit_code  # type: ignore[attr-defined]
    assert outcomes == {"complaints": 0, "sepsis_screen_1h": 2}
