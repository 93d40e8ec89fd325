"""Reading one ``[[indicator]]`` table into an :class:`Indicator`, checked against the schema."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

import polars as pl

from caresignal.data.schema import SCHEMAS, UNIT_TYPES
from caresignal.monitor import _catalogue_fields as f
from caresignal.monitor._catalogue_methods import read_method
from caresignal.monitor._catalogue_rules import check_indicator
from caresignal.monitor._catalogue_types import (
    Definition,
    FalseAlarmTargets,
    Indicator,
    ReferenceSpec,
    RiskModelSpec,
    Window,
)
from caresignal.monitor._wardcare_monthly import MEASURES
from caresignal.text.themes import CATEGORIES

__all__ = ["read_indicator"]

_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
_KEYS = (
    "id", "title", "description", "table", "level", "unit_column", "unit_types", "period",
    "worse", "definition", "methods", "false_alarms", "risk_model", "reference", "note",
    "replaces", "event", "events",
)  # fmt: skip
#: The column that dates each row, by table, unless the definition names another.
DATE_COLUMNS = {
    "births": "birth_datetime",
    "admissions": "admission_date",
    "counts": "period_start",
    "staffing": "month",
    "concerns": "received_date",
    "observations": "observation_datetime",
}


def read_indicator(entry: Any, where: f.Where) -> Indicator:
    """Read and check one indicator; ``where`` names its file (and position in it)."""
    entry = f.table(entry, where)
    ident = f.text(f.required(entry, "id", where), where.at("id"))
    if not _ID.match(ident):
        raise where.at("id").error(
            ident, "lower-case letters, digits and _, starting with a letter"
        )
    where = f.Where(where.file, ident)
    f.check_keys(entry, _KEYS, where)
    table = f.text(f.required(entry, "table", where), where.at("table"), sorted(DATE_COLUMNS))
    columns = SCHEMAS[table].names
    get = entry.get
    indicator = Indicator(
        id=ident,
        title=f.text(f.required(entry, "title", where), where.at("title")),
        description=f.text(f.required(entry, "description", where), where.at("description")),
        table=table,
        level=f.text(f.required(entry, "level", where), where.at("level"), _LEVELS),
        unit_column=_unit_column(get("unit_column"), table, where.at("unit_column")),
        unit_types=f.texts(get("unit_types", []), where.at("unit_types"), UNIT_TYPES),
        period=f.text(get("period", "month"), where.at("period"), ("month", "week", "case")),
        worse=f.text(f.required(entry, "worse", where), where.at("worse"), ("higher", "lower")),
        definition=_definition(f.required(entry, "definition", where), table, where),
        methods=_methods(f.required(entry, "methods", where), where.at("methods")),
        false_alarms=_false_alarms(get("false_alarms", {}), where.at("false_alarms")),
        risk_model=_risk_model(get("risk_model"), columns, where.at("risk_model")),
        reference=_reference(get("reference"), where.at("reference")),
        note=f.optional_text(get("note"), where.at("note")),
        replaces=f.flag(get("replaces", False), where.at("replaces")),
        event=f.text(get("event", "event"), where.at("event")),
        events=f.text(get("events", "events"), where.at("events")),
        file=where.file,
    )
    return check_indicator(indicator, where)


_LEVELS = ("site", "unit", "trust")


def expression(value: Any, where: f.Where, columns: Collection[str]) -> str:
    """A SQL expression (``polars.sql_expr``) whose every column is one of ``columns``."""
    sql = f.text(value, where)
    try:
        names = pl.sql_expr(sql).meta.root_names()
    except Exception as error:  # polars raises several error types for bad SQL
        raise where.error(
            sql, 'a SQL expression such as "gestation_weeks >= 37"', hint=str(error)
        ) from None
    for name in names:
        if name not in columns:
            raise where.error(
                sql,
                f"columns of the source table only, and {name!r} is not one",
                hint=f.suggestion(name, columns) or f"the columns are {', '.join(columns)}",
            )
    return sql


def _unit_column(value: Any, table: str, where: f.Where) -> str:
    if table == "observations":  # each set's ward is its stay's, in the encounters table
        return f.text("unit_code" if value is None else value, where, ("unit_code",))
    schema = SCHEMAS[table]
    if value is None:
        if schema.organisation_column is None:
            raise where.error(None, "a column naming the organisation")
        return schema.organisation_column
    return f.text(value, where, schema.names)


def _definition(value: Any, table: str, where: f.Where) -> Definition:
    where = where.at("definition")
    entry = f.table(value, where)
    keys = ("date_column", "population", "outcome", "numerator", "denominator")
    if table == "concerns":
        return _concerns_definition(entry, where)
    if table == "observations":
        return _bedside_definition(entry, where)
    counts_keys = ("counts_indicator", "denominator_kind")
    f.check_keys(entry, keys + counts_keys if table == "counts" else keys, where)
    schema = SCHEMAS[table]
    dates = [c.name for c in schema.columns if c.kind in ("date", "datetime")]
    exprs = {
        key: expression(entry[key], where.at(key), schema.names) for key in keys[1:] if key in entry
    }
    counts_indicator = entry.get("counts_indicator")
    if table == "counts":
        counts_indicator = f.text(
            f.required(entry, "counts_indicator", where), where.at("counts_indicator")
        )
        f.text(
            f.required(entry, "denominator_kind", where),
            where.at("denominator_kind"),
            ("cases", "exposure"),
        )
    return Definition(
        date_column=f.text(
            entry.get("date_column", DATE_COLUMNS[table]), where.at("date_column"), dates
        ),
        counts_indicator=counts_indicator,
        denominator_kind=entry.get("denominator_kind"),
        population=exprs.get("population"),
        outcome=exprs.get("outcome"),
        numerator=exprs.get("numerator"),
        denominator=exprs.get("denominator"),
    )


def _concerns_definition(entry: Mapping[str, Any], where: f.Where) -> Definition:
    """Concerns of some HCAT ``categories`` (of a ``population``, if given) a month: a rate."""
    f.check_keys(entry, ("date_column", "population", "categories"), where)
    columns = SCHEMAS["concerns"].names
    categories = f.texts(f.required(entry, "categories", where), where.at("categories"), CATEGORIES)
    if not categories:
        raise where.at("categories").error([], "at least one HCAT category")
    population = entry.get("population")
    return Definition(
        date_column=f.text(
            entry.get("date_column", DATE_COLUMNS["concerns"]), where.at("date_column"),
            ("received_date",),
        ),
        population=None if population is None else expression(
            population, where.at("population"), columns
        ),
        denominator_kind="cases",
        categories=categories,
    )  # fmt: skip


def _bedside_definition(entry: Mapping[str, Any], where: f.Where) -> Definition:
    """One of the ward care audit's monthly measures, from the three bedside tables."""
    f.check_keys(entry, ("measure",), where)
    measure = f.text(f.required(entry, "measure", where), where.at("measure"), tuple(MEASURES))
    return Definition(
        date_column=DATE_COLUMNS["observations"], denominator_kind="cases", measure=measure
    )


