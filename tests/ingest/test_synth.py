"""The synthetic dataset: deterministic, every table exactly as its schema declares, readable back.

The conformance checker below is written from the declarations in ``caresignal.data.schema`` (and
its rules in words), independently of the loader, and is itself tested on broken tables.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from caresignal.data import synth
from caresignal.data.schema import DTYPES, SCHEMAS, TableSchema
from caresignal.errors import CaresignalError

_PROPORTIONS = ("sepsis_screen_1h", "antibiotics_1h", "cleanliness_score", "ed_4h")
END = synth.END_DATE


@pytest.fixture(scope="module")
def small() -> synth.SyntheticDataset:
    return synth.generate("small", seed=1)


def _column_problems(spec: TableSchema, frame: pl.DataFrame) -> list[str]:
    problems = []
    for column in spec.columns:
        values = frame.get_column(column.name)
        if values.dtype != DTYPES[column.kind]:
            problems.append(f"{column.name}: type {values.dtype}, not {column.kind}")
            continue
        if not column.nullable and values.null_count():
            problems.append(f"{column.name}: {values.null_count()} empty values")
        if column.allowed is not None and not values.drop_nulls().is_in(column.allowed).all():
            problems.append(f"{column.name}: values outside {column.allowed}")
        if column.minimum is not None and (values.min() or 0) < column.minimum:  # type: ignore[operator]
            problems.append(f"{column.name}: below {column.minimum}")
        if column.maximum is not None and (values.max() or 0) > column.maximum:  # type: ignore[operator]
            problems.append(f"{column.name}: above {column.maximum}")
    return problems


def _organisation_problems(
    spec: TableSchema, frame: pl.DataFrame, organisations: pl.DataFrame
) -> list[str]:
    if spec.organisation_column is None:
        return []
    level = "site" if spec.name == "births" else None
    known = organisations if level is None else organisations.filter(pl.col("level") == level)
    if spec.name in ("counts", "staffing", "admissions", "concerns"):
        known = organisations.filter(pl.col("level") == "unit")
    codes = frame.get_column(spec.organisation_column)
    unknown = codes.filter(~codes.is_in(known.get_column("code").implode()))
    return [f"{spec.organisation_column}: unknown codes {unknown.unique().to_list()[:5]}"] * (
        unknown.len() > 0
    )


def schema_problems(name: str, frame: pl.DataFrame, organisations: pl.DataFrame) -> list[str]:
    """Everything about ``frame`` that breaks the declarations of the schema ``name``."""
    spec = SCHEMAS[name]
    if tuple(frame.columns) != spec.names:
        return [f"columns {frame.columns}, not {list(spec.names)}"]
    problems = _column_problems(spec, frame)
    if frame.select(spec.key).is_duplicated().any():
        problems.append(f"key {spec.key} repeated")
    return problems + _organisation_problems(spec, frame, organisations)


def _organisation_rules(frame: pl.DataFrame) -> dict[str, pl.Expr]:
    parent_level = pl.col("parent_code").replace_strict(
        frame.get_column("code"), frame.get_column("level"), default=None
    )
    wanted = pl.col("level").replace_strict(["site", "unit"], ["trust", "site"], default=None)
    return {
        "trust with a parent": (pl.col("level") == "trust") & pl.col("parent_code").is_not_null(),
        "wrong parent level": (pl.col("level") != "trust") & (parent_level != wanted),
        "unknown parent": pl.col("parent_code").is_not_null() & parent_level.is_null(),
        "unit type": (pl.col("level") == "unit") != pl.col("unit_type").is_not_null(),
    }


def _birth_rules(_: pl.DataFrame) -> dict[str, pl.Expr]:
    stillborn = pl.col("stillbirth") != "no"
    days = (pl.col("neonatal_death_date") - pl.col("birth_datetime").dt.date()).dt.total_days()
    return {
        "stillbirth and neonatal death": stillborn & pl.col("neonatal_death"),
        "death date iff neonatal death": pl.col("neonatal_death")
        != pl.col("neonatal_death_date").is_not_null(),
        "death date within 28 days": (days < 0) | (days > 27),
        "stillborn with Apgar": stillborn & pl.col("apgar5_below_7"),
        "caesarean with tear": pl.col("birth_mode").str.ends_with("caesarean")
        & pl.col("tear_3rd_4th"),
        "planned caesarean in labour": (pl.col("birth_mode") == "planned_caesarean")
        & (pl.col("labour_onset") != "no_labour"),
        "in the future": (pl.col("birth_datetime").dt.date() > END)
        | (pl.col("neonatal_death_date") > END),
        "stillbirth before 24 weeks": stillborn & (pl.col("gestation_weeks") < 24),
        "intrapartum without labour": (pl.col("stillbirth") == "intrapartum")
        & (pl.col("labour_onset") == "no_labour"),
        "HIE not in a term live birth": pl.col("hie_grade_2_3")
        & (stillborn | (pl.col("gestation_weeks") < 37)),
    }


def _admission_rules(_: pl.DataFrame) -> dict[str, pl.Expr]:
    return {
        "discharge before admission": pl.col("discharge_date") < pl.col("admission_date"),
        "in the future": pl.max_horizontal("admission_date", "discharge_date") > END,
    }


def _count_rules(_: pl.DataFrame) -> dict[str, pl.Expr]:
    month, week = pl.col("period_type") == "month", pl.col("period_type") == "week"
    return {
        "period start": month & (pl.col("period_start").dt.day() != 1)
        | week & (pl.col("period_start").dt.weekday() != 1),
        "numerator above denominator": pl.col("indicator").is_in(_PROPORTIONS)
        & (pl.col("numerator") > pl.col("denominator")),
        "in the future": pl.col("period_start") > END,
    }


def _staffing_rules(_: pl.DataFrame) -> dict[str, pl.Expr]:
    return {
        "actual without planned": (pl.col("actual_hours") > 0) & (pl.col("planned_hours") <= 0),
        "month start": pl.col("month").dt.day() != 1,
        "in the future": pl.col("month") > END,
    }


def _recommendation_rules(_: pl.DataFrame) -> dict[str, pl.Expr]:
    return {
        "due before made": pl.col("due_date") < pl.col("date"),
        "in the future": pl.col("date") > END,
    }


def _concern_rules(_: pl.DataFrame) -> dict[str, pl.Expr]:
    received = pl.col("received_date")
    latest = pl.max_horizontal(received, "acknowledged_date", "answered_date")
    return {
        "acknowledged before received": pl.col("acknowledged_date") < received,
        "answered before received": pl.col("answered_date") < received,
        "in the future": latest.fill_null(received) > END,
    }


def _encounter_rules(_: pl.DataFrame) -> dict[str, pl.Expr]:
    return {
        "discharge before admission": pl.col("discharge_datetime") < pl.col("admission_datetime"),
        "in the future": pl.max_horizontal("admission_datetime", "discharge_datetime").dt.date()
        > END,
    }


def _observation_rules(frame: pl.DataFrame) -> dict[str, pl.Expr]:
    values = [name for name in frame.columns if name not in ("encounter_id", "spo2_scale")][1:]
    return {
        "no values": pl.all_horizontal(pl.col(name).is_null() for name in values),
        "in the future": pl.col("observation_datetime").dt.date() > END,
    }


def _response_rules(_: pl.DataFrame) -> dict[str, pl.Expr]:
    return {"in the future": pl.col("response_datetime").dt.date() > END}


#: Each table's rules, as expressions true on the rows that break them (the ward-care tables'
#: rules across tables, within the stay, are checked in test_synth_observations.py).
RULES = {
    "organisations": _organisation_rules,
    "births": _birth_rules,
    "admissions": _admission_rules,
    "counts": _count_rules,
    "staffing": _staffing_rules,
    "recommendations": _recommendation_rules,
    "concerns": _concern_rules,
    "encounters": _encounter_rules,
    "observations": _observation_rules,
    "responses": _response_rules,
}


def rule_problems(name: str, frame: pl.DataFrame) -> list[str]:
    """The rules of table ``name`` that some row of ``frame`` breaks, with how many rows."""
    rules = RULES[name](frame)
    counts = frame.select(
        **{rule: broken.fill_null(False).sum() for rule, broken in rules.items()}
    ).row(0, named=True)
    return [f"{rule}: {count} rows" for rule, count in counts.items() if count]


@pytest.mark.parametrize("name", synth.TABLES)
def test_each_table_conforms_to_its_schema(small: synth.SyntheticDataset, name: str) -> None:
    organisations = small.tables["organisations"]
    frame = small.tables[name]
    assert frame.height > 0
    assert schema_problems(name, frame, organisations) == []


@pytest.mark.parametrize("name", synth.TABLES)
def test_each_table_keeps_its_rules(small: synth.SyntheticDataset, name: str) -> None:
    assert rule_problems(name, small.tables[name]) == []


def test_the_checker_finds_broken_tables(small: synth.SyntheticDataset) -> None:
    organisations = small.tables["organisations"]
    births = small.tables["births"].head(50)
    broken = births.with_columns(
        site_code=pl.lit("ZZZ99"),
        ethnic_group=pl.lit("purple"),
        gestation_weeks=pl.lit(50, dtype=pl.Int64),
        record_id=pl.lit("B1"),
    )
    found = " | ".join(schema_problems("births", broken, organisations))
    for expected in ("ethnic_group: values", "gestation_weeks: above", "key", "unknown codes"):
        assert expected in found
    typed = births.with_columns(pl.col("plurality").cast(pl.Float64), pl.lit(None).alias("parity"))
    assert len(schema_problems("births", typed, organisations)) == 2
    assert schema_problems("births", births.drop("parity"), organisations)
    bad = births.with_columns(
        stillbirth=pl.lit("antepartum"),
        neonatal_death=pl.lit(True),
        birth_mode=pl.lit("planned_caesarean"),
        tear_3rd_4th=pl.lit(True),
    )
    found = " | ".join(rule_problems("births", bad))
    for expected in ("stillbirth and neonatal death", "caesarean with tear", "death date iff"):
        assert expected in found
    late = small.tables["staffing"].with_columns(month=pl.lit(date(2026, 2, 2)))
    assert rule_problems("staffing", late) == ["month start: 1728 rows", "in the future: 1728 rows"]


def test_the_same_seed_gives_the_same_dataset(small: synth.SyntheticDataset) -> None:
    again = synth.generate("small", seed=1)
    for name, frame in small.tables.items():
        assert frame.equals(again.tables[name]), name
    assert again.truth == small.truth


def test_another_seed_gives_another_dataset(small: synth.SyntheticDataset) -> None:
    other = synth.generate("small", seed=2)
    for name, frame in small.tables.items():
        assert not frame.equals(other.tables[name]), name
    assert other.truth["sites"] != small.truth["sites"]


def test_tables_one_at_a_time_are_the_same_tables(small: synth.SyntheticDataset) -> None:
    pairs = list(synth.iter_tables("small", 1, tables=("counts", "organisations")))
    assert [name for name, _ in pairs] == ["counts", "organisations"]
    for name, frame in pairs:
        assert frame.equals(small.tables[name])
    assert synth.generate_truth("small", 1) == small.truth


def test_the_organisations_are_fictional_and_nested(small: synth.SyntheticDataset) -> None:
    orgs = small.tables["organisations"]
    by_level = {level: orgs.filter(pl.col("level") == level) for level in ("trust", "site", "unit")}
    assert by_level["trust"].height == 3
    assert by_level["site"].height == 6
    assert all(re.fullmatch(r"Z[A-Z]{2}", code) for code in by_level["trust"]["code"])
    assert all(re.fullmatch(r"Z[A-Z]{2}\d\d", code) for code in by_level["site"]["code"])
    units = by_level["unit"]
    maternity = units.filter(pl.col("unit_type") == "maternity")
    assert sorted(maternity["parent_code"]) == sorted(by_level["site"]["code"])
    assert (maternity["code"] == maternity["parent_code"] + "-MAT").all()
    assert set(units["unit_type"]) >= {"maternity", "paediatric_ward", "adult_ward"}
    assert set(small.tables["births"]["site_code"]) == set(by_level["site"]["code"])


def test_the_data_span_three_years_to_the_fixed_end(small: synth.SyntheticDataset) -> None:
    assert date(2025, 12, 31) == synth.END_DATE
    births = small.tables["births"]["birth_datetime"].dt.date()
    assert births.min() == date(2023, 1, 1)
    assert date(2025, 12, 30) <= births.max() <= synth.END_DATE  # type: ignore[operator]
    months = small.tables["counts"]["period_start"].unique().sort()
    assert months.len() == 36
    assert months[0] == date(2023, 1, 1)
    assert months[-1] == date(2025, 12, 1)


def test_the_national_plan_has_the_size_of_england() -> None:
    truth = synth.generate_truth("national", seed=1)
    sites = truth["sites"].values()
    births = [site["births_per_year"] for site in sites]
    assert 180 <= len(births) <= 200
    assert len({site["trust_code"] for site in sites}) == 130
    assert 600_000 <= sum(births) <= 680_000
    assert min(births) >= 1_000
    assert max(births) <= 8_000
    assert sum(b >= 6_000 for b in births) >= 3
    wards = truth["wards"]
    assert 60 <= len(wards["paediatric_ward"]) < 130
    assert 70 <= len(wards["emergency_department"]) < 130


def test_truth_round_trips_through_json(small: synth.SyntheticDataset) -> None:
    text = json.dumps(small.truth, allow_nan=False)
    assert json.loads(text) == small.truth


def _read_csv(path: Path, spec: TableSchema) -> pl.DataFrame:
    text = pl.read_csv(path, infer_schema=False)
    casts = []
    for column in spec.columns:
        value = pl.col(column.name).replace("", None)
        if column.kind == "datetime":
            casts.append(value.str.to_datetime("%Y-%m-%dT%H:%M", time_unit="us"))
        elif column.kind == "date":
            casts.append(value.str.to_date("%Y-%m-%d"))
        elif column.kind == "boolean":
            casts.append(value.replace_strict({"true": True, "false": False}, default=None))
        else:
            casts.append(value.cast(DTYPES[column.kind]))
    return text.select(casts)


def test_raw_csv_files_read_back_as_the_tables(
    small: synth.SyntheticDataset, tmp_path: Path
) -> None:
    paths = synth.write_raw(small, tmp_path / "raw")
    assert [path.name for path in paths] == [*(f"{n}.csv" for n in synth.TABLES), "truth.json"]
    for name, frame in small.tables.items():
        assert _read_csv(tmp_path / "raw" / f"{name}.csv", SCHEMAS[name]).equals(frame), name
    assert json.loads((tmp_path / "raw" / "truth.json").read_text("utf-8")) == small.truth
    lines = (tmp_path / "raw" / "births.csv").read_text("utf-8").splitlines()
    assert lines[0] == ",".join(SCHEMAS["births"].names)
    assert re.match(r"B00000000,Z[A-Z]{2}\d\d,2023-01-01T\d\d:\d\d,\d+,\d,", lines[1])
    assert re.search(r",(true|false),(true|false),(true|false),(true|false)$", lines[1])
    assert ",," in lines[1]  # an empty neonatal death date


def test_raw_parquet_files_read_back_as_the_tables(
    small: synth.SyntheticDataset, tmp_path: Path
) -> None:
    synth.write_raw(small, tmp_path, format="parquet")
    for name, frame in small.tables.items():
        assert pl.read_parquet(tmp_path / f"{name}.parquet").equals(frame), name


def test_raw_files_are_never_overwritten_unasked(
    small: synth.SyntheticDataset, tmp_path: Path
) -> None:
    (tmp_path / "births.csv").write_text("mine", encoding="utf-8")
    with pytest.raises(synth.SynthError, match=r"births\.csv already exists"):
        synth.write_raw(small, tmp_path)
    assert (tmp_path / "births.csv").read_text("utf-8") == "mine"
    assert not (tmp_path / "truth.json").exists()
    synth.write_raw(small, tmp_path, overwrite=True)
    assert (tmp_path / "births.csv").read_text("utf-8").startswith("record_id,")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: synth.generate("tiny", 1), "no synthetic scale called 'tiny'"),  # type: ignore[arg-type]
        (lambda: synth.generate("small", -1), "seed must be a whole number"),
        (lambda: synth.generate("small", True), "seed must be a whole number"),
        (lambda: synth.generate("small", 1.5), "seed must be a whole number"),  # type: ignore[arg-type]
        (lambda: list(synth.iter_tables("small", 1, tables=["beds"])), "no table called 'beds'"),
    ],
)
def test_bad_arguments_are_refused_with_a_hint(call: object, message: str) -> None:
    with pytest.raises(synth.SynthError, match=message) as caught:
        call()  # type: ignore[operator]
    assert isinstance(caught.value, CaresignalError)
    assert caught.value.hint


def test_an_unknown_file_format_is_refused(small: synth.SyntheticDataset, tmp_path: Path) -> None:
    with pytest.raises(synth.SynthError, match="cannot write 'xlsx' files"):
        synth.write_raw(small, tmp_path, format="xlsx")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
