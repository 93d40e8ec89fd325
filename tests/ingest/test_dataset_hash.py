"""The content hash: the documented serialisation, worked out here row by row in plain Python.

The reference below follows the docstring of ``caresignal.data._dataset_content.content_hash``
(and docs/data-directory.md) with ``struct`` and ``sorted``, sharing no code with the
implementation, which works column by column with numpy and polars.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import struct
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caresignal.data._dataset_content import conform, content_hash, key_order
from caresignal.data.dataset import DTYPES
from caresignal.data.schema import SCHEMAS, TableSchema

COUNTS, BIRTHS = SCHEMAS["counts"], SCHEMAS["births"]
EPOCH = datetime(1970, 1, 1)


def _value_bytes(kind: str, value: Any) -> bytes:
    if kind == "float":
        number = 0.0 if value is None else value + 0.0
        return struct.pack("<d", math.nan if math.isnan(number) else number)
    if kind == "boolean":
        return bytes([1 if value else 0])
    if kind == "integer":
        return struct.pack("<q", value or 0)
    if kind == "date":
        return struct.pack("<i", 0 if value is None else (value - EPOCH.date()).days)
    return struct.pack("<q", 0 if value is None else (value - EPOCH) // timedelta(microseconds=1))


def reference_hash(table: TableSchema, rows: list[dict[str, Any]]) -> str:
    ordered = sorted(rows, key=lambda row: tuple(row[name] for name in table.key))
    digest = hashlib.sha256(f"caresignal-content-v1\n{table.name}\n{len(rows)}\n".encode())
    for column in table.columns:
        values = [row.get(column.name) for row in ordered]
        digest.update(f"{column.name}:{column.kind}\n".encode())
        present = bytearray((len(values) + 7) // 8)
        for position, value in enumerate(values):
            if value is not None:
                present[position // 8] |= 0x80 >> (position % 8)
        digest.update(bytes(present))
        if column.kind == "string":
            encoded = [(value or "").encode("utf-8") for value in values]
            digest.update(b"".join(struct.pack("<q", len(text)) for text in encoded))
            digest.update(b"".join(encoded))
        else:
            digest.update(b"".join(_value_bytes(column.kind, value) for value in values))
    return f"sha256:{digest.hexdigest()}"


def hash_of(table: TableSchema, frame: pl.DataFrame) -> str:
    batch = conform(table, frame)
    return content_hash(table, batch, key_order(table, batch))


def frame_of(table: TableSchema, rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {column.name: DTYPES[column.kind] for column in table.columns}
    return pl.DataFrame(rows, schema=schema)


BIRTH = {
    "record_id": "B2",
    "site_code": "RVV01",
    "birth_datetime": datetime(2024, 3, 7, 14, 25, 0, 123456),
    "gestation_weeks": 39,
    "gestation_days": 3,
    "birthweight_g": 3420,
    "plurality": 1,
    "mother_age": 31,
    "imd_decile": None,
    "ethnic_group": "white",
    "parity": 1,
    "previous_caesarean": False,
    "labour_onset": "spontaneous",
    "birth_mode": "spontaneous_vaginal",
    "stillbirth": "no",
    "neonatal_death": True,
    "neonatal_death_date": date(2024, 3, 9),
    "hie_grade_2_3": False,
    "haemorrhage_1500ml": True,
    "tear_3rd_4th": False,
    "apgar5_below_7": False,
}
BIRTHS_ROWS = [
    BIRTH,
    {**BIRTH, "record_id": "B10", "site_code": "Ysgol Gŵyr", "imd_decile": 4},
    {**BIRTH, "record_id": "A7", "neonatal_death": False, "neonatal_death_date": None},
]


def test_the_hash_of_births_follows_the_documented_serialisation() -> None:
    assert hash_of(BIRTHS, frame_of(BIRTHS, BIRTHS_ROWS)) == reference_hash(BIRTHS, BIRTHS_ROWS)


count_rows = st.lists(
    st.fixed_dictionaries(
        {
            "unit_code": st.sampled_from(["U1", "U2", "Ü3", ""]),
            "period_start": st.dates(date(2000, 1, 1), date(2030, 12, 31)),
            "period_type": st.sampled_from(["month", "week"]),
            "indicator": st.sampled_from(["falls", "sepsis_screen_1h"]),
            "numerator": st.floats(allow_nan=False, allow_infinity=False),
            "denominator": st.none() | st.floats(allow_nan=False),
            "expected": st.none() | st.floats(min_value=0, max_value=1e6),
        }
    ),
    min_size=1,
    max_size=30,
    unique_by=lambda row: (
        row["unit_code"],
        row["period_start"],
        row["period_type"],
        row["indicator"],
    ),
)


@settings(max_examples=40, deadline=None)
@given(rows=count_rows, seed=st.integers(0, 2**32 - 1))
def test_the_hash_of_counts_follows_the_documented_serialisation_in_any_row_order(
    rows: list[dict[str, Any]], seed: int
) -> None:
    reference = reference_hash(COUNTS, rows)
    frame = frame_of(COUNTS, rows)
    assert hash_of(COUNTS, frame) == reference
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    chunked = pl.concat([shuffled.head(len(rows) // 2), shuffled.tail(len(rows) - len(rows) // 2)])
    assert hash_of(COUNTS, chunked) == reference


def test_any_changed_value_changes_the_hash() -> None:
    frame = frame_of(BIRTHS, BIRTHS_ROWS)
    original = hash_of(BIRTHS, frame)
    changes = [
        pl.col("record_id").str.replace("B10", "B11"),
        pl.col("site_code").str.replace("RVV01", "RVV02"),
        pl.col("birth_datetime") + timedelta(microseconds=1),
        pl.col("birthweight_g") + 1,
        pl.col("imd_decile").fill_null(0),  # empty is not zero
        pl.col("previous_caesarean").not_(),
        pl.col("neonatal_death_date").fill_null(date(1970, 1, 1)),  # empty is not day 0
        pl.col("site_code").str.slice(0, 2),  # moves bytes between values: lengths tell
    ]
    hashes = {hash_of(BIRTHS, frame.with_columns(change)) for change in changes}
    assert original not in hashes
    assert len(hashes) == len(changes)


def test_an_empty_string_is_not_an_empty_value() -> None:
    rows = [{"record_id": "C1", "received_date": date(2024, 1, 2), "unit_code": "U1"}]
    table = SCHEMAS["concerns"]
    full = {"channel": "pals", "text": "", "category": None}
    with_empty = frame_of(table, [{**rows[0], **full, "acknowledged_date": None}])
    with_blank = with_empty.with_columns(pl.col("category").fill_null(""))
    assert hash_of(table, with_empty) != hash_of(table, with_blank)


def test_negative_zero_and_every_nan_hash_as_zero_and_one_nan() -> None:
    rows = [{"unit_code": "U1", "period_start": date(2024, 3, 1), "period_type": "month"}]
    base = frame_of(COUNTS, [{**rows[0], "indicator": "falls", "numerator": 0.0}])
    negative = base.with_columns(pl.lit(-0.0).alias("numerator"))
    assert hash_of(COUNTS, base) == hash_of(COUNTS, negative)
    quiet, other = struct.unpack("<d", struct.pack("<Q", 0x7FF8000000000001))[0], math.nan
    one = base.with_columns(pl.lit(quiet).alias("numerator"))
    two = base.with_columns(pl.lit(other).alias("numerator"))
    assert hash_of(COUNTS, one) == hash_of(COUNTS, two) != hash_of(COUNTS, base)


def test_a_left_out_optional_column_hashes_as_an_empty_one() -> None:
    frame = frame_of(COUNTS, [{"unit_code": "U1", "period_start": date(2024, 3, 1)}])
    assert frame["expected"].null_count() == 1
    assert hash_of(COUNTS, frame.drop("expected")) == hash_of(COUNTS, frame)


def test_the_table_is_part_of_the_content() -> None:
    staffing = SCHEMAS["staffing"]
    row = {"unit_code": "U1", "month": date(2024, 3, 1), "shift": "day"}
    row |= {"staff_group": "midwife", "planned_hours": 1.0, "actual_hours": 1.0}
    assert hash_of(staffing, frame_of(staffing, [row])) == reference_hash(staffing, [row])
    renamed = dataclasses.replace(staffing, name="rota")
    assert reference_hash(renamed, [row]) != reference_hash(staffing, [row])


@pytest.mark.parametrize("ids", [["B1", "B2", "B3"], ["B3", "B1", "B2"]])
def test_rows_are_put_in_key_order_only_when_they_are_not_in_it(ids: list[str]) -> None:
    frame = conform(BIRTHS, frame_of(BIRTHS, [{**BIRTH, "record_id": i} for i in ids]))
    order = key_order(BIRTHS, frame)
    if ids == sorted(ids):
        assert order is None
    else:
        assert order is not None
        assert frame["record_id"].gather(order).to_list() == sorted(ids)
