"""Sign-ins for exploring the demo in the web app: one person for each role, in one trust.

``caresignal demo --serve`` (what ``make run`` runs) calls :func:`demo_logins` after the demo's
history is in the store. It picks, for the trust whose board was shown the most problems, the
people of its escalation ladder that the history created (the unit lead with the most open
signals, the divisional director of that unit's site, the trust's executive safety champion and
board member, and the regulator of its region), adds a quality analyst and an administrator of
the trust, and the outreach team and on-call senior of its busiest site (who answer Martha's
Rule calls), if they are missing, and gives each a new random password. Nothing has a password that
anyone could know before the command printed it: every run sets new ones, and the old ones stop
working. Each change is written with its audit entry by the store's use cases.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain import Role
from caresignal.errors import CaresignalError
from caresignal.store import episodes as episode_repo
from caresignal.store import repo
from caresignal.store.service import add_user, grant_role, set_password

__all__ = ["DemoLogin", "demo_logins"]

ACTOR = "caresignal-demo"
REASON = "demo sign-in for exploring the web app"

#: Where each role starts, and what it is there to look at.
STARTS: dict[Role, tuple[str, str]] = {
    Role.UNIT_LEAD: ("/inbox", "the signals of one maternity unit, overdue first"),
    Role.DIVISIONAL_DIRECTOR: ("/inbox", "what the unit leads missed, and the actions to verify"),
    Role.EXECUTIVE_SAFETY_CHAMPION: ("/inbox", "red signals and everything escalated to the trust"),
    Role.BOARD_MEMBER: ("/boards", "the board's agenda, its meetings and what it decided"),
    Role.REGULATOR: ("/boards", "every trust of the region and what each board was shown"),
    Role.QUALITY_ANALYST: ("/signals", "every signal of the trust and the audit trail"),
    Role.ADMINISTRATOR: ("/audit", "the audit chain, users and roles"),
    Role.OUTREACH_TEAM: ("/urgent-reviews", "Martha's Rule calls at one site, to begin and close"),
    Role.ON_CALL_SENIOR: ("/urgent-reviews", "Martha's Rule calls not begun in time"),
}


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """One person to sign in as: their role, where it is held, and a password for this run."""

    role: Role
    user: str
    scope: str
    password: str
    start: str
    what: str


def demo_logins(
    sessions: sessionmaker[Session], trust: str, *, clock: Clock
) -> tuple[DemoLogin, ...]:
    """One sign-in for each role within ``trust`` (see the module's description)."""
    with sessions() as session:
        organisation = repo.find_organisation(session, trust)
        if organisation is None or organisation.level != "trust":
            raise CaresignalError(
                f"the demo's store has no trust called {trust!r}",
                hint="run `caresignal demo` first: it loads the demo's history",
            )
        people = _ladder(session, trust, organisation.region)
    for role, name in ((Role.QUALITY_ANALYST, "demo.analyst"), (Role.ADMINISTRATOR, "demo.admin")):
        if role not in people:
            _ensure(sessions, name, role, trust, clock)
            people[role] = (name, trust)
    site = _busiest_site(sessions, trust)
    for role, name in ((Role.OUTREACH_TEAM, "demo.outreach"), (Role.ON_CALL_SENIOR, "demo.oncall")):
        if role not in people and site is not None:
            _ensure(sessions, name, role, site, clock)
            people[role] = (name, site)
    logins = []
    for role in STARTS:
        if role not in people:
            continue
        name, scope = people[role]
        password = secrets.token_urlsafe(12)
        set_password(sessions, name, password, actor=ACTOR, clock=clock, reason=REASON)
        start, what = STARTS[role]
        logins.append(DemoLogin(role, name, scope, password, start, what))
    return tuple(logins)


def _ladder(session: Session, trust: str, region: str | None) -> dict[Role, tuple[str, str]]:
    """The people of the trust's ladder, each as (user name, scope)."""
    found: dict[Role, tuple[str, str]] = {}
    busiest = _busiest_units(session, trust)
    for role in STARTS:
        holders = [
            (user.name, grant.organisation_code or grant.region or "")
            for user, grant in repo.grants_with_users(session, role)
            if _within(session, grant.organisation_code, grant.region, trust, region)
        ]
        if holders:
            found[role] = max(holders, key=lambda each: (busiest.get(each[1], 0), each))
    return found


def _within(
    session: Session, code: str | None, region: str | None, trust: str, trust_region: str | None
) -> bool:
    if code is None:
        return region is not None and region == trust_region
    return trust in (each for each, _ in repo.chain(session, code))


def _busiest_units(session: Session, trust: str) -> Counter[str]:
    """Open signals per organisation of the trust, counted at each level above their unit."""
    counts: Counter[str] = Counter()
    for episode in episode_repo.episodes(session, None):
        if episode.closed_on is not None:
            continue
        codes = [each for each, _ in repo.chain(session, episode.unit)]
        if trust in codes:
            counts.update(codes)
    return counts


def _busiest_site(sessions: sessionmaker[Session], trust: str) -> str | None:
    """The trust's site with the most open signals (the first by code when none has any)."""
    with sessions() as session:
        sites = sorted(
            o.code
            for o in repo.organisations(session)
            if o.level == "site" and o.parent_code == trust
        )
        busiest = _busiest_units(session, trust)
    return max(sites, key=lambda code: (busiest.get(code, 0), -sites.index(code)), default=None)


def _ensure(
    sessions: sessionmaker[Session], name: str, role: Role, trust: str, clock: Clock
) -> None:
    with sessions() as session:
        exists = repo.find_user(session, name) is not None
    if not exists:
        add_user(sessions, name, f"{name}@example.nhs.uk", actor=ACTOR, clock=clock, reason=REASON)
    grant_role(sessions, name, role, trust, actor=ACTOR, clock=clock, reason=REASON)
