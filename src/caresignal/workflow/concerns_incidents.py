"""The rules of the patient-safety incidents linked to a concern (docs/concerns.md, "Linked
incidents"): what an incident's reference may look like, and how many a concern may hold.

caresignal does not keep the incidents themselves: they live in the trust's incident system
(the Learn from Patient Safety Events service, LFPSE, or a local risk system such as Datix),
and a concern keeps only their references, so that whoever handles the concern can find them.
The use cases that link and unlink them are in :mod:`caresignal.workflow.concerns_handling`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from caresignal.workflow.concern_rules import ConcernRuleError

__all__ = [
    "MAX_INCIDENTS",
    "MAX_REFERENCE",
    "check_incident_reference",
    "check_incident_references",
]

#: The longest reference of an incident kept, in characters.
MAX_REFERENCE = 40
#: The most incidents one concern may be linked to.
MAX_INCIDENTS = 20
#: A reference: ASCII letters and digits, with '-' and '/' between them, starting with a letter
#: or a digit (``W12345``, ``LFPSE-2026-001234``, ``DW/2026/0042``).
REFERENCE_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/\-]*")
EXPECTED = (
    f"write it as the incident system shows it: up to {MAX_REFERENCE} letters, digits, '-' and "
    "'/', starting with a letter or a digit, such as W12345 or DW/2026/0042"
)


def check_incident_reference(reference: str) -> str:
    """``reference`` without the spaces around it; refused, naming it, unless it is a short code
    of letters, digits, '-' and '/' (at most :data:`MAX_REFERENCE` characters).

    Examples
    --------
    >>> check_incident_reference(" DW/2026/0042 ")
    'DW/2026/0042'
    """
    kept = reference.strip()
    if not kept:
        raise ConcernRuleError("the incident reference is empty", hint=EXPECTED)
    if len(kept) > MAX_REFERENCE:
        raise ConcernRuleError(
            f"the incident reference {kept[:60]!r}{'...' if len(kept) > 60 else ''} is "
            f"{len(kept)} characters long; at most {MAX_REFERENCE} are kept",
            hint=EXPECTED,
        )
    if REFERENCE_SHAPE.fullmatch(kept) is None:
        raise ConcernRuleError(
            f"the incident reference {kept!r} is not a reference of an incident system",
            hint=EXPECTED,
        )
    return kept


def check_incident_references(references: Iterable[str]) -> tuple[str, ...]:
    """Each reference checked, once each, in the order given; refused beyond
    :data:`MAX_INCIDENTS`."""
    kept = tuple(dict.fromkeys(check_incident_reference(r) for r in references))
    if len(kept) > MAX_INCIDENTS:
        raise ConcernRuleError(
            f"{len(kept)} incidents are given; a concern is linked to at most {MAX_INCIDENTS}",
            hint="link the incidents the concern is about, not every incident of the unit",
        )
    return kept
