"""Working days in England and Wales: Monday to Friday, except bank holidays.

Bank holidays come from the ``holidays`` package (``country_holidays("GB", subdiv="ENG")``:
England and Wales share their bank holidays), including substitute days when one falls at a
weekend, e.g. Monday 28 December 2026 for Boxing Day on a Saturday.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays

__all__ = ["add_working_days", "is_working_day"]


@functools.cache
def _bank_holidays() -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG")


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day: a weekday that is not a bank holiday in England.

    Examples
    --------
    >>> is_working_day(date(2025, 12, 25)), is_working_day(date(2025, 12, 29))
    (False, True)
    """
    return day.weekday() < 5 and day not in _bank_holidays()


def add_working_days(day: date, n: int) -> date:
    """The day ``n`` working days after ``day`` (``day`` itself is not counted; ``n >= 0``).

    Examples
    --------
    Two working days after Christmas Eve 2025 (Christmas and Boxing Day, then a weekend):

    >>> add_working_days(date(2025, 12, 24), 2)
    datetime.date(2025, 12, 30)
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more working days, got {n}")
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day
