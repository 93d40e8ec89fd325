"""Concerns for the tests, in the store of the ``people`` fixture (imported by name: pytest puts
this directory on the path)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from episode_helpers import UNIT
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain.concerns import ConcernChannel, ConcernContact
from caresignal.workflow import concerns


def on(day: date, hour: int = 10) -> FixedClock:
    """A clock stopped at ``hour`` o'clock (UTC) on ``day``."""
    return FixedClock(datetime(day.year, day.month, day.day, hour, 17, 41, tzinfo=UTC))


def raise_concern(
    sessions: sessionmaker[Session],
    day: date = date(2026, 11, 2),
    *,
    organisation: str = UNIT,
    text: str = "Nobody came when the alarm on my daughter's monitor kept going off.",
    anonymous: bool = False,
) -> concerns.Submitted:
    """A family's concern about the unit (or an anonymous staff concern), raised on ``day``."""
    if anonymous:
        return concerns.submit(
            sessions, organisation, ConcernChannel.STAFF, text, clock=on(day),
            relationship="staff", anonymous=True,
        )  # fmt: skip
    return concerns.submit(
        sessions, organisation, ConcernChannel.ONLINE, text, clock=on(day),
        happened_on=day, relationship="parent", contact_by="email",
        contact=ConcernContact("Sam Parent", "sam@example.org", None, None),
    )  # fmt: skip
