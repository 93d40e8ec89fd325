"""Paediatric early-warning tables held as data: read a TOML file, check it, build the charts.

The shipped default is ``caresignal/stats/ews_tables/pews.toml``; a user passes a file of their
own to :func:`load_pews_table`. docs/wardcare.md describes the format and where the default's
values come from. Every problem is reported with the file, the age band, the parameter and the
band, and what was expected; a table with an error is refused whole.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from caresignal.stats._ews_bands import Bands, Categories, band_rows
from caresignal.stats._ews_results import EMERGENCY_RESPONSE, URGENT_REVIEW, Rule

__all__ = [
    "PEWS_MEASUREMENTS",
    "PEWS_PARAMETERS",
    "Parameter",
    "PewsTable",
    "default_pews_table",
    "load_pews_table",
]

# Every parameter a table may score: its kind and, for measurements, the unit and the range of
# values accepted as physiological (anything outside is refused as an input error).
PEWS_MEASUREMENTS: Mapping[str, tuple[str, float, float]] = {
    "respiration_rate": ("breaths per minute", 0.0, 200.0),
    "spo2": ("%", 0.0, 100.0),
    "heart_rate": ("beats per minute", 0.0, 400.0),
    "systolic_bp": ("mmHg", 0.0, 300.0),
    "capillary_refill": ("seconds", 0.0, 30.0),
    "temperature": ("°C", 10.0, 45.0),
}
PEWS_CATEGORIES: Mapping[str, tuple[str, ...] | None] = {
    "work_of_breathing": None,  # labels come from the table
    "on_oxygen": ("air", "oxygen"),
    "consciousness": None,
}
PEWS_PARAMETERS = (
    "respiration_rate",
    "work_of_breathing",
    "spo2",
    "on_oxygen",
    "heart_rate",
    "systolic_bp",
    "capillary_refill",
    "consciousness",
    "temperature",
)
_LEVELS = {"urgent review": URGENT_REVIEW, "emergency response": EMERGENCY_RESPONSE}


@dataclass(frozen=True, slots=True)
class Parameter:
    """How a table scores one parameter: its kind, unit or labels, and whether it is required.

    A required parameter that is missing in a row leaves the row without an aggregate score; an
    optional one (``required = false``) adds nothing when missing and the row is still scored.
    """

    name: str
    kind: str
    required: bool
    unit: str = ""
    resolution: float = 1.0
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class PewsTable:
    """A checked paediatric early-warning table: age bands, a chart per band, escalation rules.

    Attributes
    ----------
    title, source : str
        The table's own title and its statement of where its values come from.
    path : str
        The file it was read from.
    parameters : mapping of str to Parameter
        The scored parameters, in the order of :data:`PEWS_PARAMETERS`.
    band_names : tuple of str
        The age bands, youngest first.
    band_starts : tuple of float
        Each age band's first month of age (the first is 0; each band runs to the next start,
        and the last has no end).
    charts : tuple of mapping
        For each age band, each parameter's :class:`Bands` or :class:`Categories`.
    rules : tuple of Rule
        The escalation rules by aggregate and single-parameter score.
    """

    title: str
    source: str
    path: str
    parameters: Mapping[str, Parameter]
    band_names: tuple[str, ...]
    band_starts: tuple[float, ...]
    charts: tuple[Mapping[str, Bands | Categories], ...]
    rules: tuple[Rule, ...]


def load_pews_table(path: str | Path) -> PewsTable:
    """Read and check a paediatric early-warning table from a TOML file.

    Raises
    ------
    ValueError
        Naming the file, age band, parameter and band of the first problem: a gap or overlap
        between value bands or age bands, a missing or unknown parameter or category, a score
        that is not a whole number, or an escalation rule that cannot be read.

    Examples
    --------
    The shipped default, read from its file like any user's table:

    >>> from importlib import resources
    >>> from caresignal.stats.ews import load_pews_table
    >>> path = resources.files("caresignal.stats") / "ews_tables" / "pews.toml"
    >>> load_pews_table(str(path)).band_names
    ('0-11 months', '1-4 years', '5-12 years', '13 years and over')
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"{file}: cannot read the table: {error.strerror}") from None
    return _parse(str(file), text)


