"""Working days in England and Wales: Monday to Friday, except bank holidays.

Bank holidays come from the ``holidays`` package (``country_holidays("GB", subdiv="ENG")``:
England and Wales share their bank holidays), including substitute days when one falls at a
weekend, e.g. Monday 28 December 2026 for Boxing Day on a Saturday.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays

__all__ = ["add_working_days", "is_working_day", "working_days_between"]


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


def working_days_between(start: date, end: date) -> int:
    """How many working days after ``start`` ``end`` falls: positive when ``end`` is later, 0 on
    the same day, negative when ``end`` is earlier (a deadline already passed).

    Examples
    --------
    From Christmas Eve 2025 to the following Tuesday, and back:

    >>> working_days_between(date(2025, 12, 24), date(2025, 12, 30))
    2
    >>> working_days_between(date(2025, 12, 30), date(2025, 12, 24))
    -2
    """
    if end < start:
        return -working_days_between(end, start)
    return sum(is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))
