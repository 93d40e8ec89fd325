"""The checks of :func:`caresignal.data.load.validate`, step by step, each over whole columns.

1. the header: columns missing, unknown (with the nearest schema name), or of a type that cannot
   hold table values;
2. the cells: each column parsed to its type, and each cell's problem (empty, unreadable, not an
   allowed value, out of range) kept as a small code beside it; rows with nothing in them dropped;
3. the rules (:mod:`caresignal.data._rules`), on rows whose cells passed.

Each step returns its problems grouped into runs of rows (:func:`group_rows`), at most ``limit``
per check, with the total count and the rows touched.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import polars as pl

from caresignal.data._load_parse import CODE_NAMES, EMPTY, cell_problem, expected, parse
from caresignal.data._load_parse import unsupported as unsupported_type
from caresignal.data._load_problems import Problem, group_rows
from caresignal.data._rules import Context, Rule
from caresignal.data.schema import DTYPES, TableSchema

__all__ = [
    "CELL_PROBLEM",
    "Found",
    "cell_step",
    "header_problems",
    "rule_problems",
    "table_frame",
    "typed_frame",
]

ROW = "__row"
_GIVEN = "\x00given:"
_CODE = "\x00code:"
#: The prefix of the column beside each checked column that holds its cell's problem code, if any.
CELL_PROBLEM = _CODE


@dataclass
class Found:
    """The problems found so far: those kept to show, how many in all, and the rows touched."""

    shown: list[Problem] = field(default_factory=list)
    total: int = 0
    touched: pl.Series | None = None

    def add(self, problems: list[Problem], total: int) -> None:
        """Keep ``problems`` (the first of ``total`` problems of one check)."""
        self.shown += problems
        self.total += total

    def touch(self, rows: pl.Series) -> None:
        """Count the rows where ``rows`` (a boolean mask over the checked rows) is true."""
        self.touched = rows if self.touched is None else self.touched | rows

    @property
    def rows(self) -> int:
        """How many data rows have at least one problem."""
        return 0 if self.touched is None else int(self.touched.sum())


def header_problems(frame: pl.DataFrame, table: TableSchema, source: str) -> list[Problem]:
    """Required columns missing, columns not in the schema, and columns of unusable types."""
    names = set(table.names)
    problems = [
        Problem(source, "missing_column", f"in every {table.name} file", column=column.name)
        for column in table.columns
        if column.required and column.name not in frame.columns
    ]
    for name in frame.columns:
        if name not in names:
            problems.append(
                Problem(source, "unknown_column", _suggestion(name, table), column=name)
            )
        elif unsupported_type(frame.schema[name]):
            kind = table.column(name).kind
            why = f"values of type {frame.schema[name]}"
            problems.append(
                Problem(source, "column_type", f"{kind} values", column=name, value=why)
            )
    return problems


def _suggestion(name: str, table: TableSchema) -> str:
    """Name the nearest column of the schema, or list them all."""
    by_case = [known for known in table.names if known.lower() == name.strip().lower()]
    near = by_case or difflib.get_close_matches(name.lower(), table.names, n=1, cutoff=0.6)
    if near:
        return f"one of the {table.name} columns; did you mean {near[0]}?"
    return f"one of the {table.name} columns: {', '.join(table.names)}"


def typed_frame(frame: pl.DataFrame, table: TableSchema, present: list[str]) -> pl.DataFrame:
    """The typed columns in ``present``, each with its cell problem codes, and the row numbers.

    Rows with no value in any of these columns are dropped (the row numbers keep their place).
    """
    plans = {name: parse(table.column(name), frame.schema[name]) for name in present}
    work = (
        frame.lazy()
        .select(present)  # only schema names from here on: no clash with the names added below
        .with_row_index(ROW, offset=2)
        .select(
            pl.col(ROW).cast(pl.Int64), *(first.alias(name) for name, (first, _) in plans.items())
        )
        .with_columns(pl.col(name).is_not_null().alias(_GIVEN + name) for name in present)
        .filter(pl.any_horizontal(pl.col(_GIVEN + name) for name in present) if present else False)
    )
    for stage in range(max((len(steps) for _, steps in plans.values()), default=0)):
        work = work.with_columns(
            steps[stage](pl.col(name)).alias(name)
            for name, (_, steps) in plans.items()
            if stage < len(steps)
        )
    codes = (
        cell_problem(table.column(name), pl.col(name), pl.col(_GIVEN + name)).alias(_CODE + name)
        for name in present
    )
    return work.with_columns(codes).drop(_GIVEN + name for name in present).collect()


def cell_step(
    work: pl.DataFrame,
    raw: pl.DataFrame,
    table: TableSchema,
    found: Found,
    *,
    source: str,
    limit: int,
) -> None:
    """Add the problems of each cell (empty, unreadable, not allowed, out of range) to ``found``."""
    present = [name for name in table.names if _CODE + name in work.columns]
    if not present:
        return
    failing = work.select(pl.col(_CODE + name).is_not_null().any() for name in present).row(0)
    bad_columns = [name for name, fails in zip(present, failing, strict=True) if fails]
    if bad_columns:
        found.touch(
            work.select(pl.any_horizontal(_code_set(name) for name in bad_columns)).to_series()
        )
    for name in bad_columns:
        bad = work.select(ROW, pl.col(_CODE + name).alias("code")).filter(
            pl.col("code").is_not_null()
        )
        written = _written(raw, name, bad)
        bad = bad.with_columns(
            pl.when(pl.col("code") != EMPTY).then(written).alias("value"),
            pl.col("code").replace_strict(CODE_NAMES, return_dtype=pl.String).alias("check"),
            pl.lit(expected(table.column(name))).alias("expected"),
        )
        found.add(*group_rows(bad, file=source, column=name, limit=limit))


def _written(raw: pl.DataFrame, name: str, bad: pl.DataFrame) -> pl.Series:
    """The values of column ``name`` as the file has them, in the rows of ``bad``."""
    return raw.get_column(name).cast(pl.String).gather(bad.get_column(ROW) - 2)


def _code_set(name: str) -> pl.Expr:
    return pl.col(_CODE + name).is_not_null()


def rule_problems(
    work: pl.DataFrame,
    raw: pl.DataFrame,
    rules: list[Rule],
    context: Context,
    kinds: dict[str, str],
    found: Found,
    *,
    source: str,
    limit: int,
) -> None:
    """Add the rows that break each rule, among those whose cells in its columns passed.

    A rule over one column shows the value as ``raw`` has it; one over several shows each typed
    value with its column's name.
    """
    active = [rule for rule in rules if all(name in kinds for name in rule.columns)]
    if not active or work.height == 0:
        return
    masks = work.select(
        (rule.broken(work, context).fill_null(value=False) & _cells_ok(rule)).alias(str(i))
        for i, rule in enumerate(active)
    )
    broken = masks.select(pl.all().any()).row(0)
    for rule, mask, any_broken in zip(active, masks.iter_columns(), broken, strict=True):
        if not any_broken:
            continue
        found.touch(mask)
        bad = work.select(
            ROW,
            pl.lit(rule.check).alias("check"),
            rule.value_expr(kinds).alias("value"),
            rule.expected_expr(context).alias("expected"),
        ).filter(mask)
        if rule.single is not None:
            bad = bad.with_columns(_written(raw, rule.single, bad).alias("value"))
        found.add(*group_rows(bad, file=source, column=rule.column_label(), limit=limit))


def _cells_ok(rule: Rule) -> pl.Expr:
    return pl.all_horizontal(pl.col(_CODE + name).is_null() for name in rule.columns)


def table_frame(work: pl.DataFrame, table: TableSchema) -> pl.DataFrame:
    """The accepted table: every schema column, in order, typed; optional ones missing as nulls."""
    return work.select(
        pl.col(column.name)
        if column.name in work.columns
        else pl.lit(None, dtype=DTYPES[column.kind]).alias(column.name)
        for column in table.columns
    )
