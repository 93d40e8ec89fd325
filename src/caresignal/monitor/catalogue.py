"""The indicator catalogue: which indicators caresignal watches, and how, as data.

Indicators live in TOML files, not in code. caresignal ships ``maternity.toml``,
``emergency.toml`` and ``wards.toml`` (in ``caresignal/monitor/catalogue/``); a user adds
indicators with files of their own (e.g. ``<data-dir>/catalogue/*.toml``) without touching code.
Every definition is checked when the file is loaded: table, columns of each SQL expression,
methods and their parameters, so that a typo is a clear error naming the file, the indicator, the
key and the value, never a crash halfway through a scan. ``docs/indicators.md`` describes the
format and every shipped indicator.

A user file may replace a shipped indicator (or one from an earlier user file) only by saying so:
``replaces = true`` on an indicator with the same ``id``. Any other repeated id is an error, and so
is ``replaces = true`` where there is nothing to replace.

>>> catalogue = load_catalogue()
>>> catalogue.get("moss_term_mortality").table
'births'
>>> catalogue.exposure_indicators()
('complaints',)
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from caresignal.monitor import _catalogue_fields as f
from caresignal.monitor._catalogue_fields import CatalogueError
from caresignal.monitor._catalogue_parse import read_indicator
from caresignal.monitor._catalogue_types import (
    Definition,
    FalseAlarmTargets,
    Indicator,
    MethodSpec,
    ParameterValue,
    ReferenceSpec,
    RiskModelSpec,
    Window,
)

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Definition",
    "FalseAlarmTargets",
    "Indicator",
    "MethodSpec",
    "ParameterValue",
    "ReferenceSpec",
    "RiskModelSpec",
    "Window",
    "load_catalogue",
    "shipped_files",
]


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The indicators, in the order their files list them (shipped files first).

    ``files`` are the files they were read from, in reading order.
    """

    indicators: tuple[Indicator, ...]
    files: tuple[str, ...] = ()
    _by_id: MappingProxyType[str, Indicator] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id = {indicator.id: indicator for indicator in self.indicators}
        if len(by_id) != len(self.indicators):
            raise ValueError("indicator ids must be unique")
        object.__setattr__(self, "_by_id", MappingProxyType(by_id))

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._by_id

    @property
    def ids(self) -> tuple[str, ...]:
        """Every indicator's id, in order."""
        return tuple(self._by_id)

    def get(self, indicator_id: str) -> Indicator:
        """The indicator called ``indicator_id`` (``KeyError`` naming the nearest id if none)."""
        try:
            return self._by_id[indicator_id]
        except KeyError:
            near = f.suggestion(indicator_id, self._by_id)
            raise KeyError(
                f"no indicator {indicator_id!r}" + (f"; {near}" if near else "")
            ) from None

    def for_table(self, table: str) -> tuple[Indicator, ...]:
        """The indicators read from input table ``table`` (e.g. ``"births"``)."""
        return tuple(indicator for indicator in self.indicators if indicator.table == table)

    def for_unit_type(self, unit_type: str) -> tuple[Indicator, ...]:
        """The indicators that apply to units of type ``unit_type`` (e.g. ``"paediatric_ward"``)."""
        return tuple(i for i in self.indicators if unit_type in i.unit_types)

    def exposure_indicators(self) -> tuple[str, ...]:
        """The ``counts`` indicator ids whose denominator is an exposure (bed days…), not cases.

        The importer needs them: for these a numerator may exceed its denominator. Each id is
        listed once, in catalogue order.
        """
        ids = (
            i.definition.counts_indicator
            for i in self.indicators
            if i.definition.counts_indicator is not None
            and i.definition.denominator_kind == "exposure"
        )
        return tuple(dict.fromkeys(ids))


def shipped_files() -> tuple[str, ...]:
    """The names of the catalogue files caresignal ships, in loading order."""
    folder = resources.files("caresignal.monitor").joinpath("catalogue")
    return tuple(sorted(item.name for item in folder.iterdir() if item.name.endswith(".toml")))


def load_catalogue(*paths: str | os.PathLike[str]) -> Catalogue:
    """The shipped indicators plus those in ``paths`` (directories of ``*.toml`` files, or files).

    Files are read in the order given, a directory's files in name order. A file's indicator
    with an id already loaded is an error unless it says ``replaces = true``; then it takes the
    earlier indicator's place.

    Raises
    ------
    CatalogueError
        A file is missing or not TOML, or an indicator is wrong: the error names the file, the
        indicator, the key and the value, and what was expected.
    """
    folder = resources.files("caresignal.monitor").joinpath("catalogue")
    sources: list[tuple[str, str]] = [
        (f"caresignal/monitor/catalogue/{name}", folder.joinpath(name).read_text("utf-8"))
        for name in shipped_files()
    ]
    for path in paths:
        sources.extend(_user_files(Path(path)))
    loaded: dict[str, Indicator] = {}
    for name, content in sources:
        for indicator in _read_file(name, content):
            _add(loaded, indicator)
    return Catalogue(tuple(loaded.values()), tuple(name for name, _ in sources))


def _user_files(path: Path) -> list[tuple[str, str]]:
    if path.is_dir():
        files = sorted(path.glob("*.toml"))
    elif path.is_file():
        files = [path]
    else:
        raise CatalogueError(
            f"{path}: no such file or directory", file=str(path), hint="check the path"
        )
    return [(str(file), file.read_text("utf-8")) for file in files]


def _read_file(name: str, content: str) -> tuple[Indicator, ...]:
    where = f.Where(name)
    try:
        document: dict[str, Any] = tomllib.loads(content)
    except tomllib.TOMLDecodeError as error:
        raise where.error("(the file)", f"a TOML file: {error}") from None
    f.check_keys(document, ("indicator",), where)
    entries = document.get("indicator", [])
    if not isinstance(entries, list):
        raise where.at("indicator").error(entries, "[[indicator]] tables")
    return tuple(
        read_indicator(entry, where.at(f"indicator[{i}]")) for i, entry in enumerate(entries)
    )


def _add(loaded: dict[str, Indicator], indicator: Indicator) -> None:
    where = f.Where(indicator.file, indicator.id, "replaces")
    earlier = loaded.get(indicator.id)
    if earlier is not None and not indicator.replaces:
        raise where.error(
            False,
            f"a new id: {indicator.id!r} is already defined in {earlier.file}",
            hint="choose another id, or say replaces = true to replace that indicator",
        )
    if earlier is None and indicator.replaces:
        raise where.error(True, f"false: there is no earlier indicator {indicator.id!r} to replace")
    loaded[indicator.id] = indicator
