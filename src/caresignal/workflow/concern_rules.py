"""The rules of concerns: who may handle them, the moves between states, the statutory clocks,
and the checks on what people write (docs/concerns.md).

Pure functions and constants; the use cases in :mod:`caresignal.workflow.concerns` and
:mod:`caresignal.workflow.concerns_handling` apply them inside their transactions.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from caresignal.domain import Role
from caresignal.domain.concerns import HCAT, Concern, ConcernChannel, ConcernState, Severity
from caresignal.errors import CaresignalError
from caresignal.workflow.calendar import add_working_days

__all__ = [
    "ACKNOWLEDGE_DAYS",
    "CONCERN_ROLES",
    "CONTACT_BY",
    "EXPLANATION_MONTHS",
    "MAX_TEXT",
    "RELATIONSHIPS",
    "RESPONSE_DAYS",
    "ConcernRuleError",
    "ContactRuleError",
    "acknowledge_by",
    "add_months",
    "check_contact_route",
    "check_state",
    "check_text",
    "default_response_due",
    "explanation_due",
    "parse_channel",
    "parse_hcat",
    "parse_severity",
    "parse_state",
    "statutory_deadline",
]

#: The roles with concern access: they may read a concern's words and the person's details,
#: and handle it, in its organisation or below (the trust's patient-experience team works as
#: ``quality_analyst``). Board members and regulators see counts and themes, never the words.
CONCERN_ROLES = frozenset(
    {
        Role.QUALITY_ANALYST,
        Role.UNIT_LEAD,
        Role.DIVISIONAL_DIRECTOR,
        Role.EXECUTIVE_SAFETY_CHAMPION,
        Role.ADMINISTRATOR,
    }
)
#: Who is told at once that a concern has arrived (in its organisation or above).
TOLD_ON_ARRIVAL = (Role.QUALITY_ANALYST, Role.UNIT_LEAD)

#: Working days to acknowledge (NHS Complaints Regulations 2009, reg. 13(1)).
ACKNOWLEDGE_DAYS = 3
#: The default response period agreed with the person, in working days from acknowledgement.
RESPONSE_DAYS = 25
#: Calendar months after which the person must be told in writing why there is no response yet
#: (NHS Complaints Regulations 2009, reg. 14(2)).
EXPLANATION_MONTHS = 6
#: The most characters a concern, a message or a reply may hold.
MAX_TEXT = 10_000
#: The most characters of one contact detail.
MAX_CONTACT = 320

#: Who the person writing is to the patient.
RELATIONSHIPS = ("patient", "parent", "partner", "relative", "carer", "friend", "staff", "other")
#: How the person wants to be contacted; ``link`` means only through their private link.
CONTACT_BY = ("email", "phone", "letter", "link")


class ConcernRuleError(CaresignalError, ValueError):
    """A change to a concern that its rules do not allow."""


class ContactRuleError(ConcernRuleError):
    """The way a person chose to be contacted lacks the detail it needs; ``field`` names the
    detail (``email``, ``phone`` or ``address``), so that a form can show the error beside it."""

    def __init__(self, message: str, *, field: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


#: A plausible e-mail address: something, one @, a domain with a dot, no spaces.
EMAIL_SHAPE = re.compile(r"[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+")
#: What a telephone number may be written with: digits, spaces, brackets, dots and hyphens,
#: and a plus sign first.
PHONE_SIGNS = re.compile(r"\+?[\d\s().\-]+")
#: The digits of a telephone number: 10 or 11 in the UK (07700 900123), up to 15 abroad (ITU-T
#: E.164).
PHONE_DIGITS = (10, 15)
#: What the detail each route needs is called, and the field that holds it.
ROUTE_NEEDS = {
    "email": ("email", "an email address"),
    "phone": ("phone", "a phone number"),
    "letter": ("address", "a postal address"),
}


def acknowledge_by(received_on: date) -> date:
    """The last day to acknowledge a concern received on ``received_on``: 3 working days after.

    Examples
    --------
    Received on Thursday 24 December 2026: Christmas Day (Friday), the weekend, and Boxing
    Day's substitute bank holiday (Monday 28) do not count.

    >>> acknowledge_by(date(2026, 12, 24))
    datetime.date(2026, 12, 31)
    """
    return add_working_days(received_on, ACKNOWLEDGE_DAYS)


def default_response_due(acknowledged_on: date) -> date:
    """The response date when none is agreed: 25 working days after acknowledgement."""
    return add_working_days(acknowledged_on, RESPONSE_DAYS)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, or the month's last day if it is shorter.

    Examples
    --------
    >>> add_months(date(2026, 8, 31), 6)
    datetime.date(2027, 2, 28)
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def explanation_due(received_on: date) -> date:
    """The day by which the person must have a final response or a written explanation: six
    calendar months after the concern was received."""
    return add_months(received_on, EXPLANATION_MONTHS)


def statutory_deadline(concern: Concern) -> tuple[date, str] | None:
    """The concern's next statutory deadline and what is due by it, or None when nothing is
    owed (responded or closed)."""
    if concern.state is ConcernState.RECEIVED:
        return concern.acknowledge_by, "acknowledgement"
    if concern.state in (ConcernState.RESPONDED, ConcernState.CLOSED):
        return None
    due: list[tuple[date, str]] = []
    if concern.response_due is not None:
        due.append((concern.response_due, "final response"))
    if concern.explained_on is None and concern.responded_on is None:
        due.append((concern.explanation_due, "written explanation of the delay"))
    return min(due) if due else None


def check_state(concern: Concern, allowed: set[ConcernState], doing: str) -> None:
    """Refuse ``doing`` unless the concern is in one of ``allowed``."""
    if concern.state not in allowed:
        states = ", ".join(sorted(state.value for state in allowed))
        raise ConcernRuleError(
            f"concern {concern.reference} is {concern.state.value}: it cannot {doing}",
            hint=f"that needs a concern that is {states} "
            f"(see `caresignal concerns show {concern.id}`)",
        )


def check_text(text: str, what: str, hint: str, limit: int = MAX_TEXT) -> str:
    """``text`` stripped; refused when empty or longer than ``limit`` characters."""
    kept = text.strip()
    if not kept:
        raise ConcernRuleError(f"{what} is empty", hint=hint)
    if len(kept) > limit:
        raise ConcernRuleError(
            f"{what} is {len(kept):,} characters long; at most {limit:,} are kept",
            hint="shorten it, or send the rest as a further message",
        )
    return kept


def check_contact_route(
    contact_by: str, email: str | None, phone: str | None, address: str | None
) -> None:
    """Refuse a contact route without the detail it needs: by e-mail, an address of a plausible
    shape (``name@example.org``); by phone, a number of 10 to 15 digits; by letter, a postal
    address of two words or more. Contact only through the private link needs nothing."""
    if contact_by not in ROUTE_NEEDS:
        return
    field, needed = ROUTE_NEEDS[contact_by]
    given = {"email": email, "phone": phone, "address": address}[field]
    value = (given or "").strip()
    if not value:
        raise ContactRuleError(
            f"you chose to be contacted by {contact_by}, but gave no {needed.split(' ', 1)[1]}",
            field=field, hint=f"give {needed}, or choose another way to be contacted",
        )  # fmt: skip
    if not _plausible(field, value):
        raise ContactRuleError(f"{value!r} does not look like {needed}", field=field,
                               hint=_HINTS[field])  # fmt: skip


_HINTS = {
    "email": "write it as name@example.org",
    "phone": "write it with its area code, as 01632 960001 or 07700 900123",
    "address": "write the house, the street, the town and the postcode",
}


def _plausible(field: str, value: str) -> bool:
    if field == "email":
        return EMAIL_SHAPE.fullmatch(value) is not None
    if field == "phone":
        digits = sum(c.isdigit() for c in value)
        low, high = PHONE_DIGITS
        return PHONE_SIGNS.fullmatch(value) is not None and low <= digits <= high
    return any(c.isalpha() for c in value) and len(value.split()) >= 2


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    """``value`` if it is one of ``allowed``; refused naming them otherwise."""
    cleaned = value.strip().lower().replace("-", "_").replace(" ", "_")
    if cleaned not in allowed:
        raise ConcernRuleError(
            f"{what} {value!r} is not one of the choices",
            hint=f"choose one of: {', '.join(allowed)}",
        )
    return cleaned


def parse_channel(text: str) -> ConcernChannel:
    """The channel named ``text``."""
    return ConcernChannel(check_choice(text, tuple(ConcernChannel), "the channel"))


def parse_state(text: str) -> ConcernState:
    """The state named ``text``."""
    return ConcernState(check_choice(text, tuple(ConcernState), "the state"))


def parse_severity(text: str) -> Severity:
    """The HCAT severity named ``text``."""
    return Severity(check_choice(text, tuple(Severity), "the severity"))


def parse_hcat(category: str) -> tuple[str, str]:
    """The HCAT (domain, category) of ``category``."""
    categories = tuple(name for names in HCAT.values() for name in names)
    chosen = check_choice(category, categories, "the HCAT category")
    domain = next(domain for domain, names in HCAT.items() if chosen in names)
    return domain, chosen
