"""docs/data.md and the example files agree with the schemas in caresignal.data.schema.

The column tables of docs/data.md are generated from the schemas by :func:`column_table`; run
``.venv/bin/python tests/ingest/test_examples.py`` to print them after changing a schema, and paste
them in. The tests fail when the page and the schemas disagree, when a rule or a check is not
documented, or when an example file does not pass validation.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from caresignal.data._rules import common_rules
from caresignal.data._rules_tables import TABLE_RULES
from caresignal.data.load import validate
from caresignal.data.schema import SCHEMAS, Column, TableSchema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
DATA_MD = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
TODAY = date(2025, 1, 1)
KIND_WORDS = {
    "string": "text",
    "integer": "whole number",
    "float": "number",
    "boolean": "true/false",
    "date": "date",
    "datetime": "date and time",
}
FILE_AND_CELL_CHECKS = [
    "unreadable",
    "no_rows",
    "missing_column",
    "unknown_column",
    "duplicate_column",
    "unnamed_column",
    "column_type",
    "empty",
    "type",
    "allowed",
    "range",
]


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def _values(column: Column) -> str:
    if column.allowed is not None:
        return ", ".join(f"`{value}`" for value in column.allowed)
    unit = f" {column.unit}" if column.unit else ""
    low, high = column.minimum, column.maximum
    if low is not None and high is not None:
        return f"{_number(low)} to {_number(high)}{unit}"
    if low is not None:
        return f"{_number(low)} or more{unit}"
    return ""


def column_table(table: TableSchema) -> str:
    """The markdown table of ``table``'s columns, as docs/data.md shows it."""
    lines = [
        "| column | type | required | may be empty | values | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for column in table.columns:
        cells = [
            f"`{column.name}`",
            KIND_WORDS[column.kind],
            "yes" if column.required else "no",
            "yes" if column.nullable else "no",
            _values(column),
            column.description.replace("|", "\\|"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _section(table: str) -> str:
    """The part of docs/data.md about ``table``: from its heading to the next one."""
    match = re.search(rf"^### `{table}`\n(.*?)(?=^### |^## |\Z)", DATA_MD, re.S | re.M)
    assert match, f"docs/data.md has no section ### `{table}`"
    return match.group(1)


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_the_column_table_in_the_docs_is_the_schema(table: str) -> None:
    assert column_table(SCHEMAS[table]) in _section(table)


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_the_key_the_rules_and_the_example_are_documented(table: str) -> None:
    section = _section(table)
    schema = SCHEMAS[table]
    assert f"Key: {', '.join(f'`{name}`' for name in schema.key)}" in section
    for rule in schema.rules:
        assert rule in " ".join(section.split()), f"rule not documented: {rule}"
    for rule in TABLE_RULES[table]:
        assert f"`{rule.check}`" in section, f"check not documented: {rule.check}"
    assert f"[`examples/{table}.csv`](examples/{table}.csv)" in section


def test_every_check_is_documented() -> None:
    checks = FILE_AND_CELL_CHECKS + [rule.check for rule in common_rules(SCHEMAS["births"])]
    for check in checks:
        assert f"`{check}`" in DATA_MD, f"check not documented: {check}"


def test_the_docs_list_every_table_and_nothing_else() -> None:
    documented = re.findall(r"^### `(\w+)`$", DATA_MD, re.M)
    assert documented == list(SCHEMAS)


def test_each_example_file_passes_validation() -> None:
    organisations = validate(
        EXAMPLES / "organisations.csv", "organisations", today=TODAY, known_organisations=()
    )
    assert organisations.rows == 9
    for table in SCHEMAS:
        checked = validate(
            EXAMPLES / f"{table}.csv",
            table,
            today=TODAY,
            known_organisations=organisations.frame,
        )
        assert checked.frame.columns == list(SCHEMAS[table].names)
        assert checked.rows >= 3


def test_each_example_file_has_every_column_in_the_schema_order() -> None:
    for table, schema in SCHEMAS.items():
        header = pl.read_csv(EXAMPLES / f"{table}.csv", n_rows=0).columns
        assert header == list(schema.names), table


if __name__ == "__main__":
    for name, spec in SCHEMAS.items():
        print(f"### `{name}`\n\n{column_table(spec)}\n")
