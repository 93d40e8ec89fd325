"""An in-memory cache of threshold designs, serialisable to JSON (private; see
:mod:`caresignal.monitor.thresholds`)."""

from __future__ import annotations

import json
from typing import Any

from caresignal.stats.design import Solved

#: Version of the JSON layout written by :meth:`ThresholdCache.to_json`.
CACHE_FORMAT = 1

Key = tuple[Any, ...]


def _as_tuple(value: Any) -> Any:
    """Lists read back from JSON become tuples again, so keys hash as they did."""
    if not isinstance(value, list):
        return value
    return tuple(_as_tuple(item) if isinstance(item, list) else item for item in value)


class ThresholdCache:
    """Threshold searches already done, keyed by (chart, case mix, ratio, ARL₀ targets).

    A design depends only on its key, so a hit returns exactly what the search would. The cache
    holds no global state: a scan creates one (or reads it back from JSON in its data directory)
    and passes it to each design call. ``hits`` and ``misses`` count lookups.

    Examples
    --------
    >>> from caresignal.monitor.thresholds import ThresholdCache, design_bernoulli
    >>> cache = ThresholdCache()
    >>> first = design_bernoulli(0.004, cases_per_year=3000, cache=cache)
    >>> again = design_bernoulli(0.004, cases_per_year=3000, cache=cache)
    >>> first == again, cache.hits, cache.misses
    (True, 1, 1)
    >>> ThresholdCache.from_json(cache.to_json()).get(next(iter(cache.keys()))) is not None
    True
    """

    def __init__(self) -> None:
        self._entries: dict[Key, tuple[Solved, ...]] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is held (not counted as a hit or a miss)."""
        return key in self._entries

    def keys(self) -> list[Key]:
        """The keys held, in insertion order."""
        return list(self._entries)

    def get(self, key: Key) -> tuple[Solved, ...] | None:
        """The thresholds stored under ``key``, or None (counting a hit or a miss)."""
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: Key, levels: tuple[Solved, ...]) -> None:
        """Store the thresholds found for ``key``."""
        self._entries[key] = levels

    def to_json(self) -> str:
        """The cache as JSON text (floats written exactly), for a later scan to read back."""
        entries = [
            {"key": key, "levels": [[level.h, level.arl] for level in levels]}
            for key, levels in self._entries.items()
        ]
        return json.dumps({"format": CACHE_FORMAT, "entries": entries})

    @classmethod
    def from_json(cls, text: str) -> ThresholdCache:
        """Read a cache written by :meth:`to_json`; a ValueError names ``text`` if it is not one."""
        try:
            data = json.loads(text)
            if data["format"] != CACHE_FORMAT:
                raise ValueError(f"format {data['format']!r}")
            cache = cls()
            for entry in data["entries"]:
                levels = tuple(Solved(float(h), float(arl)) for h, arl in entry["levels"])
                cache.put(_as_tuple(entry["key"]), levels)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"text is not a threshold cache of format {CACHE_FORMAT}: {exc}"
            ) from exc
        return cache
