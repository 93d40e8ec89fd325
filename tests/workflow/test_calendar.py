"""Working days in England and Wales, against the published bank holidays.

Source: https://www.gov.uk/bank-holidays (England and Wales). 2025: Good Friday 18 April, Easter
Monday 21 April, Christmas Day Thursday 25 December, Boxing Day Friday 26 December. 2026: Christmas
Day Friday 25 December, Boxing Day (substitute day) Monday 28 December.
"""

from __future__ import annotations

from datetime import date

import pytest

from caresignal.workflow.calendar import add_working_days, is_working_day


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2025, 12, 24), 2, date(2025, 12, 30)),  # over Christmas, Boxing Day and a weekend
        (date(2025, 4, 17), 1, date(2025, 4, 22)),  # over Good Friday, a weekend, Easter Monday
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # Boxing Day's substitute Monday 28th
        (date(2026, 11, 20), 1, date(2026, 11, 23)),  # Friday to Monday
        (date(2026, 11, 23), 8, date(2026, 12, 3)),  # MOSS's 8 working days from a Monday
        (date(2026, 11, 21), 0, date(2026, 11, 21)),
    ],
)
def test_add_working_days_skips_weekends_and_bank_holidays(
    start: date, n: int, expected: date
) -> None:
    assert add_working_days(start, n) == expected


def test_bank_holidays_and_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2025, 4, 18))
    assert not is_working_day(date(2026, 12, 28))
    assert not is_working_day(date(2026, 11, 22))  # a Sunday
    assert is_working_day(date(2026, 12, 24))


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="n must be 0 or more"):
        add_working_days(date(2026, 1, 5), -1)
