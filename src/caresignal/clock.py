"""The only source of "now" in caresignal.

Code that needs the date or time takes a :class:`Clock` (or the date itself) as an argument; the
command line passes :class:`SystemClock`, tests pass :class:`FixedClock`. Times are timezone-aware
UTC; dates are the date in England (Europe/London), the calendar statutory deadlines use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = ["ENGLAND", "Clock", "FixedClock", "SystemClock"]

ENGLAND = ZoneInfo("Europe/London")


class Clock(Protocol):
    """Something that tells the time."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    def today(self) -> date:
        """Today's date in England."""
        ...


class SystemClock:
    """The computer's clock."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)

    def today(self) -> date:
        """Today's date in England."""
        return self.now().astimezone(ENGLAND).date()


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock stopped at ``at`` (timezone-aware), for tests and reproducible runs.

    Examples
    --------
    >>> clock = FixedClock(datetime(2026, 3, 29, 23, 30, tzinfo=UTC))
    >>> clock.today().isoformat()  # British Summer Time has begun: already the 30th in England
    '2026-03-30'
    """

    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware time, e.g. tzinfo=datetime.UTC")

    def now(self) -> datetime:
        """The fixed time, in UTC."""
        return self.at.astimezone(UTC)

    def today(self) -> date:
        """The fixed time's date in England."""
        return self.at.astimezone(ENGLAND).date()
