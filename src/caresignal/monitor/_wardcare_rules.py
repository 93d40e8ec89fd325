"""The ward care audit's rules as data (private; see :mod:`caresignal.monitor.wardcare`).

The shipped file is ``wardcare_rules.toml`` beside this module; a trust replaces it with its own
through :func:`load_rules`, which checks the whole file and names the file, the key, the value
and what was expected for anything wrong.
"""

from __future__ import annotations

import functools
import itertools
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caresignal.data.schema import RESPONSE_KINDS

__all__ = [
    "TRIGGER_KINDS",
    "RulesError",
    "SepsisRule",
    "TriggerRule",
    "WardcareRules",
    "WeightRule",
    "default_rules",
    "load_rules",
]

#: The kinds of trigger, in the order of their codes (a trigger's ``kind`` is its position).
TRIGGER_KINDS = ("news2_urgent", "news2_emergency", "pews_urgent", "pews_emergency", "carer_worse")

_DEFAULT = Path(__file__).with_name("wardcare_rules.toml")


class RulesError(ValueError):
    """A rules file that cannot be used: the message names the file, key, value and expectation."""


@dataclass(frozen=True, slots=True)
class TriggerRule:
    """The response one kind of trigger requires: any of ``responses`` within ``within_minutes``."""

    kind: str
    label: str
    responses: tuple[str, ...]
    within_minutes: float
    source: str


@dataclass(frozen=True, slots=True)
class SepsisRule:
    """When a trigger is suspected sepsis, and the minutes allowed for each response to it."""

    temperature_below: float
    temperature_above: float
    screen_within_minutes: float
    antibiotic_within_minutes: float
    senior_review_within_minutes: float
    source: str


@dataclass(frozen=True, slots=True)
class WeightRule:
    """The weight losses flagged (per cent of the first weight) and the review each requires."""

    loss_percent: tuple[float, ...]
    responses: tuple[str, ...]
    within_hours: float
    source: str


@dataclass(frozen=True, slots=True)
class WardcareRules:
    """Every rule of the audit, as a rules file gives it."""

    title: str
    path: str
    triggers: Mapping[str, TriggerRule]
    sepsis: SepsisRule
    weight: WeightRule

    def trigger(self, kind: str) -> TriggerRule:
        """The rule of one kind of trigger (one of :data:`TRIGGER_KINDS`)."""
        return self.triggers[kind]


@functools.cache
def default_rules() -> WardcareRules:
    """The shipped rules (``wardcare_rules.toml``), read and checked once."""
    return load_rules(_DEFAULT)


def load_rules(path: str | Path) -> WardcareRules:
    """Read and check a rules file; :class:`RulesError` names what is wrong and where."""
    file = str(path)
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except OSError as error:
        raise RulesError(f"{file}: cannot be read ({error.strerror or error})") from None
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"{file}: is not valid TOML ({error})") from None
    at = _At(file, "")
    _keys(data, ("title", "triggers", "sepsis", "weight"), at)
    triggers = _table(data, "triggers", at)
    _keys(triggers, TRIGGER_KINDS, at.key("triggers"), every=True)
    return WardcareRules(
        title=_text(data, "title", at),
        path=file,
        triggers={kind: _trigger(triggers, kind, at.key("triggers")) for kind in TRIGGER_KINDS},
        sepsis=_sepsis(_table(data, "sepsis", at), at.key("sepsis")),
        weight=_weight(_table(data, "weight", at), at.key("weight")),
    )


@dataclass(frozen=True, slots=True)
class _At:
    file: str
    path: str

    def key(self, name: str) -> _At:
        return _At(self.file, f"{self.path}.{name}" if self.path else name)

    def error(self, value: Any, expected: str) -> RulesError:
        where = self.path or "the top level"
        return RulesError(f"{self.file}: {where} is {value!r}; expected {expected}")


def _keys(table: Mapping[str, Any], allowed: tuple[str, ...], at: _At, every: bool = True) -> None:
    for key in table:
        if key not in allowed:
            raise at.key(key).error(
                table[key], f"no such key here (the keys are {', '.join(allowed)})"
            )
    if every:
        for key in allowed:
            if key not in table:
                raise at.key(key).error(None, "a value: the key is missing")


def _table(table: Mapping[str, Any], key: str, at: _At) -> Mapping[str, Any]:
    value = table.get(key)
    if not isinstance(value, dict):
        raise at.key(key).error(value, "a table")
    return value


def _text(table: Mapping[str, Any], key: str, at: _At) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise at.key(key).error(value, "a non-empty text")
    return value


def _number(table: Mapping[str, Any], key: str, at: _At, low: float, high: float) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise at.key(key).error(value, f"a number from {low:g} to {high:g}")
    if not low <= value <= high:
        raise at.key(key).error(value, f"a number from {low:g} to {high:g}")
    return float(value)


def _kinds(table: Mapping[str, Any], key: str, at: _At) -> tuple[str, ...]:
    value = table.get(key)
    expected = f"a non-empty list of response kinds from {', '.join(RESPONSE_KINDS)}"
    if not isinstance(value, list) or not value:
        raise at.key(key).error(value, expected)
    for item in value:
        if item not in RESPONSE_KINDS:
            raise at.key(key).error(item, expected)
    return tuple(value)


def _trigger(triggers: Mapping[str, Any], kind: str, at: _At) -> TriggerRule:
    entry = _table(triggers, kind, at)
    at = at.key(kind)
    _keys(entry, ("label", "responses", "within_minutes", "source"), at)
    return TriggerRule(
        kind=kind,
        label=_text(entry, "label", at),
        responses=_kinds(entry, "responses", at),
        within_minutes=_number(entry, "within_minutes", at, 1.0, 10_080.0),
        source=_text(entry, "source", at),
    )


def _sepsis(entry: Mapping[str, Any], at: _At) -> SepsisRule:
    names = (
        "temperature_below", "temperature_above", "screen_within_minutes",
        "antibiotic_within_minutes", "senior_review_within_minutes", "source",
    )  # fmt: skip
    _keys(entry, names, at)
    below = _number(entry, "temperature_below", at, 30.0, 40.0)
    above = _number(entry, "temperature_above", at, 34.0, 43.0)
    if above <= below:
        raise at.key("temperature_above").error(above, f"a temperature above {below:g}")
    return SepsisRule(
        temperature_below=below,
        temperature_above=above,
        screen_within_minutes=_number(entry, "screen_within_minutes", at, 1.0, 10_080.0),
        antibiotic_within_minutes=_number(entry, "antibiotic_within_minutes", at, 1.0, 10_080.0),
        senior_review_within_minutes=_number(
            entry, "senior_review_within_minutes", at, 1.0, 10_080.0
        ),
        source=_text(entry, "source", at),
    )


def _weight(entry: Mapping[str, Any], at: _At) -> WeightRule:
    _keys(entry, ("loss_percent", "responses", "within_hours", "source"), at)
    losses = entry.get("loss_percent")
    expected = "a non-empty list of increasing percentages, each above 0 and below 100"
    if not isinstance(losses, list) or not losses:
        raise at.key("loss_percent").error(losses, expected)
    for item in losses:
        if isinstance(item, bool) or not isinstance(item, int | float) or not 0 < item < 100:
            raise at.key("loss_percent").error(item, expected)
    if any(b <= a for a, b in itertools.pairwise(losses)):
        raise at.key("loss_percent").error(losses, expected)
    return WeightRule(
        loss_percent=tuple(float(item) for item in losses),
        responses=_kinds(entry, "responses", at),
        within_hours=_number(entry, "within_hours", at, 0.1, 720.0),
        source=_text(entry, "source", at),
    )
