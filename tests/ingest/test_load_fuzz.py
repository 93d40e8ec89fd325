"""Fuzz: random malformed files never crash the loader; it accepts them or refuses them cleanly.

Random bytes, random CSV cells (quotes, separators, line breaks, unicode, numbers in odd forms),
headers with wrong, missing or repeated columns, and CSV, Excel and Parquet files cut short at a
random point. Every outcome must be an accepted table or an ``ImportRejectedError`` whose problems
each name the file and describe themselves, never another exception.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caresignal.data.load import ValidatedTable, format_problems, validate
from caresignal.data.schema import SCHEMAS
from caresignal.errors import ImportRejectedError

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
TODAY = date(2025, 1, 1)
ORGANISATIONS = pl.read_csv(EXAMPLES / "organisations.csv", infer_schema=False)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "39",
            "3420",
            "1e308",
            "1e999",
            "nan",
            "-inf",
            "true",
            "yes",
            "maybe",
            "white",
            "RZZ01",
            "RZZ01-PAE",
            "B000123",
            "2024-03-07",
            "07/03/2024",
            "03/27/2024",
            "2024-03-07T14:25",
            "07/03/2024 14:25",
            "9999-12-31T23:59:59.999999999",
            "0000-00-00",
            "month",
            "week",
            '"',
            '""',
            '"a,b"',
            "a;b",
            "\n",
            "\r",
            "\x00",
            "é",
            "🙂",
        ]
    ),
    st.text(max_size=12),
)


def outcome(path: Path, table: str) -> ValidatedTable | ImportRejectedError:
    """Validate ``path``; return the table or the clean error (any other exception fails)."""
    try:
        return validate(path, table, today=TODAY, known_organisations=ORGANISATIONS)
    except ImportRejectedError as error:
        refused = error
    assert refused.problems
    assert refused.total >= len(refused.problems)
    for problem in refused.problems:
        assert problem.file == path.name
        assert problem.describe().startswith(path.name)
    json.dumps([problem.to_dict() for problem in refused.problems])
    assert len(format_problems(refused)) >= len(refused.problems)
    return refused


@FUZZ
@given(content=st.binary(max_size=600), table=st.sampled_from(sorted(SCHEMAS)))
def test_random_bytes(tmp_path: Path, content: bytes, table: str) -> None:
    path = tmp_path / "random.csv"
    path.write_bytes(content)
    outcome(path, table)


@FUZZ
@given(
    table=st.sampled_from(sorted(SCHEMAS)),
    extra=st.lists(
        st.one_of(st.text(max_size=8), st.sampled_from(["__row", "run", "check", "value", " "])),
        max_size=3,
    ),
    dropped=st.sets(st.integers(min_value=0, max_value=20), max_size=4),
    repeated=st.integers(min_value=0, max_value=3),
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=12), max_size=6),
    separator=st.sampled_from([",", ";"]),
    bom=st.booleans(),
)
def test_random_csv_cells_and_columns(
    tmp_path: Path,
    table: str,
    extra: list[str],
    dropped: set[int],
    repeated: int,
    rows: list[list[str]],
    separator: str,
    bom: bool,
) -> None:
    names = list(SCHEMAS[table].names)
    kept = [name for position, name in enumerate(names) if position not in dropped]
    header = kept + names[:repeated] + extra
    lines = [separator.join(header), *(separator.join(row) for row in rows)]
    path = tmp_path / f"{table}.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + "\n".join(lines).encode("utf-8"))
    outcome(path, table)


@FUZZ
@given(
    table=st.sampled_from(sorted(SCHEMAS)),
    cells=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 20), CELLS), max_size=8),
)
def test_example_files_with_random_cells(
    tmp_path: Path, table: str, cells: list[tuple[int, int, str]]
) -> None:
    frame = pl.read_csv(EXAMPLES / f"{table}.csv", infer_schema=False)
    for row, column, value in cells:
        name = frame.columns[column % frame.width]
        at = pl.int_range(pl.len()) == row % frame.height
        frame = frame.with_columns(
            pl.when(at).then(pl.lit(value)).otherwise(pl.col(name)).alias(name)
        )
    path = tmp_path / f"{table}.csv"
    frame.write_csv(path)
    result = outcome(path, table)
    if not cells:
        assert isinstance(result, ValidatedTable)


def _example_bytes() -> dict[str, bytes]:
    frame = pl.read_csv(EXAMPLES / "births.csv", infer_schema=False)
    files = {"csv": (EXAMPLES / "births.csv").read_bytes()}
    for kind, write in (("xlsx", frame.write_excel), ("parquet", frame.write_parquet)):
        buffer = io.BytesIO()
        write(buffer)
        files[kind] = buffer.getvalue()
    return files


EXAMPLE_BYTES = _example_bytes()


@FUZZ
@given(kind=st.sampled_from(sorted(EXAMPLE_BYTES)), cut=st.floats(0.0, 1.0))
def test_files_cut_short(tmp_path: Path, kind: str, cut: float) -> None:
    content = EXAMPLE_BYTES[kind]
    path = tmp_path / f"births.{kind}"
    path.write_bytes(content[: int(len(content) * cut)])
    result = outcome(path, "births")
    if kind != "csv" and cut < 1.0:
        assert isinstance(result, ImportRejectedError)
