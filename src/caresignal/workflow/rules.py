"""The accountability rules as data: the escalation ladder and the deadlines of signal episodes
(``rules.toml`` beside this module, or a file of the user's own named by
``CARESIGNAL_WORKFLOW_RULES``; docs/accountability.md).

A rules file is checked as a whole when it is loaded: a wrong role, state, number or key is
refused with the file, the entry and what was expected, before anything uses it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from caresignal.domain import Role
from caresignal.domain.episodes import EpisodeState
from caresignal.errors import CaresignalError
from caresignal.monitor._scan_types import LEVELS

__all__ = ["DEFAULT_RULES", "DeadlineRule", "Rules", "RulesError", "Rung", "load_rules"]

#: The states a deadline can be set for, in the order an episode reaches them.
DEADLINE_STATES = (
    EpisodeState.ACKNOWLEDGED,
    EpisodeState.UNDER_REVIEW,
    EpisodeState.ACTION_PLANNED,
)


class RulesError(CaresignalError, ValueError):
    """A rules file that cannot be used as it is."""


@dataclass(frozen=True, slots=True)
class Rung:
    """One rung of the escalation ladder: who owns an item here, who is told when it arrives,
    and how many working days they have before it climbs again."""

    role: Role
    notify: tuple[Role, ...]
    days: int


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """Working days from opening to each state, for the episodes of ``indicator`` and ``level``
    (``None`` matches any)."""

    indicator: str | None
    level: str | None
    days: Mapping[EpisodeState, int]

    def specificity(self) -> int:
        """How specific the rule is: 0 for the default, 1 for a level, 2 for an indicator, 3 for
        both (a more specific rule overrides a less specific one)."""
        return (2 if self.indicator is not None else 0) + (1 if self.level is not None else 0)


@dataclass(frozen=True, slots=True)
class Rules:
    """The ladder, the rung where red signals start, and the deadline rules."""

    ladder: tuple[Rung, ...]
    red_rung: int
    deadline_rules: tuple[DeadlineRule, ...]
    #: Minutes within which a Martha's Rule review must begin, by default and per site code.
    urgent_minutes: int = 30
    urgent_sites: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def urgent_limit(self, site: str) -> int:
        """Minutes within which an urgent review at ``site`` must begin."""
        return self.urgent_sites.get(site, self.urgent_minutes)

    def rung_of(self, role: Role) -> int:
        """The position of ``role`` on the ladder (0 is the lowest)."""
        for index, rung in enumerate(self.ladder):
            if rung.role is role:
                return index
        raise RulesError(f"the role {role.value} is not on the escalation ladder")

    @property
    def top(self) -> int:
        """The highest rung."""
        return len(self.ladder) - 1

    def deadlines(self, indicator: str, level: str) -> Mapping[EpisodeState, int]:
        """The working days to each state for an episode of ``indicator`` at ``level``: the
        default, overridden by each matching rule from the least to the most specific."""
        days: dict[EpisodeState, int] = {}
        matching = [
            rule
            for rule in self.deadline_rules
            if rule.indicator in (None, indicator) and rule.level in (None, level)
        ]
        for rule in sorted(matching, key=DeadlineRule.specificity):
            days.update(rule.days)
        return MappingProxyType(days)


def load_rules(path: Path | None = None) -> Rules:
    """The rules in ``path``, or the shipped ``rules.toml`` when ``path`` is None."""
    if path is None:
        name = "the shipped rules.toml"
        text = resources.files("caresignal.workflow").joinpath("rules.toml").read_text("utf-8")
    else:
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise RulesError(
                f"cannot read the rules file {path}: {error.strerror}",
                hint="CARESIGNAL_WORKFLOW_RULES must name a readable TOML file",
            ) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"{name} is not valid TOML: {error}") from None
    return _parse(document, name)


def _parse(document: dict[str, Any], name: str) -> Rules:
    _keys(document, {"rung", "red", "deadlines", "urgent_review"}, name, "the file")
    rungs = document.get("rung")
    if not isinstance(rungs, list) or not rungs:
        raise RulesError(f"{name} has no [[rung]] entries", hint="list the ladder, lowest first")
    ladder = tuple(_rung(entry, name, index) for index, entry in enumerate(rungs, start=1))
    roles = [rung.role for rung in ladder]
    if len(set(roles)) != len(roles):
        raise RulesError(f"{name}: a role appears on the ladder twice", hint=", ".join(roles))
    rules = Rules(ladder, 0, ())
    red = document.get("red", {})
    _keys(red, {"starts_at"}, name, "[red]")
    red_role = _role(red.get("starts_at", ladder[0].role), name, "[red] starts_at")
    if red_role not in roles:
        raise RulesError(
            f"{name}: [red] starts_at is {red_role.value}, which is not on the ladder",
            hint=f"choose one of the [[rung]] roles: {', '.join(role.value for role in roles)}",
        )
    red_rung = rules.rung_of(red_role)
    entries = document.get("deadlines")
    if not isinstance(entries, list) or not entries:
        raise RulesError(f"{name} has no [[deadlines]] entries", hint="give at least the default")
    deadline_rules = tuple(_deadline(e, name, i) for i, e in enumerate(entries, start=1))
    if deadline_rules[0].indicator is not None or deadline_rules[0].level is not None:
        raise RulesError(
            f"{name}: the first [[deadlines]] entry must be the default",
            hint="give it neither an indicator nor a level",
        )
    minutes, sites = _urgent(document.get("urgent_review", {}), name)
    return Rules(ladder, red_rung, deadline_rules, minutes, sites)


def _urgent(table: Any, name: str) -> tuple[int, Mapping[str, int]]:
    """The ``[urgent_review]`` table: ``minutes`` (default 30) and ``sites``, minutes by site."""
    _keys(table, {"minutes", "sites"}, name, "[urgent_review]")
    minutes = _minutes(table.get("minutes", 30), name, "[urgent_review] minutes")
    sites = table.get("sites", {})
    if not isinstance(sites, dict):
        raise RulesError(f"{name}: [urgent_review.sites] must be a table of site = minutes")
    found = {
        str(site): _minutes(value, name, f"[urgent_review.sites] {site}")
        for site, value in sites.items()
    }
    return minutes, MappingProxyType(found)


def _minutes(value: Any, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 24 * 60:
        raise RulesError(
            f"{name}: {where} is {value!r}; expected a whole number of minutes, 1 to 1440"
        )
    return value


def _keys(table: Any, allowed: set[str], name: str, where: str) -> None:
    if not isinstance(table, dict):
        raise RulesError(f"{name}: {where} must be a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise RulesError(
            f"{name}: {where} has unknown key {unknown[0]!r}",
            hint=f"allowed keys: {', '.join(sorted(allowed))}",
        )


def _role(value: Any, name: str, where: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise RulesError(
            f"{name}: {where} is {value!r}, not a role",
            hint=f"choose one of: {', '.join(role.value for role in Role)}",
        ) from None


def _days(value: Any, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RulesError(f"{name}: {where} is {value!r}; expected a whole number of days, ≥ 1")
    return value


def _rung(entry: Any, name: str, index: int) -> Rung:
    where = f"[[rung]] number {index}"
    _keys(entry, {"role", "notify", "days"}, name, where)
    notify = entry.get("notify", [entry.get("role")])
    if not isinstance(notify, list):
        raise RulesError(f"{name}: {where} notify must be a list of roles")
    return Rung(
        role=_role(entry.get("role"), name, f"{where} role"),
        notify=tuple(_role(role, name, f"{where} notify") for role in notify),
        days=_days(entry.get("days"), name, f"{where} days"),
    )


def _deadline(entry: Any, name: str, index: int) -> DeadlineRule:
    where = f"[[deadlines]] number {index}"
    states = {state.value for state in DEADLINE_STATES}
    _keys(entry, {"indicator", "level", *states}, name, where)
    level = entry.get("level")
    if level is not None and level not in LEVELS:
        raise RulesError(
            f"{name}: {where} level is {level!r}", hint=f"choose one of: {', '.join(LEVELS)}"
        )
    days = {
        EpisodeState(key): _days(value, name, f"{where} {key}")
        for key, value in entry.items()
        if key in states
    }
    return DeadlineRule(entry.get("indicator"), level, MappingProxyType(days))


#: The shipped rules (``rules.toml``).
DEFAULT_RULES = load_rules()
