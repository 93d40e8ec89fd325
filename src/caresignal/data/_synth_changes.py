"""Synthetic data, part 2: changes over time and the injected problems they make.

A :class:`Change` holds a value before a start date, moves in a straight line to its value after
at an end date and stays there (an end equal to the start is a step). Odds ratios move in a straight
line on the log scale (a steady rise of the log-odds); proportions and ratios on their own scale.
A :class:`Problem` is one injected problem: where, which indicators change and how, and what a good
monitoring system should find. Both turn into JSON for ``truth.json`` and back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from caresignal.data._synth_scales import epoch_days

__all__ = ["Change", "ChangeScale", "Problem"]

ChangeScale = Literal["odds_ratio", "proportion", "ratio"]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Change:
    """A value that moves from ``before`` to ``after`` between ``start`` and ``end``."""

    start: date
    end: date
    before: float
    after: float
    scale: ChangeScale

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a change must end on or after its start, not {self.end}")

    def at(self, days: NDArray[np.int64]) -> FloatArray:
        """The value on each day (days since 1970-01-01)."""
        start, end = (int(epoch_days(day)[0]) for day in (self.start, self.end))
        if end == start:
            progress = (days >= start).astype(np.float64)
        else:
            progress = np.clip((days - start) / (end - start), 0.0, 1.0)
        if self.scale == "odds_ratio":
            low, high = np.log(self.before), np.log(self.after)
            return np.asarray(np.exp(low + (high - low) * progress), dtype=np.float64)
        return np.asarray(self.before + (self.after - self.before) * progress, dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON-ready values."""
        return {
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            "before": self.before,
            "after": self.after,
            "scale": self.scale,
            "shape": "step" if self.start == self.end else "linear",
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Change:
        """The change that :meth:`to_dict` wrote."""
        return cls(
            start=date.fromisoformat(values["start_date"]),
            end=date.fromisoformat(values["end_date"]),
            before=float(values["before"]),
            after=float(values["after"]),
            scale=values["scale"],
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """One injected problem.

    Attributes
    ----------
    id : str
        ``slow_decline``, ``sudden_failure``, ``hard_case_mix``, ``recovery`` or
        ``ward_decline``.
    description : str
        What happens, in words.
    trust_code, site_code, unit_code : str
        Where it happens (the site is the one births are recorded against).
    start : date
        When it starts (the first day of the data for the hard case mix, present throughout).
    indicators : tuple of str
        The indicators it concerns.
    changes : mapping of indicator to Change
        How each changing indicator changes (empty for the hard-case-mix site, whose care is
        ordinary: its case mix is what differs).
    expected_finding : str
        What a good monitoring system should report.
    details : mapping
        Anything else the truth needs (JSON-ready), e.g. the hard-case-mix site's case mix.
    """

    id: str
    description: str
    trust_code: str
    site_code: str
    unit_code: str
    start: date
    indicators: tuple[str, ...]
    changes: Mapping[str, Change]
    expected_finding: str
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def shape(self) -> str:
        """``step``, ``linear`` (the shape of its changes) or ``none`` (no change over time)."""
        shapes = {change.to_dict()["shape"] for change in self.changes.values()}
        return "none" if not shapes else shapes.pop() if len(shapes) == 1 else "mixed"

    def to_dict(self) -> dict[str, Any]:
        """The problem as JSON-ready values, as ``truth.json`` records it."""
        return {
            "id": self.id,
            "description": self.description,
            "trust_code": self.trust_code,
            "site_code": self.site_code,
            "unit_code": self.unit_code,
            "start_date": self.start.isoformat(),
            "indicators": list(self.indicators),
            "shape": self.shape,
            "changes": {name: change.to_dict() for name, change in self.changes.items()},
            "expected_finding": self.expected_finding,
            **dict(self.details),
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Problem:
        """The problem that :meth:`to_dict` wrote."""
        own = ("id", "description", "trust_code", "site_code", "unit_code", "expected_finding")
        derived = {*own, "start_date", "indicators", "shape", "changes"}
        return cls(
            **{name: values[name] for name in own},
            start=date.fromisoformat(values["start_date"]),
            indicators=tuple(values["indicators"]),
            changes={name: Change.from_dict(c) for name, c in values["changes"].items()},
            details=MappingProxyType({k: v for k, v in values.items() if k not in derived}),
        )
