"""The data directory: batches stored as Parquet, the ledger, corrections and history."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from caresignal.data.dataset import (
    DTYPES,
    Dataset,
    DuplicateRecordsError,
    EmptyBatchError,
    Superseded,
    UnknownRecordsError,
    UnknownTableError,
)
from caresignal.data.schema import SCHEMAS

WHEN = datetime(2025, 3, 4, 10, 15, tzinfo=UTC)
DOCS = Path(__file__).parents[2] / "docs" / "data-directory.md"
COUNTS_KEY = ["unit_code", "period_start", "period_type", "indicator"]


def births(ids: list[str]) -> pl.DataFrame:
    """Births with every column filled in, and the nullable ones sometimes empty."""
    n = len(ids)
    return pl.DataFrame(
        {
            "record_id": ids,
            "site_code": ["RVV01", "RYJ02", "RVV01"] * (n // 3) + ["RVV01"] * (n % 3),
            "birth_datetime": [datetime(2024, 3, 7, 14, 25) + timedelta(hours=i) for i in range(n)],
            "gestation_weeks": [39 - i % 5 for i in range(n)],
            "gestation_days": [i % 7 for i in range(n)],
            "birthweight_g": [3420 - 10 * i for i in range(n)],
            "plurality": [1] * n,
            "mother_age": [31 + i % 9 for i in range(n)],
            "imd_decile": [None if i % 4 == 0 else i % 10 + 1 for i in range(n)],
            "ethnic_group": ["white", "asian", "black", "not_stated"] * (n // 4)
            + ["mixed"] * (n % 4),
            "parity": [i % 3 for i in range(n)],
            "previous_caesarean": [i % 2 == 0 for i in range(n)],
            "labour_onset": ["spontaneous"] * n,
            "birth_mode": ["spontaneous_vaginal"] * n,
            "stillbirth": ["no"] * n,
            "neonatal_death": [i == 1 for i in range(n)],
            "neonatal_death_date": [date(2024, 3, 9) if i == 1 else None for i in range(n)],
            "hie_grade_2_3": [False] * n,
            "haemorrhage_1500ml": [i % 5 == 0 for i in range(n)],
            "tear_3rd_4th": [False] * n,
            "apgar5_below_7": [i == 2 for i in range(n)],
        },
        schema={column.name: DTYPES[column.kind] for column in SCHEMAS["births"].columns},
    )


def counts(
    units: list[str], numerator: float = 7.0, month: date = date(2024, 3, 1)
) -> pl.DataFrame:
    """Counts of two indicators for ``units`` in one month (a composite key)."""
    rows = [(unit, indicator) for unit in units for indicator in ("falls", "sepsis_screen_1h")]
    return pl.DataFrame(
        {
            "unit_code": [unit for unit, _ in rows],
            "period_start": [month] * len(rows),
            "period_type": ["month"] * len(rows),
            "indicator": [indicator for _, indicator in rows],
            "numerator": [numerator + i for i in range(len(rows))],
            "denominator": [None if i % 3 == 0 else 40.0 + i for i in range(len(rows))],
            "expected": [0.5 * i if i % 2 else None for i in range(len(rows))],
        }
    )


def add(dataset: Dataset, table: str, frame: pl.DataFrame, *, correction: bool = False) -> str:
    result = dataset.add(
        table,
        frame,
        sources=[f"{table}.csv"],
        imported_by="ana",
        imported_at=WHEN,
        correction=correction,
    )
    assert result.added
    return result.batch.batch_id


def current(dataset: Dataset, table: str) -> pl.DataFrame:
    return dataset.table(table).collect().sort(list(SCHEMAS[table].key))


def test_a_new_directory_is_created_with_an_empty_ledger(tmp_path: Path) -> None:
    directory = tmp_path / "not" / "yet" / "there"
    dataset = Dataset(directory)
    ledger = json.loads((directory / "ledger.json").read_text(encoding="utf-8"))
    assert ledger == {"format": "caresignal-ledger", "version": 1, "batches": []}
    assert dataset.history() == ()


def test_another_programs_files_in_the_directory_are_left_alone(tmp_path: Path) -> None:
    (tmp_path / "truth.json").write_text("{}", encoding="utf-8")
    dataset = Dataset(tmp_path)
    add(dataset, "counts", counts(["U1"]))
    with dataset.writer():
        pass
    assert (tmp_path / "truth.json").read_text(encoding="utf-8") == "{}"


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_a_table_with_nothing_loaded_reads_empty_with_all_its_columns(
    tmp_path: Path, table: str
) -> None:
    dataset = Dataset(tmp_path)
    frame = dataset.table(table).collect()
    assert frame.height == 0
    assert frame.schema == pl.Schema(
        {column.name: DTYPES[column.kind] for column in SCHEMAS[table].columns}
    )
    assert dataset.keys(table).columns == list(SCHEMAS[table].key)


def test_every_kind_of_column_round_trips_through_parquet(tmp_path: Path) -> None:
    # births has string, integer, boolean, date and datetime columns; counts has floats.
    born, counted = births([f"B{i:04d}" for i in range(12)]), counts(["U1", "U2", "U3"])
    counted = counted.with_columns(pl.Series("numerator", [0.1, 1e300, -0.0, 2.5, 3.0, 1e-9]))
    add(Dataset(tmp_path), "births", born)
    add(Dataset(tmp_path), "counts", counted)
    reopened = Dataset(tmp_path)  # a new object reads only what is on disk
    assert_frame_equal(reopened.table("births").collect(), born)
    assert_frame_equal(reopened.table("counts").collect(), counted)
    stored = pl.read_parquet(tmp_path / reopened.history("births")[0].file)
    assert stored.schema == born.schema


def test_an_optional_column_left_out_is_stored_empty(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    add(dataset, "counts", counts(["U1"]).drop("expected"))
    frame = dataset.table("counts").collect()
    assert frame.columns == list(SCHEMAS["counts"].names)
    assert frame["expected"].dtype == pl.Float64
    assert frame["expected"].null_count() == frame.height


def test_types_that_convert_without_loss_are_converted(tmp_path: Path) -> None:
    born = births(["B1", "B2", "B3"])
    narrow = born.with_columns(
        pl.col("birthweight_g").cast(pl.Int16),
        pl.col("ethnic_group").cast(pl.Categorical),
        pl.col("stillbirth").cast(pl.Enum(["no", "antepartum", "intrapartum"])),
        pl.col("birth_datetime").cast(pl.Datetime("ms")),
    )
    dataset = Dataset(tmp_path)
    add(dataset, "births", narrow)
    assert_frame_equal(dataset.table("births").collect(), born)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (pl.col("birthweight_g").cast(pl.Float64), "birthweight_g"),
        (pl.col("birth_datetime").dt.replace_time_zone("UTC"), "birth_datetime"),
        (pl.lit("x").alias("colour"), "colour"),
    ],
)
def test_a_frame_not_shaped_like_its_table_is_a_programming_error(
    tmp_path: Path, change: pl.Expr, words: str
) -> None:
    dataset = Dataset(tmp_path)
    with pytest.raises(ValueError, match=words):
        add(dataset, "births", births(["B1"]).with_columns(change))
    with pytest.raises(ValueError, match="record_id"):
        add(dataset, "births", births(["B1"]).drop("record_id"))
    assert dataset.history() == ()


def test_the_same_content_again_is_reported_not_loaded(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    add(dataset, "counts", counts(["U1", "U2"]))
    ledger = (tmp_path / "ledger.json").read_bytes()
    files = sorted((tmp_path / "batches").rglob("*"))
    # The same rows, read from another file in another order and with other types, by someone
    # else, later.
    again = counts(["U1", "U2"]).reverse().with_columns(pl.col("indicator").cast(pl.Categorical))
    result = dataset.add(
        "counts",
        again,
        sources=["counts.xlsx"],
        imported_by="ben",
        imported_at=WHEN + timedelta(days=3),
    )
    assert not result.added
    assert result.batch == dataset.history()[0]
    assert result.describe() == (
        "counts: this content is already loaded, as batch 000001 on 2025-03-04 by ana"
    )
    assert (tmp_path / "ledger.json").read_bytes() == ledger
    assert sorted((tmp_path / "batches").rglob("*")) == files


def test_a_batch_of_new_records_may_not_hold_one_already_loaded(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    add(dataset, "births", births(["B1", "B2"]))
    ledger = (tmp_path / "ledger.json").read_bytes()
    with pytest.raises(DuplicateRecordsError, match="record_id B2") as raised:
        add(dataset, "births", births(["B3", "B2"]).with_columns(pl.col("mother_age") + 1))
    assert raised.value.hint is not None
    assert "correction" in raised.value.hint
    assert (tmp_path / "ledger.json").read_bytes() == ledger
    assert current(dataset, "births")["record_id"].to_list() == ["B1", "B2"]


@pytest.mark.parametrize("table", ["births", "counts"])
def test_a_batch_may_not_hold_a_record_twice(tmp_path: Path, table: str) -> None:
    frame = births(["B1", "B2", "B1"]) if table == "births" else counts(["U1", "U2", "U1"])
    dataset = Dataset(tmp_path)
    with pytest.raises(DuplicateRecordsError, match="more than once") as raised:
        add(dataset, table, frame)
    assert ("record_id B1" if table == "births" else "unit_code U1") in raised.value.message
    assert dataset.history() == ()


def test_a_correction_replaces_records_with_the_same_composite_key(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    march, april = date(2024, 3, 1), date(2024, 4, 1)
    first = add(dataset, "counts", counts(["U1", "U2"], month=march))
    second = add(dataset, "counts", counts(["U1", "U2"], month=april))
    # U2's March counts and U1's April counts are corrected; the rest stay as loaded.
    fixed = pl.concat(
        [counts(["U2"], numerator=90.0, month=march), counts(["U1"], numerator=80.0, month=april)]
    )
    result = dataset.add(
        "counts",
        fixed,
        sources=["fix.csv"],
        imported_by="cy",
        imported_at=WHEN,
        correction=True,
    )
    assert result.describe() == (
        "counts: loaded 4 records as batch 000003, replacing 4 records loaded before"
    )
    assert result.batch.supersedes == (Superseded(first, 2), Superseded(second, 2))
    loaded = current(dataset, "counts")
    assert loaded.height == 8
    by_key = {(row[0], row[1], row[3]): row[4] for row in loaded.iter_rows()}
    assert by_key["U2", march, "falls"] == 90.0
    assert by_key["U1", april, "sepsis_screen_1h"] == 81.0
    assert by_key["U1", march, "falls"] == 7.0  # not corrected
    # The superseded rows are still in their batch's file.
    first_file = pl.read_parquet(tmp_path / dataset.history()[0].file)
    assert first_file.filter(pl.col("unit_code") == "U2")["numerator"].to_list() == [9.0, 10.0]


def test_the_latest_correction_wins(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    add(dataset, "births", births(["B1", "B2", "B3"]))
    heavier = births(["B1", "B2", "B3"]).with_columns(pl.col("birthweight_g") + 100)
    add(dataset, "births", heavier.filter(pl.col("record_id") != "B3"), correction=True)
    lighter = births(["B1", "B2", "B3"]).with_columns(pl.col("birthweight_g") - 100)
    result = dataset.add(
        "births",
        lighter.filter(pl.col("record_id") == "B2"),
        sources=["b2.csv"],
        imported_by="di",
        imported_at=WHEN,
        correction=True,
    )
    assert result.batch.supersedes == (Superseded("000002", 1),)
    assert current(dataset, "births")["birthweight_g"].to_list() == [3520, 3310, 3400]
    assert [entry.rows for entry in dataset.history()] == [3, 2, 1]


def test_a_correction_must_name_records_already_loaded(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    with pytest.raises(UnknownRecordsError, match="record_id B1"):
        add(dataset, "births", births(["B1"]), correction=True)
    add(dataset, "births", births(["B1"]))
    with pytest.raises(UnknownRecordsError, match=r"not loaded: record_id B9$"):
        add(dataset, "births", births(["B1", "B9"]), correction=True)
    assert len(dataset.history()) == 1


def test_the_history_says_what_was_loaded_when_and_by_whom(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    summer = timezone(timedelta(hours=1))
    dataset.add(
        "counts",
        counts(["U1"]),
        sources=["a.csv", "b.csv"],
        imported_by="ana",
        imported_at=datetime(2025, 6, 2, 9, 0, tzinfo=summer),
    )
    add(dataset, "births", births(["B1"]))
    add(dataset, "counts", counts(["U1"], numerator=3.0), correction=True)
    history = Dataset(tmp_path).history()
    assert [(entry.batch_id, entry.table, entry.correction) for entry in history] == [
        ("000001", "counts", False),
        ("000002", "births", False),
        ("000003", "counts", True),
    ]
    first = history[0]
    assert first.sources == ("a.csv", "b.csv")
    assert first.imported_by == "ana"
    assert first.imported_at == datetime(2025, 6, 2, 9, 0, tzinfo=summer)
    assert first.rows == 2
    assert first.file == "batches/counts/000001.parquet"
    assert first.columns == SCHEMAS["counts"].names
    assert first.content_hash.startswith("sha256:")
    assert history[2].supersedes == (Superseded("000001", 2),)
    assert Dataset(tmp_path).history("counts") == (history[0], history[2])
    assert Dataset(tmp_path).snapshot().batch("000002") == history[1]


def test_a_snapshot_keeps_reading_the_state_it_was_taken_in(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    add(dataset, "counts", counts(["U1"]))
    before = dataset.snapshot()
    add(dataset, "counts", counts(["U1"], numerator=1.0), correction=True)
    add(dataset, "counts", counts(["U2"]))
    assert before.table("counts").collect()["numerator"].to_list() == [7.0, 8.0]
    assert dataset.table("counts").collect().height == 4


def test_an_empty_batch_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EmptyBatchError, match="no rows"):
        add(Dataset(tmp_path), "counts", counts([]))


def test_an_unknown_table_is_named_with_the_choices(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    with pytest.raises(UnknownTableError) as raised:
        dataset.table("birth")
    assert "'birth'" in raised.value.message
    assert raised.value.hint is not None
    assert "births" in raised.value.hint
    with pytest.raises(UnknownTableError):
        add(dataset, "birth", births(["B1"]))


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"imported_by": " "}, "imported_by"),
        ({"imported_at": datetime(2025, 3, 4, 10, 15)}, "timezone-aware"),
        ({"sources": "counts.csv"}, "sources"),
    ],
)
def test_who_when_and_where_from_are_checked(
    tmp_path: Path, arguments: dict[str, object], words: str
) -> None:
    given: dict[str, object] = {
        "sources": ["counts.csv"],
        "imported_by": "ana",
        "imported_at": WHEN,
        **arguments,
    }
    with pytest.raises((ValueError, TypeError), match=words):
        Dataset(tmp_path).add("counts", counts(["U1"]), **given)  # type: ignore[arg-type]


def test_the_ledger_holds_each_entry_as_to_dict_gives_it(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    add(dataset, "counts", counts(["U1"]))
    add(dataset, "counts", counts(["U1"], numerator=2.0), correction=True)
    ledger = json.loads((tmp_path / "ledger.json").read_text(encoding="utf-8"))
    assert ledger["batches"] == [entry.to_dict() for entry in dataset.history()]
    assert ledger["batches"][1]["supersedes"] == [{"batch_id": "000001", "records": 2}]


def test_every_ledger_field_is_documented(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    add(dataset, "counts", counts(["U1"]))
    text = DOCS.read_text(encoding="utf-8")
    ledger = json.loads((tmp_path / "ledger.json").read_text(encoding="utf-8"))
    for field in [*ledger, *ledger["batches"][0]]:
        assert f"| `{field}`" in text or f", `{field}`" in text, field


def test_a_batch_stored_before_a_column_existed_reads_it_as_empty(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    add(dataset, "counts", counts(["U1"]))
    # As if batch 000001 had been loaded by a version whose counts had no `expected` column.
    path = tmp_path / "batches/counts/000001.parquet"
    pl.read_parquet(path).drop("expected").write_parquet(path)
    ledger = json.loads((tmp_path / "ledger.json").read_text(encoding="utf-8"))
    ledger["batches"][0]["columns"].remove("expected")
    (tmp_path / "ledger.json").write_text(json.dumps(ledger), encoding="utf-8")
    frame = Dataset(tmp_path).table("counts").collect()
    assert frame.columns == list(SCHEMAS["counts"].names)
    assert frame["expected"].null_count() == 2
    assert frame["numerator"].to_list() == [7.0, 8.0]