@functools.cache
def default_pews_table() -> PewsTable:
    """The table shipped with caresignal (``ews_tables/pews.toml``), read once and kept."""
    shipped = resources.files("caresignal.stats").joinpath("ews_tables", "pews.toml")
    return _parse("caresignal/stats/ews_tables/pews.toml", shipped.read_text(encoding="utf-8"))


def _parse(where: str, text: str) -> PewsTable:
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{where}: not valid TOML: {error}") from None
    _keys(where, document, required={"title", "source", "parameters", "escalation", "age_bands"})
    parameters = _parameters(where, document["parameters"])
    bands = document["age_bands"]
    if not isinstance(bands, list) or not bands:
        raise ValueError(f"{where}: age_bands must be a list of [[age_bands]] tables, one or more")
    names, starts = _age_bands(where, bands)
    charts = tuple(
        _chart(f"{where}, age band {name!r}", band, parameters)
        for name, band in zip(names, bands, strict=True)
    )
    return PewsTable(
        title=_text(where, document, "title"),
        source=_text(where, document, "source"),
        path=where,
        parameters=parameters,
        band_names=names,
        band_starts=starts,
        charts=charts,
        rules=_rules(where, document["escalation"]),
    )


def _keys(
    where: str, table: Any, *, required: set[str], optional: frozenset[str] | set[str] = frozenset()
) -> None:
    if not isinstance(table, dict):
        raise ValueError(f"{where}: expected a table of keys, got {table!r}")
    missing = sorted(required - table.keys())
    unknown = sorted(table.keys() - required - optional)
    if missing:
        raise ValueError(f"{where}: {', '.join(missing)} missing; expected {_names(required)}")
    if unknown:
        allowed = _names(required | optional)
        raise ValueError(f"{where}: unknown key {', '.join(unknown)}; expected only {allowed}")


def _names(keys: set[str]) -> str:
    return ", ".join(sorted(keys))


