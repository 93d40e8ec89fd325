"""The frozen dataclasses of the indicator catalogue (re-exported by :mod:`.catalogue`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

# One class for the idea, shared with the code that turns the targets into thresholds.
from caresignal.monitor.thresholds import FalseAlarmTargets

__all__ = [
    "CASE_TABLES",
    "Definition",
    "FalseAlarmTargets",
    "Indicator",
    "MethodSpec",
    "ParameterValue",
    "ReferenceSpec",
    "RiskModelSpec",
    "Window",
]

#: Tables with one row per case (a birth, a stay): case-level methods (CUSUM, VLAD) need one.
CASE_TABLES = ("births", "admissions")

#: A method parameter's value as a catalogue file gives it.
ParameterValue = str | int | float | bool | tuple[float, ...] | None


@dataclass(frozen=True, slots=True)
class Window:
    """A baseline window: ``start`` to ``end`` (inclusive dates), or the first ``first_months``.

    Exactly one form is given: both dates, or ``first_months`` (counted from the first month of
    the data the indicator is run on).
    """

    start: dt.date | None = None
    end: dt.date | None = None
    first_months: int | None = None

    def describe(self) -> str:
        """The window in words, e.g. ``"2016-01-01 to 2018-12-31"`` or ``"the first 36 months"``."""
        if self.first_months is not None:
            return f"the first {self.first_months} months of data"
        return f"{self.start} to {self.end}"


@dataclass(frozen=True, slots=True)
class RiskModelSpec:
    """A logistic risk model, fitted on a baseline window and then frozen until refitted on purpose.

    ``covariates``, ``categorical`` and ``formula`` are the arguments of
    :func:`caresignal.stats.riskmodel.fit_logistic` (``formula`` instead of ``covariates``).
    A covariate is a column of the source table or one of the ``derived`` columns, each a name
    and a SQL expression over the table's columns (e.g. an age band). ``frozen`` is always true:
    caresignal never refits a model on its own; the fit (and each refit) is recorded.
    """

    covariates: tuple[str, ...]
    categorical: tuple[str, ...]
    formula: str | None
    derived: tuple[tuple[str, str], ...]
    baseline: Window
    frozen: bool = True
    note: str | None = None

    def derived_exprs(self) -> tuple[pl.Expr, ...]:
        """The derived columns as polars expressions, each aliased to its name."""
        return tuple(pl.sql_expr(sql).alias(name) for name, sql in self.derived)


@dataclass(frozen=True, slots=True)
class ReferenceSpec:
    """A reference rate to compare against without case-mix adjustment (MOSS-style).

    ``scope`` ``"national"`` pools every unit's data in the ``baseline`` window (all events ÷ all
    cases); ``"comparator_group"`` pools the unit's comparator group; ``"unit"`` uses the unit's
    own baseline rate.
    """

    scope: str
    baseline: Window
    note: str | None = None


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """One method run on an indicator, with every parameter by name (the file's value or default).

    ``parameters`` holds ``(name, value)`` pairs in the method's documented order; see
    ``docs/indicators.md`` for each method's parameters and their ranges.
    """

    method: str
    parameters: tuple[tuple[str, ParameterValue], ...]

    def get(self, name: str) -> ParameterValue:
        """The value of parameter ``name`` (``KeyError`` if the method has no such parameter)."""
        for key, value in self.parameters:
            if key == name:
                return value
        raise KeyError(name)

    def arguments(self) -> dict[str, ParameterValue]:
        """The parameters as a new dictionary."""
        return dict(self.parameters)


@dataclass(frozen=True, slots=True)
class Definition:
    """Who is counted and what counts, as SQL expressions over the source table's columns.

    ``population`` selects the rows (every row when ``None``); for the ``counts`` table the rows
    of ``counts_indicator`` are selected as well. ``outcome`` is a case-level condition (one row
    per case). ``numerator`` and ``denominator`` are aggregate expressions over one unit's rows
    in one period (``SUM(actual_hours)``); when left out they are the cases with the outcome and
    all cases (case tables), or ``SUM(numerator)`` and ``SUM(denominator)`` (``counts``).
    ``denominator_kind`` says whether the denominator counts ``cases`` (a proportion) or an
    ``exposure`` such as bed days (a rate). ``date_column`` dates each row.

    For the ``concerns`` table, ``categories`` are the HCAT categories counted (each concern's
    recorded category, else the one :mod:`caresignal.text.themes` suggests), a month at a time.

    For the ``observations`` table, ``measure`` names one of the ward care audit's monthly
    measures (:data:`caresignal.monitor.wardcare.MEASURES`), computed from the encounters,
    observations and responses tables together.
    """

    date_column: str
    population: str | None = None
    outcome: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    counts_indicator: str | None = None
    denominator_kind: str | None = None
    categories: tuple[str, ...] = ()
    measure: str | None = None

    def population_expr(self) -> pl.Expr:
        """The rows in the indicator's population, as a boolean polars expression."""
        conditions = []
        if self.counts_indicator is not None:
            conditions.append(pl.col("indicator") == self.counts_indicator)
        if self.population is not None:
            conditions.append(pl.sql_expr(self.population))
        return pl.all_horizontal(conditions) if conditions else pl.lit(True)

    def outcome_expr(self) -> pl.Expr:
        """The case-level outcome (``ValueError`` if the indicator has none)."""
        if self.outcome is None:
            raise ValueError("this indicator has no case-level outcome")
        return pl.sql_expr(self.outcome).fill_null(False).cast(pl.Boolean)

    def numerator_expr(self) -> pl.Expr:
        """The numerator of one unit and period, as an aggregate polars expression."""
        if self.numerator is not None:
            return pl.sql_expr(self.numerator)
        if self.outcome is not None:
            return self.outcome_expr().cast(pl.Int64).sum()
        return pl.col("numerator").sum()

    def denominator_expr(self) -> pl.Expr:
        """The denominator of one unit and period, as an aggregate polars expression."""
        if self.denominator is not None:
            return pl.sql_expr(self.denominator)
        if self.outcome is not None:
            return pl.len().cast(pl.Int64)
        return pl.col("denominator").sum()


@dataclass(frozen=True, slots=True)
class Indicator:
    """One monitored indicator, as its catalogue file declares it.

    ``level`` is where it is judged (``site``, ``unit`` or ``trust``) and ``unit_column`` the
    column of ``table`` naming that organisation; ``unit_types`` the kinds of unit it applies to;
    ``period`` the period of its series (``month`` or ``week``; ``case`` when it is watched case
    by case only); ``worse`` which direction is worse (``higher`` or ``lower``). ``file`` is the
    file it came from, and ``replaces`` whether it replaced an indicator of the same id.
    ``event`` and ``events`` name one and several of what the numerator counts ("death",
    "deaths"), for the plain sentences of a scan's findings.
    """

    id: str
    title: str
    description: str
    table: str
    level: str
    unit_column: str
    unit_types: tuple[str, ...]
    period: str
    worse: str
    definition: Definition
    methods: tuple[MethodSpec, ...]
    false_alarms: FalseAlarmTargets = field(default_factory=FalseAlarmTargets)
    risk_model: RiskModelSpec | None = None
    reference: ReferenceSpec | None = None
    note: str | None = None
    replaces: bool = False
    event: str = "event"
    events: str = "events"
    file: str = field(default="", compare=False)

    def method(self, name: str) -> tuple[MethodSpec, ...]:
        """The methods called ``name`` (e.g. the upper and lower CUSUM), in file order."""
        return tuple(spec for spec in self.methods if spec.method == name)
