"""Reading one catalogue file's values, with errors that name the file, indicator, key and value.

Every reader takes a :class:`Where` (file, indicator id, key path) so that a mistake reads as
``maternity.toml: indicator 'moss_term_mortality': key 'methods[0].odds_ratio': value 0: expected
a number above 0`` and, for a misspelt key, suggests the nearest one.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from caresignal.errors import CaresignalError

__all__ = ["CatalogueError", "Where"]


class CatalogueError(CaresignalError, ValueError):
    """An indicator catalogue file is wrong; nothing was loaded.

    ``file``, ``indicator`` and ``key`` say where (``None`` when they do not apply), ``value``
    what was found; the message says what was expected and ``hint`` what to try.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str,
        indicator: str | None = None,
        key: str | None = None,
        value: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.file = file
        self.indicator = indicator
        self.key = key
        self.value = value


@dataclass(frozen=True, slots=True)
class Where:
    """A place in a catalogue file: the file, the indicator's id and the key being read."""

    file: str
    indicator: str | None = None
    key: str | None = None

    def at(self, key: str) -> Where:
        """The place of ``key`` inside this one (``methods[0]`` then ``odds_ratio``…)."""
        joiner = "" if key.startswith("[") else "."
        full = key if self.key is None else f"{self.key}{joiner}{key}"
        return Where(self.file, self.indicator, full)

    def error(self, value: Any, expected: str, *, hint: str | None = None) -> CatalogueError:
        """A :class:`CatalogueError` for ``value`` found here where ``expected`` was wanted."""
        parts = [self.file]
        if self.indicator is not None:
            parts.append(f"indicator {self.indicator!r}")
        if self.key is not None:
            parts.append(f"key {self.key!r}")
        parts.append(f"value {value!r}: expected {expected}")
        return CatalogueError(
            ": ".join(parts),
            file=self.file,
            indicator=self.indicator,
            key=self.key,
            value=value,
            hint=hint,
        )


def suggestion(name: str, choices: Collection[str]) -> str | None:
    """``"did you mean 'x'?"`` for the choice nearest ``name``, or ``None`` if none is near."""
    near = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"did you mean {near[0]!r}?" if near else None


def check_keys(table: Mapping[str, Any], allowed: Collection[str], where: Where) -> None:
    """Refuse any key of ``table`` not in ``allowed``, suggesting the nearest allowed key."""
    for key in table:
        if key not in allowed:
            raise where.at(key).error(
                table[key],
                f"one of the keys {', '.join(sorted(allowed))}",
                hint=suggestion(key, allowed) or "remove the key or check its spelling",
            )


def required(table: Mapping[str, Any], key: str, where: Where) -> Any:
    """``table[key]``, or an error saying the key is missing."""
    if key not in table:
        raise where.at(key).error(None, "a value: this key is required")
    return table[key]


def text(value: Any, where: Where, allowed: Collection[str] | None = None) -> str:
    """A non-empty string, one of ``allowed`` if given (suggesting the nearest otherwise)."""
    if not isinstance(value, str) or not value.strip():
        raise where.error(value, "a non-empty string")
    if allowed is not None and value not in allowed:
        raise where.error(
            value, f"one of {', '.join(map(repr, allowed))}", hint=suggestion(value, allowed)
        )
    return value


def optional_text(value: Any, where: Where) -> str | None:
    """``None`` or a non-empty string."""
    return None if value is None else text(value, where)


def texts(value: Any, where: Where, allowed: Collection[str] | None = None) -> tuple[str, ...]:
    """A list of strings (each one of ``allowed`` if given), as a tuple."""
    if not isinstance(value, list):
        raise where.error(value, "a list of strings")
    return tuple(text(item, where.at(f"[{i}]"), allowed) for i, item in enumerate(value))


def number(
    value: Any,
    where: Where,
    *,
    above: float | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    below: float | None = None,
) -> float:
    """A finite number (int or float; not a bool) within the given bounds."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value == value
    checks = (
        (above, "above", ok and (above is None or value > above)),
        (minimum, "at least", ok and (minimum is None or value >= minimum)),
        (maximum, "at most", ok and (maximum is None or value <= maximum)),
        (below, "below", ok and (below is None or value < below)),
    )
    words = [f"{word} {bound:g}" for bound, word, _ in checks if bound is not None]
    if not all(passed for _, _, passed in checks):
        raise where.error(value, "a number" + (f" {' and '.join(words)}" if words else ""))
    return float(value)


def whole(value: Any, where: Where, *, minimum: int, maximum: int) -> int:
    """A whole number from ``minimum`` to ``maximum``."""
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise where.error(value, f"a whole number from {minimum} to {maximum}")
    return value


def flag(value: Any, where: Where) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        raise where.error(value, "true or false")
    return value


def day(value: Any, where: Where) -> dt.date:
    """A date, written as a TOML date (``2016-01-01``) or an ISO string."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise where.error(value, "a date such as 2016-01-01")


def table(value: Any, where: Where) -> Mapping[str, Any]:
    """A TOML table."""
    if not isinstance(value, Mapping):
        raise where.error(value, "a table (key = value pairs)")
    return value