def _text(where: str, table: dict[str, Any], key: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: {key} is {value!r}; expected some text")
    return value


def _parameters(where: str, table: Any) -> dict[str, Parameter]:
    _keys(f"{where}, [parameters]", table, required=set(), optional=set(PEWS_PARAMETERS))
    if not table:
        raise ValueError(f"{where}, [parameters]: expected at least one scored parameter")
    specs: dict[str, Parameter] = {}
    for name in PEWS_PARAMETERS:
        if name in table:
            specs[name] = _parameter(f"{where}, [parameters] {name}", name, table[name])
    return specs


def _parameter(where: str, name: str, spec: Any) -> Parameter:
    if name in PEWS_MEASUREMENTS:
        _keys(where, spec, required={"required", "resolution"})
        resolution = spec["resolution"]
        if isinstance(resolution, bool) or not isinstance(resolution, int | float):
            raise ValueError(f"{where}: resolution is {resolution!r}; expected a number > 0")
        unit = PEWS_MEASUREMENTS[name][0]
        return Parameter(name, "measurement", _flag(where, spec), unit, float(resolution))
    _keys(where, spec, required={"required", "labels"})
    labels = spec["labels"]
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        raise ValueError(f"{where}: labels is {labels!r}; expected a list of category names")
    fixed = PEWS_CATEGORIES[name]
    if fixed is not None and tuple(labels) != fixed:
        raise ValueError(f"{where}: labels is {labels!r}; expected {list(fixed)!r}")
    if len(set(labels)) != len(labels) or "" in labels:
        raise ValueError(f"{where}: labels {labels!r} repeat a name or hold an empty one")
    return Parameter(name, "category", _flag(where, spec), labels=tuple(labels))


def _flag(where: str, spec: dict[str, Any]) -> bool:
    value = spec["required"]
    if not isinstance(value, bool):
        raise ValueError(f"{where}: required is {value!r}; expected true or false")
    return value


def _age_bands(where: str, bands: list[Any]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    names: list[str] = []
    starts: list[float] = []
    for k, band in enumerate(bands):
        place = f"{where}, age band {k + 1}"
        if not isinstance(band, dict):
            raise ValueError(f"{place}: expected a [[age_bands]] table, got {band!r}")
        for key in ("name", "from_months"):
            if key not in band:
                raise ValueError(f"{place}: {key} missing; every age band needs name, from_months")
        name, start = band["name"], band["from_months"]
        end: Any = band.get("to_months")
        if not isinstance(name, str) or not name or name in names:
            raise ValueError(f"{place}: name is {name!r}; expected a name no other band has")
        _month(place, "from_months", start)
        last = k == len(bands) - 1
        if last and end is not None:
            raise ValueError(
                f"{where}, age band {name!r}: the last age band ends at to_months = {end!r}; "
                "expected no to_months, so that every older child has a band"
            )
        if not last:
            _month(place, "to_months", end)
            _next_start(where, name, float(start), float(end), bands[k + 1].get("from_months"))
        if k == 0 and start != 0:
            raise ValueError(
                f"{where}, age band {name!r}: from_months is {start!r}; expected the first band "
                "to start at 0 months, so that every child has a band"
            )
        names.append(name)
        starts.append(float(start))
    return tuple(names), tuple(starts)


def _month(place: str, key: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{place}: {key} is {value!r}; expected an age in months >= 0")


def _next_start(where: str, name: str, start: float, end: float, following: Any) -> None:
    if end <= start:
        raise ValueError(
            f"{where}, age band {name!r}: to_months {end:g} is not after from_months {start:g}"
        )
    if following != end:
        kind = "a gap" if isinstance(following, int | float) and following > end else "an overlap"
        raise ValueError(
            f"{where}, age band {name!r} ends at to_months = {end:g} but the next band starts at "
            f"from_months = {following!r}: {kind} between age bands; expected the next band to "
            f"start at {end:g} (to_months is the first month of the next band)"
        )


def _chart(
    where: str, band: dict[str, Any], parameters: Mapping[str, Parameter]
) -> dict[str, Bands | Categories]:
    _keys(where, band, required={"name", "from_months", *parameters}, optional={"to_months"})
    chart: dict[str, Bands | Categories] = {}
    for name, spec in parameters.items():
        place = f"{where}, {name}"
        if spec.kind == "category":
            chart[name] = Categories.from_mapping(place, spec.labels, _mapping(place, band[name]))
        else:
            chart[name] = band_rows(place, _rows(place, band[name]), spec.resolution)
    return chart


def _mapping(place: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{place}: expected a table of category = score, got {value!r}")
    return value


def _rows(place: str, value: Any) -> list[tuple[float | None, float | None, int]]:
    if not isinstance(value, list) or len(value) < 2:
        raise ValueError(f"{place}: expected a list of two or more {{from, to, score}} bands")
    rows: list[tuple[float | None, float | None, int]] = []
    for k, row in enumerate(value):
        _keys(f"{place}, band {k + 1}", row, required={"score"}, optional={"from", "to"})
        low, high = row.get("from"), row.get("to")
        for key, bound in (("from", low), ("to", high)):
            if bound is not None and (
                isinstance(bound, bool) or not isinstance(bound, int | float)
            ):
                raise ValueError(f"{place}, band {k + 1}: {key} is {bound!r}; expected a number")
        rows.append((low, high, row["score"]))
    return rows


def _rules(where: str, value: Any) -> tuple[Rule, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{where}: escalation must be a list of [[escalation]] rules, one or more")
    rules: list[Rule] = []
    for k, rule in enumerate(value):
        place = f"{where}, escalation rule {k + 1}"
        _keys(place, rule, required={"level"}, optional={"aggregate", "single_parameter"})
        level = rule["level"]
        if level not in _LEVELS:
            raise ValueError(f"{place}: level is {level!r}; expected one of {_names(set(_LEVELS))}")
        limits = [rule.get("aggregate"), rule.get("single_parameter")]
        if all(limit is None for limit in limits):
            raise ValueError(f"{place}: expected aggregate, single_parameter or both")
        for limit in limits:
            if limit is not None and (
                isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
            ):
                raise ValueError(f"{place}: {limit!r} is not a score; expected a whole number >= 1")
        rules.append(Rule(_LEVELS[level], limits[0], limits[1]))
    return tuple(rules)