def _methods(value: Any, where: f.Where) -> tuple[Any, ...]:
    if not isinstance(value, list) or not value:
        raise where.error(value, "at least one [[indicator.methods]] table")
    return tuple(read_method(item, where.at(f"[{i}]")) for i, item in enumerate(value))


def _false_alarms(value: Any, where: f.Where) -> FalseAlarmTargets:
    entry = f.table(value, where)
    f.check_keys(entry, ("amber_years", "red_years"), where)
    defaults = FalseAlarmTargets()
    amber = f.number(entry.get("amber_years", defaults.amber_years), where.at("amber_years"),
                     minimum=0.1, maximum=1000.0)  # fmt: skip
    red = f.number(entry.get("red_years", defaults.red_years), where.at("red_years"),
                   minimum=0.1, maximum=1000.0)  # fmt: skip
    if red <= amber:
        raise where.at("red_years").error(red, f"more years than amber_years ({amber:g})")
    return FalseAlarmTargets(amber_years=amber, red_years=red)


def window(value: Any, where: f.Where) -> Window:
    """A baseline window: ``{ start = …, end = … }`` or ``{ first_months = n }``."""
    entry = f.table(value, where)
    f.check_keys(entry, ("start", "end", "first_months"), where)
    if "first_months" in entry and not ("start" in entry or "end" in entry):
        months = f.whole(entry["first_months"], where.at("first_months"), minimum=1, maximum=600)
        return Window(first_months=months)
    if "first_months" in entry or not ("start" in entry and "end" in entry):
        raise where.error(dict(entry), "either both start and end, or first_months alone")
    start = f.day(entry["start"], where.at("start"))
    end = f.day(entry["end"], where.at("end"))
    if end < start:
        raise where.at("end").error(str(end), f"a date on or after start ({start})")
    return Window(start=start, end=end)


def _risk_model(value: Any, columns: Collection[str], where: f.Where) -> RiskModelSpec | None:
    if value is None:
        return None
    entry = f.table(value, where)
    keys = ("covariates", "categorical", "formula", "derived", "baseline", "frozen", "note")
    f.check_keys(entry, keys, where)
    derived = _derived(entry.get("derived", {}), columns, where.at("derived"))
    names = (*columns, *(name for name, _ in derived))
    covariates = f.texts(entry.get("covariates", []), where.at("covariates"), names)
    formula = f.optional_text(entry.get("formula"), where.at("formula"))
    if bool(covariates) == (formula is not None):
        raise where.error(dict(entry), "either covariates or a formula (one of them)")
    if formula is not None:
        _check_formula(formula, names, where.at("formula"))
    if not f.flag(entry.get("frozen", True), where.at("frozen")):
        raise where.at("frozen").error(
            False, "true", hint="caresignal never refits a risk model on its own; refit on purpose"
        )
    return RiskModelSpec(
        covariates=covariates,
        categorical=f.texts(entry.get("categorical", []), where.at("categorical"), covariates),
        formula=formula,
        derived=derived,
        baseline=window(f.required(entry, "baseline", where), where.at("baseline")),
        note=f.optional_text(entry.get("note"), where.at("note")),
    )


def _derived(value: Any, columns: Collection[str], where: f.Where) -> tuple[tuple[str, str], ...]:
    entry: Mapping[str, Any] = f.table(value, where)
    for name in entry:
        if name in columns:
            raise where.at(name).error(entry[name], "a new name, not a column of the table")
    return tuple((name, expression(sql, where.at(name), columns)) for name, sql in entry.items())


def _check_formula(formula: str, names: Collection[str], where: f.Where) -> None:
    for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", formula.split("~")[-1]):
        if word not in names and word not in ("C", "I"):
            raise where.error(formula, f"a formula over the table's columns; {word!r} is not one",
                              hint=f.suggestion(word, names))  # fmt: skip


def _reference(value: Any, where: f.Where) -> ReferenceSpec | None:
    if value is None:
        return None
    entry = f.table(value, where)
    f.check_keys(entry, ("scope", "baseline", "note"), where)
    scope = ("national", "comparator_group", "unit")
    return ReferenceSpec(
        scope=f.text(f.required(entry, "scope", where), where.at("scope"), scope),
        baseline=window(f.required(entry, "baseline", where), where.at("baseline")),
        note=f.optional_text(entry.get("note"), where.at("note")),
    )
