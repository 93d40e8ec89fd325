"""Reading files: CSV (BOM, semicolons, quotes, blank rows), Excel, Parquet, and files that cannot
be read at all, each refused with one clear problem naming the file."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from caresignal.data.load import Problem, ValidatedTable, read_table, validate
from caresignal.errors import ImportRejectedError

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
TODAY = date(2025, 1, 1)
ORGANISATIONS = pl.read_csv(EXAMPLES / "organisations.csv", infer_schema=False)
BIRTHS_CSV = (EXAMPLES / "births.csv").read_text(encoding="utf-8")
CSV_EXPECTED = "a CSV file in UTF-8 (in Excel: Save As → 'CSV UTF-8'), a .xlsx workbook or Parquet"


def load(path: Path, table: str = "births") -> ValidatedTable:
    return validate(path, table, today=TODAY, known_organisations=ORGANISATIONS)


def rejected(path: Path, table: str = "births") -> ImportRejectedError:
    with pytest.raises(ImportRejectedError) as caught:
        load(path, table)
    return caught.value


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def expected_births() -> pl.DataFrame:
    return load(EXAMPLES / "births.csv").frame


def unreadable(path: Path, why: str, expected: str = CSV_EXPECTED) -> None:
    error = rejected(path)
    assert error.problems == (Problem(path.name, "unreadable", expected, value=why),)
    assert error.message == f"{path.name} was not imported: the file cannot be read: {why}; " + (
        f"expected {expected}"
    )


def test_csv_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = write(tmp_path, "births.csv", "\ufeff" + BIRTHS_CSV)
    assert load(path).frame.equals(expected_births())


def test_csv_separated_by_semicolons_with_windows_line_ends(tmp_path: Path) -> None:
    text = BIRTHS_CSV.replace(",", ";").replace("\n", "\r\n")
    assert load(write(tmp_path, "births.csv", text)).frame.equals(expected_births())


def test_quoted_fields_may_hold_commas_semicolons_and_line_breaks(tmp_path: Path) -> None:
    text = (
        "record_id,received_date,unit_code,channel,text,category,acknowledged_date,answered_date\n"
        'C-1,2023-01-02,RZZ01-PAE,complaint,"Late; and, worse:\nnobody came",,,\n'
        "C-2,2023-01-03,RZZ01-PAE,letter,Thank you,,,2022-12-01\n"
    )
    error = rejected(write(tmp_path, "concerns.csv", text), "concerns")
    # The second record starts on line 4 of the file, but a spreadsheet shows it as row 3.
    assert [(p.row, p.check) for p in error.problems] == [(3, "answered_before_received")]
    concerns = load(write(tmp_path, "ok.csv", text.replace("2022-12-01", "")), "concerns").frame
    assert concerns["text"][0] == "Late; and, worse:\nnobody came"


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(tmp_path: Path) -> None:
    lines = BIRTHS_CSV.splitlines()
    blank = "," * 20
    text = "\n".join([lines[0], lines[1], "", lines[2], blank, lines[3].replace(",38,", ",50,")])
    error = rejected(write(tmp_path, "births.csv", text + "\n\n"))
    assert [(p.row, p.column, p.value) for p in error.problems] == [(6, "gestation_weeks", "50")]
    table = load(write(tmp_path, "ok.csv", text.replace(",50,", ",38,") + "\n\n"))
    assert (table.rows, table.blank_rows) == (3, 3)


def test_an_unnamed_empty_column_is_ignored_but_one_with_values_is_refused(tmp_path: Path) -> None:
    lines = BIRTHS_CSV.splitlines()
    trailing = "\n".join(line + "," for line in lines)
    assert load(write(tmp_path, "births.csv", trailing)).rows == 7
    filled = "\n".join([lines[0] + ",", *(line + ",x" for line in lines[1:])])
    error = rejected(write(tmp_path, "filled.csv", filled))
    assert error.problems == (
        Problem("filled.csv", "unnamed_column", "every column to have a name"),
    )


def test_a_column_named_twice_is_refused(tmp_path: Path) -> None:
    lines = BIRTHS_CSV.splitlines()
    text = "\n".join([lines[0] + ",parity", *(line + ",1" for line in lines[1:])])
    error = rejected(write(tmp_path, "births.csv", text))
    assert error.problems == (
        Problem("births.csv", "duplicate_column", "each column once", column="parity"),
    )


def test_read_table_gives_the_text_as_written(tmp_path: Path) -> None:
    frame = read_table(write(tmp_path, "b.csv", BIRTHS_CSV.replace(",31,", ", 31 ,")), "births")
    assert frame.columns == list(pl.read_csv(EXAMPLES / "births.csv").columns)
    assert set(frame.schema.values()) == {pl.String}
    assert frame["mother_age"][0] == " 31 "
    with pytest.raises(KeyError):
        read_table(tmp_path / "b.csv", "birth")


def _workbook(path: Path, rows: list[list[object]], sheets: tuple[str, ...] = ("Sheet1",)) -> Path:
    book = xlsxwriter.Workbook(str(path))
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    moment = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    for name in sheets:
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows if name == sheets[-1] else [["nothing"]]):
            for c, value in enumerate(row):
                if isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, moment)
                elif isinstance(value, date):
                    sheet.write_datetime(r, c, datetime(value.year, value.month, value.day), day)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return path


def _typed_rows(frame: pl.DataFrame) -> list[list[object]]:
    return [frame.columns, *(list(row) for row in frame.iter_rows())]


def test_excel_with_text_cells(tmp_path: Path) -> None:
    path = tmp_path / "births.xlsx"
    pl.read_csv(EXAMPLES / "births.csv", infer_schema=False).write_excel(path)
    assert load(path).frame.equals(expected_births())


def test_excel_with_number_boolean_and_date_cells(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "births.xlsx", _typed_rows(expected_births()))
    assert load(path).frame.equals(expected_births())


def test_excel_reads_the_sheet_named_like_the_table(tmp_path: Path) -> None:
    rows = _typed_rows(expected_births())
    path = _workbook(tmp_path / "b.xlsx", rows, sheets=("Notes", "births"))
    assert load(path).rows == 7
    first_sheet_only = _workbook(tmp_path / "c.xlsx", rows, sheets=("Notes", "Data"))
    assert rejected(first_sheet_only).problems[0].check == "missing_column"


def test_excel_rows_are_numbered_as_the_spreadsheet_shows_them(tmp_path: Path) -> None:
    rows = _typed_rows(expected_births())
    rows[4][5] = 9999  # birthweight_g in spreadsheet row 5
    error = rejected(_workbook(tmp_path / "births.xlsx", rows))
    assert [(p.row, p.column, p.value) for p in error.problems] == [(5, "birthweight_g", "9999")]


def test_parquet_with_the_schema_types(tmp_path: Path) -> None:
    path = tmp_path / "births.parquet"
    expected_births().write_parquet(path)
    assert load(path).frame.equals(expected_births())


def test_parquet_with_text_columns(tmp_path: Path) -> None:
    path = tmp_path / "births.parquet"
    pl.read_csv(EXAMPLES / "births.csv", infer_schema=False).write_parquet(path)
    assert load(path).frame.equals(expected_births())


def test_parquet_with_other_number_types(tmp_path: Path) -> None:
    frame = expected_births().with_columns(
        pl.col("birthweight_g").cast(pl.Float64), pl.col("parity").cast(pl.Int8)
    )
    path = tmp_path / "births.parquet"
    frame.write_parquet(path)
    assert load(path).frame.equals(expected_births())
    frame.with_columns(pl.col("birthweight_g") + 0.5).write_parquet(path)
    error = rejected(path)
    assert [(p.check, p.row, p.last_row, p.value) for p in error.problems] == [
        ("type", 2, 8, "3420.5")
    ]


def test_parquet_times_with_a_zone_become_uk_local_times(tmp_path: Path) -> None:
    frame = expected_births().with_columns(
        pl.col("birth_datetime").dt.replace_time_zone("Europe/London").dt.convert_time_zone("UTC")
    )
    frame = frame.with_columns(
        pl.when(pl.col("record_id") == "B000123")
        .then(pl.datetime(2024, 7, 1, 13, 25, time_zone="UTC"))  # 14:25 British Summer Time
        .otherwise(pl.col("birth_datetime"))
        .alias("birth_datetime")
    )
    path = tmp_path / "births.parquet"
    frame.write_parquet(path)
    times = load(path).frame["birth_datetime"]
    assert times[0] == datetime(2024, 7, 1, 14, 25)
    assert times[1:].equals(expected_births()["birth_datetime"][1:])


def test_parquet_columns_of_lists_are_refused(tmp_path: Path) -> None:
    frame = expected_births().with_columns(pl.col("parity").map_elements(lambda v: [v]))
    path = tmp_path / "births.parquet"
    frame.write_parquet(path)
    error = rejected(path)
    assert error.problems == (
        Problem(
            "births.parquet",
            "column_type",
            "integer values",
            column="parity",
            value="values of type List(Int64)",
        ),
    )


def test_an_empty_file(tmp_path: Path) -> None:
    unreadable(write(tmp_path, "births.csv", b""), "it is empty")


def test_a_missing_file(tmp_path: Path) -> None:
    unreadable(tmp_path / "nowhere.csv", "No such file or directory")


def test_a_header_without_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "births.csv", BIRTHS_CSV.splitlines()[0] + "\n")
    assert rejected(path).problems == (
        Problem("births.csv", "no_rows", "at least one row of data below the header"),
    )


def test_text_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    data = BIRTHS_CSV.replace("B000124", "Bé00124").encode("latin-1")
    unreadable(write(tmp_path, "births.csv", data), "it is not UTF-8 text (byte 0xe9 on line 3)")


def test_utf16_text(tmp_path: Path) -> None:
    path = write(tmp_path, "births.csv", BIRTHS_CSV.encode("utf-16"))
    unreadable(path, "it is UTF-16 text (Excel's 'Unicode Text')")


def test_a_row_with_more_fields_than_the_header(tmp_path: Path) -> None:
    lines = BIRTHS_CSV.splitlines()
    lines[3] += ",extra"
    path = write(tmp_path, "births.csv", "\n".join(lines))
    unreadable(path, "row 4 has 22 fields but the header (row 1) has 21")


def test_a_badly_quoted_field(tmp_path: Path) -> None:
    lines = BIRTHS_CSV.splitlines()
    lines[2] = lines[2].replace("B000124", '"B000124"x')
    error = rejected(write(tmp_path, "births.csv", "\n".join(lines)))
    assert error.problems[0].check == "unreadable"
    assert str(error.problems[0].value).startswith("it is not valid CSV (")


def test_a_corrupt_workbook(tmp_path: Path) -> None:
    error = rejected(write(tmp_path, "births.xlsx", b"PK\x03\x04 not really a zip file"))
    assert error.problems[0].check == "unreadable"
    assert str(error.problems[0].value).startswith("it is not a readable .xlsx workbook (")


def test_a_workbook_with_an_empty_sheet(tmp_path: Path) -> None:
    unreadable(_workbook(tmp_path / "births.xlsx", []), "its sheet is empty")


def test_a_corrupt_parquet_file(tmp_path: Path) -> None:
    error = rejected(write(tmp_path, "births.parquet", b"PAR1 not really parquet PAR1"))
    assert error.problems[0].check == "unreadable"
    assert str(error.problems[0].value).startswith("it is not a readable Parquet file (")


def test_an_old_excel_workbook(tmp_path: Path) -> None:
    path = write(tmp_path, "births.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    unreadable(path, "it is an old-style Excel .xls workbook")


def test_a_column_named_like_the_loaders_own_row_number_is_just_unknown(tmp_path: Path) -> None:
    lines = BIRTHS_CSV.splitlines()
    text = "\n".join([lines[0] + ",__row", *(line + ",7" for line in lines[1:])])
    error = rejected(write(tmp_path, "births.csv", text))
    assert [(p.check, p.column) for p in error.problems] == [("unknown_column", "__row")]


def test_a_field_longer_than_pythons_csv_limit_does_not_hide_the_problem(tmp_path: Path) -> None:
    lines = BIRTHS_CSV.splitlines()
    lines[2] = lines[2].replace("B000124", '"' + "x" * 200_000 + '"') + ",extra"
    error = rejected(write(tmp_path, "births.csv", "\n".join(lines)))
    assert error.problems[0].check == "unreadable"


def test_parquet_nan_is_an_empty_cell_and_infinity_is_refused(tmp_path: Path) -> None:
    counts = validate(
        EXAMPLES / "counts.csv", "counts", today=TODAY, known_organisations=ORGANISATIONS
    ).frame
    index = pl.int_range(pl.len())
    counts = counts.with_columns(
        pl.when(index == 0)
        .then(float("nan"))
        .when(index == 1)
        .then(float("inf"))
        .otherwise(pl.col("denominator"))
        .alias("denominator")
    )
    path = tmp_path / "counts.parquet"
    counts.write_parquet(path)
    error = rejected(path, "counts")
    assert [(p.row, p.check, p.column, p.value) for p in error.problems] == [
        (3, "type", "denominator", "inf")
    ]
