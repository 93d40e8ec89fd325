"""A store with a trust, a site and a unit, and people holding roles in them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from episode_helpers import UNIT
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain import Organisation, Role
from caresignal.monitor.scan import Finding, ScanResult
from caresignal.store import repo, transaction
from caresignal.store.service import add_user, grant_role

#: Who holds which role where: a unit lead, a divisional director at the site, the executive
#: safety champion at the trust, and an analyst who may not act.
PEOPLE = {
    "lead": (Role.UNIT_LEAD, UNIT),
    "director": (Role.DIVISIONAL_DIRECTOR, "RZZ01"),
    "champion": (Role.EXECUTIVE_SAFETY_CHAMPION, "RZZ"),
    "analyst": (Role.QUALITY_ANALYST, "RZZ"),
}


@pytest.fixture
def people(sessions: sessionmaker[Session], clock: FixedClock) -> sessionmaker[Session]:
    """``sessions`` on a store holding the organisations and :data:`PEOPLE`."""
    with transaction(sessions) as session:
        for code, level, parent in (("RZZ", "trust", None), ("RZZ01", "site", "RZZ")):
            repo.put_organisation(session, _organisation(code, level, parent))
        repo.put_organisation(session, _organisation(UNIT, "unit", "RZZ01"))
    for name, (role, scope) in PEOPLE.items():
        add_user(sessions, name, f"{name}@nhs.net", actor="admin", clock=clock, reason="test")
        grant_role(sessions, name, role, scope, actor="admin", clock=clock, reason="test")
    return sessions


def _organisation(code: str, level: str, parent: str | None) -> Organisation:
    return Organisation(code, f"Org {code}", level, parent, None, None, "South East")


@pytest.fixture
def scan_result() -> Callable[..., ScanResult]:
    """A :class:`ScanResult` as of ``as_of`` holding the findings given."""

    def make(as_of: date, *findings: Finding) -> ScanResult:
        return ScanResult(as_of=as_of, findings=findings, indicators=(), skipped=())

    return make
