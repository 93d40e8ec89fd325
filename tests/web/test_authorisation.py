"""Who may read and change what: every route of the app, for every role, on things of the
person's own trust and of another trust (docs/web.md, "Who sees what").

The app runs on the small synthetic dataset, scanned, with its organisations in the store. Trust
ZQL (South East) is "own": a unit lead holds its site ZQL01 (where the maternity indicators are
watched), and a divisional director, an executive safety champion, a quality analyst, a board
member and an administrator hold the trust; a regulator holds the South East; an outreach team
member and an on-call senior hold the site ZQL01 (Martha's Rule). Trust ZJK (North West) is
"other": its people are its own executive safety champion, the outsider, and the outreach team
member and on-call senior of its site ZJK01. Each trust has a signal episode at its first site,
a recommendation there with one action (the unit lead's, or the outsider's), a board meeting, a
concern and an urgent review call at its maternity unit.

:data:`READS` and :data:`CHANGES` pin the answer each person gets on each route, as one letter per
person in :data:`PEOPLE`'s order and then a person not signed in: ``2`` 200 (or 201), ``3`` a
redirect (to sign in, or back after a form), ``1`` 401, ``F`` 403, ``N`` 404, ``C`` 409 (allowed,
but a stale version or a duplicate). A route of the app missing from the tables fails the test,
so a new page must say who may use it. Every page's JSON twin answers as the page does. And one
rule holds across the tables: nobody but the other trust's own people gets anything but
"refused" or "not found" on the other trust's things.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from web_helpers import CLOCK, SECRET, csrf_of, finding, password_hash, sign_in
from web_more_helpers import recommendation

from caresignal.data.dataset import Dataset
from caresignal.domain import Role
from caresignal.domain.concerns import ConcernChannel
from caresignal.domain.urgent import Caller
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.scan import ScanResult, scan, write_findings
from caresignal.settings import Settings
from caresignal.store import repo, transaction
from caresignal.store.service import add_user, grant_role, sync_organisations
from caresignal.web.app import create_app
from caresignal.workflow import board, concerns, service, urgent

INDICATOR = "extended_perinatal_mortality"
AS_OF = dt.date(2025, 12, 31)

#: Who holds which role, in the order of the letters of :data:`READS` and :data:`CHANGES`.
PEOPLE: dict[str, tuple[Role, str]] = {
    "lead": (Role.UNIT_LEAD, "ZQL01"),
    "director": (Role.DIVISIONAL_DIRECTOR, "ZQL"),
    "champion": (Role.EXECUTIVE_SAFETY_CHAMPION, "ZQL"),
    "analyst": (Role.QUALITY_ANALYST, "ZQL"),
    "member": (Role.BOARD_MEMBER, "ZQL"),
    "admin": (Role.ADMINISTRATOR, "ZQL"),
    "inspector": (Role.REGULATOR, "South East"),
    "outsider": (Role.EXECUTIVE_SAFETY_CHAMPION, "ZJK"),
    "outreach": (Role.OUTREACH_TEAM, "ZQL01"),
    "oncall": (Role.ON_CALL_SENIOR, "ZQL01"),
    "far_outreach": (Role.OUTREACH_TEAM, "ZJK01"),
    "far_oncall": (Role.ON_CALL_SENIOR, "ZJK01"),
}
#: The people of the other trust: the only ones who may reach its things.
OTHER_TRUST = {"outsider", "far_outreach", "far_oncall"}
ANONYMOUS = "anonymous"

# Every GET route, with what each person gets on the own trust's thing and the other's.
#          route                                                own        other
READS: dict[str, tuple[str, str]] = {
    "/": ("3333333333333", "3333333333333"),
    "/login": ("2222222222222", "2222222222222"),
    "/api/v1/me": ("2222222222221", "2222222222221"),
    "/inbox": ("2222222222223", "2222222222223"),
    "/signals": ("2222222222223", "2222222222223"),
    "/signals/{episode}": ("2222222N22NN3", "NNNNNNN2NN223"),
    "/api/v1/signals/{episode}/charts": ("2222222N22NN1", "NNNNNNN2NN221"),
    "/boards": ("2222222222223", "2222222222223"),
    "/boards/{trust}": ("N222222NNNNN3", "NNNNNNN2NNNN3"),
    "/boards/{trust}/meetings/{meeting}": ("N222222NNNNN3", "NNNNNNN2NNNN3"),
    "/boards/{trust}/pack?month=2025-12&format=html": ("N222222NNNNN3", "NNNNNNN2NNNN3"),
    "/actions": ("2222222222223", "2222222222223"),
    "/recommendations/{recommendation}": ("2222222N22NN3", "NNNNNNN2NN223"),
    "/audit": ("FF22F222FFFF3", "FF22F222FFFF3"),
    "/audit/signal_episode/{episode}": ("FF22F22NFFFF3", "FFNNFNN2FFFF3"),
    "/audit/recommendation/{recommendation}": ("FF22F22NFFFF3", "FFNNFNN2FFFF3"),
    "/audit/user/{user}": ("FFNNF2NNFFFF3", "FFNNFNNNFFFF3"),
    "/audit/concern/{concern}": ("2222N2NNNNNN3", "NNNNNNN2NNNN3"),
    "/overview": ("2222222222223", "2222222222223"),
    "/overview.csv": ("2222222222223", "2222222222223"),
    "/overview.xlsx": ("2222222222223", "2222222222223"),
    "/organisations/{trust}": ("N222222NNNNN3", "NNNNNNN2NNNN3"),
    "/organisations/{site}": ("2222222N22NN3", "NNNNNNN2NN223"),
    "/organisations/{unit}": ("2222222N22NN3", "NNNNNNN2NN223"),
    # A ward's bedside audit names patients' stays: clinical roles in the ward, site or trust.
    "/organisations/{unit}/bedside": ("2222NNNN22NN3", "NNNNNNN2NN223"),
    "/organisations/{site}/indicators/" + INDICATOR: ("2222222N22NN3", "NNNNNNN2NN223"),
    "/api/v1/organisations/{site}/indicators/" + INDICATOR + "/charts": (
        "2222222N22NN1",
        "NNNNNNN2NN221",
    ),
    "/admin": ("FFFFF2FFFFFF3", "FFFFF2FFFFFF3"),
    "/admin/users": ("FFFFF2FFFFFF3", "FFFFF2FFFFFF3"),
    "/admin/users/{user}": ("FFFFF2FFFFFF3", "FFFFFNFFFFFF3"),
    "/admin/organisations": ("FFFFF2FFFFFF3", "FFFFF2FFFFFF3"),
    "/admin/catalogue": ("FFFFF2FFFFFF3", "FFFFF2FFFFFF3"),
    "/admin/catalogue/source": ("FFFFF2FFFFFF3", "FFFFF2FFFFFF3"),
    "/admin/catalogue/" + INDICATOR: ("FFFFF2FFFFFF3", "FFFFF2FFFFFF3"),
    "/public": ("2222222222222", "2222222222222"),
    "/public/trusts/{trust}": ("2222222222222", "2222222222222"),
    # Martha's Rule: the public call page (its form and JSON twin, POST /urgent-reviews, are for
    # everyone and are tested in test_urgent_pages.py: 429 and honeypot), and the calls page,
    # open to everyone signed in, whose calls only the site's outreach_team and on_call_senior
    # see (the list is empty for anyone else; test_urgent_pages.py checks what it holds). Like
    # every role, theirs reaches their site's signals, recommendations and pages, to read and to
    # comment on, never to move.
    "/urgent-review": ("2222222222222", "2222222222222"),
    "/urgent-reviews": ("2222222222223", "2222222222223"),
    # Raising and following a concern: for everyone (the private token is the key).
    "/concerns/new": ("2222222222222", "2222222222222"),
    "/concerns/speak-up": ("2222222222222", "2222222222222"),
    "/concerns/follow/{token}": ("2222222222222", "2222222222222"),
    # The reference and private link of the concern this browser has just sent (none here).
    "/concerns/submitted": ("2222222222222", "2222222222222"),
    # The trust's concerns: only roles with concern access, where the concern is.
    "/concerns": ("2222222222223", "2222222222223"),
    "/concerns/{concern}": ("2222N2NNNNNN3", "NNNNNNN2NNNN3"),
    # Their downloads, redacted: concern access in the trust; each download is audited.
    "/concerns.csv?trust={trust}": ("2222N2NNNNNN3", "NNNNNNN2NNNN3"),
    "/concerns.xlsx?trust={trust}": ("2222N2NNNNNN3", "NNNNNNN2NNNN3"),
}

# Every POST route but signing in and out, with a body right in form: a stale version where
# there is one, a meeting or person that exists already, a role the person holds or does not hold,
# so that a person allowed to make the change gets 409, 200 or 400 and little changes (a comment
# and a presentation at the board are added). Form routes get the same fields as a form.
STALE = "99"
#          route: (fields, (API own, API other), (form own, form other))
CHANGES: dict[str, tuple[dict[str, str], tuple[str, str], tuple[str, str]]] = {
    "/api/v1/signals/{episode}/moves": (
        {"state": "acknowledged", "reason": "seen", "version": STALE},
        ("CCCFFCFNFFNN1", "NNNNNNNCNNFF1"), ("CCCFFCFNFFNN3", "NNNNNNNCNNFF3")),
    "/api/v1/signals/{episode}/close": (
        {"reason": "reviewed", "evidence": "review 1", "version": STALE},
        ("FCCFFCFNFFNN1", "NNNNNNNCNNFF1"), ("FCCFFCFNFFNN3", "NNNNNNNCNNFF3")),
    "/api/v1/signals/{episode}/comments": (
        {"text": "matrix"},
        ("2222222N22NN1", "NNNNNNN2NN221"), ("3333333N33NN3", "NNNNNNN3NN333")),
    "/api/v1/boards/{trust}/meetings": (
        {"held_on": "2026-11-05", "title": "Board meeting"},
        ("NFCFCCFNNNNN1", "NNNNNNNCNNNN1"), ("NFCFCCFNNNNN3", "NNNNNNNCNNNN3")),
    # The champion presents the signal (2); after that it is on the agenda already (409).
    "/api/v1/boards/{trust}/meetings/{meeting}/items": (
        {"entity": "signal_episode", "id": "{episode}", "entity_id": "{episode}",
         "decision": "noted"},
        ("NF2FCCFNNNNN1", "NNNNNNN2NNNN1"), ("NFCFCCFNNNNN3", "NNNNNNNCNNNN3")),
    "/api/v1/actions/{action}/start": (
        {"version": STALE},
        ("CCCFFCFNFFNN1", "NNNNNNNCNNFF1"), ("CCCFFCFNFFNN3", "NNNNNNNCNNFF3")),
    "/api/v1/actions/{action}/done": (
        {"evidence": "audit", "version": STALE},
        ("CCCFFCFNFFNN1", "NNNNNNNCNNFF1"), ("CCCFFCFNFFNN3", "NNNNNNNCNNFF3")),
    "/api/v1/actions/{action}/verify": (
        {"version": STALE},
        ("FCCFFCFNFFNN1", "NNNNNNNCNNFF1"), ("FCCFFCFNFFNN3", "NNNNNNNCNNFF3")),
    "/api/v1/actions/{action}/reopen": (
        {"reason": "again", "version": STALE},
        ("FCCFFCFNFFNN1", "NNNNNNNCNNFF1"), ("FCCFFCFNFFNN3", "NNNNNNNCNNFF3")),
    "/api/v1/recommendations/{recommendation}/close": (
        {"reason": "done", "version": STALE},
        ("FCCFFCFNFFNN1", "NNNNNNNCNNFF1"), ("FCCFFCFNFFNN3", "NNNNNNNCNNFF3")),
    # An administrator adds a person already there (409), grants a role already held (200, no
    # change), and revokes one not held (404); into the other trust, refused (403) or not found.
    "/api/v1/admin/users": (
        {"name": "{user}", "email": "x@nhs.net", "role": "unit_lead", "organisation": "{unit}",
         "reason": "matrix"},
        ("FFFFFCFFFFFF1", "FFFFFFFFFFFF1"), ("FFFFFCFFFFFF3", "FFFFFFFFFFFF3")),
    "/api/v1/admin/users/{user}/roles": (
        {"role": "unit_lead", "organisation": "{site}", "reason": "matrix"},
        ("FFFFF2FFFFFF1", "FFFFFNFFFFFF1"), ("FFFFF3FFFFFF3", "FFFFFNFFFFFF3")),
    "/api/v1/admin/users/{user}/revoke": (
        {"role": "board_member", "organisation": "{unit}", "reason": "matrix"},
        ("FFFFFNFFFFFF1", "FFFFFNFFFFFF1"), ("FFFFFNFFFFFF3", "FFFFFNFFFFFF3")),
    # A call's moves: its own site's outreach team and on-call senior may make them (409 on the
    # stale version); to anyone else, the other trust's team included, the call is not found.
    "/api/v1/urgent-reviews/{call}/begin": (
        {"version": STALE},
        ("NNNNNNNNCCNN1", "NNNNNNNNNNCC1"), ("NNNNNNNNCCNN3", "NNNNNNNNNNCC3")),
    "/api/v1/urgent-reviews/{call}/outcome": (
        {"outcomes": "review_done", "note": "matrix", "version": STALE},
        ("NNNNNNNNCCNN1", "NNNNNNNNNNCC1"), ("NNNNNNNNCCNN3", "NNNNNNNNNNCC3")),
    # Anyone may raise a concern or write through a private link (an empty concern is refused;
    # the concern is only received, so it takes no answer yet).
    "/api/v1/concerns": (
        {"organisation": "{unit}", "text": " "},
        ("BBBBBBBBBBBBB", "BBBBBBBBBBBBB"), ("BBBBBBBBBBBBB", "BBBBBBBBBBBBB")),
    "/api/v1/concerns/speak-up": (
        {"organisation": "{unit}", "text": " "},
        ("BBBBBBBBBBBBB", "BBBBBBBBBBBBB"), ("BBBBBBBBBBBBB", "BBBBBBBBBBBBB")),
    "/api/v1/concerns/follow/{token}/messages": (
        {"text": "matrix"},
        ("2222222222222", "2222222222222"), ("3333333333333", "3333333333333")),
    "/api/v1/concerns/follow/{token}/answer": (
        {"resolved": "yes"},
        ("BBBBBBBBBBBBB", "BBBBBBBBBBBBB"), ("BBBBBBBBBBBBB", "BBBBBBBBBBBBB")),
    # The trust's moves on a received concern: a reply (200), a stale version (409), the rest
    # refused (400) by its state; without concern access, not found.
    "/api/v1/concerns/{concern}/acknowledge": (
        {"version": STALE},
        ("CCCCNCNNNNNN1", "NNNNNNNCNNNN1"), ("CCCCNCNNNNNN3", "NNNNNNNCNNNN3")),
    "/api/v1/concerns/{concern}/triage": (
        {"category": "safety", "severity": "high", "duty_of_candour": "no"},
        ("BBBBNBNNNNNN1", "NNNNNNNBNNNN1"), ("BBBBNBNNNNNN3", "NNNNNNNBNNNN3")),
    # Linking or unlinking an incident: a stale version (409) comes before the rules (a received
    # concern takes no incident yet); without concern access, not found.
    "/api/v1/concerns/{concern}/incidents": (
        {"reference": "W12345", "version": STALE},
        ("CCCCNCNNNNNN1", "NNNNNNNCNNNN1"), ("CCCCNCNNNNNN3", "NNNNNNNCNNNN3")),
    "/api/v1/concerns/{concern}/incidents/remove": (
        {"reference": "W12345", "version": STALE},
        ("CCCCNCNNNNNN1", "NNNNNNNCNNNN1"), ("CCCCNCNNNNNN3", "NNNNNNNCNNNN3")),
    "/api/v1/concerns/{concern}/response-date": (
        {"due": "2027-01-29"},
        ("BBBBNBNNNNNN1", "NNNNNNNBNNNN1"), ("BBBBNBNNNNNN3", "NNNNNNNBNNNN3")),
    "/api/v1/concerns/{concern}/replies": (
        {"text": "matrix"},
        ("2222N2NNNNNN1", "NNNNNNN2NNNN1"), ("3333N3NNNNNN3", "NNNNNNN3NNNN3")),
    "/api/v1/concerns/{concern}/respond": (
        {"text": "matrix", "version": STALE},
        ("CCCCNCNNNNNN1", "NNNNNNNCNNNN1"), ("CCCCNCNNNNNN3", "NNNNNNNCNNNN3")),
    "/api/v1/concerns/{concern}/close": (
        {"reason": "matrix"},
        ("BBBBNBNNNNNN1", "NNNNNNNBNNNN1"), ("BBBBNBNNNNNN3", "NNNNNNNBNNNN3")),
}  # fmt: skip
#: Changes open to everyone, whatever trust the thing is in.
PUBLIC_CHANGES = {route for route in CHANGES if route.startswith(("/api/v1/concerns/follow",
                  "/api/v1/concerns/speak-up")) or route == "/api/v1/concerns"}  # fmt: skip
LISTS = {"evidence"}
#: Signing in and out: for everyone, tested in test_app.py.
EXEMPT = {"/login", "/logout"}


@dataclass(frozen=True)
class Things:
    """The ids of one trust's things, to fill in a route's path."""

    trust: str
    site: str
    unit: str
    episode: int
    recommendation: int
    action: int
    meeting: int
    user: str
    concern: int
    token: str

    call: int = 0

    def path(self, route: str) -> str:
        """``route`` with this trust's things in it."""
        return route.format(**{k: getattr(self, k) for k in self.__dataclass_fields__})


@dataclass(frozen=True)
class World:
    """The app's clients, one per person and one not signed in, and each trust's things."""

    clients: dict[str, TestClient]
    own: Things
    other: Things


def _people(sessions: Any) -> None:
    for name, (role, scope) in PEOPLE.items():
        user = add_user(sessions, name, f"{name}@nhs.net", actor="setup", clock=CLOCK, reason="")
        grant_role(sessions, name, role, scope, actor="setup", clock=CLOCK, reason="test")
        with transaction(sessions) as session:
            repo.set_password_hash(session, user, password_hash())


def _things(sessions: Any, trust: str, episode: int, by: str, owner: str) -> Things:
    site, unit = f"{trust}01", f"{trust}01-MAT"
    made, actions = recommendation(
        sessions, site, ((owner, dt.date(2026, 12, 18)),), reference=f"{trust}-1", by=by
    )
    meeting = board.add_meeting(
        sessions, trust, dt.date(2026, 11, 5), "Board meeting", actor=by, clock=CLOCK
    )
    raised = concerns.submit(
        sessions, unit, ConcernChannel.ONLINE, "The alarm rang and nobody came.", clock=CLOCK
    )
    call = urgent.call(
        sessions, unit, Caller.FAMILY, "Bed 1", "matrix", "07700 900000", clock=CLOCK
    )
    return Things(
        trust, site, unit, episode, made, actions[0], meeting.id, owner, raised.concern.id,
        raised.token, call.id,
    )  # fmt: skip


@pytest.fixture(scope="module")
def world(
    small_copy: Callable[[], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    data = small_copy()
    url = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'caresignal.db'}"
    settings = Settings(database_url=url, secret_key=SECRET, escalation_minutes=0, data_dir=data)
    app = create_app(settings, clock=CLOCK)
    sessions = app.state.caresignal.sessions
    sync_organisations(sessions, Dataset(data), actor="setup", clock=CLOCK, reason="test")
    _people(sessions)
    write_findings(scan(Dataset(data), load_catalogue(), as_of=AS_OF, clock=CLOCK), data)
    found = (finding("ZQL01", INDICATOR), finding("ZJK01", INDICATOR))
    service.merge_findings(sessions, ScanResult(AS_OF, found, (), ()), actor="scan", clock=CLOCK)
    episodes = {episode.unit: episode.id for episode in service.list_episodes(sessions)}
    own_episode, other_episode = episodes["ZQL01"], episodes["ZJK01"]
    own = _things(sessions, "ZQL", own_episode, "admin", "lead")
    other = _things(sessions, "ZJK", other_episode, "outsider", "outsider")
    clients: dict[str, TestClient] = {}
    with TestClient(app, base_url="https://testserver") as anonymous:
        clients[ANONYMOUS] = anonymous
        for name in PEOPLE:
            client = TestClient(app, base_url="https://testserver")
            client.__enter__()
            sign_in(client, name)
            clients[name] = client
        yield World(clients, own, other)
        for name in PEOPLE:
            clients[name].__exit__(None, None, None)
    sessions.kw["bind"].dispose()


def _routes(routes: Iterable[object]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)


LETTERS = {200: "2", 201: "2", 303: "3", 401: "1", 400: "B", 403: "F", 404: "N", 409: "C"}


def _body(things: Things, fields: dict[str, str], form: bool) -> dict[str, Any]:
    filled: dict[str, Any] = {key: things.path(value) for key, value in fields.items()}
    if not form:
        filled.update({key: [filled[key]] for key in LISTS & set(filled)})
    return filled


def _answer(client: TestClient, path: str, fields: dict[str, str] | None, things: Things) -> str:
    target = things.path(path)
    if fields is None:
        response = client.get(target, follow_redirects=False)
    elif target.startswith("/api/"):
        headers = {"X-CSRF-Token": csrf_of(client)}
        response = client.post(target, json=_body(things, fields, False), headers=headers)
    else:
        data = {**_body(things, fields, True), "csrf_token": csrf_of(client)}
        response = client.post(target, data=data, follow_redirects=False)
    return LETTERS.get(response.status_code, f"<{response.status_code}>")


def answers(world: World, path: str, fields: dict[str, str] | None = None) -> tuple[str, str]:
    """What each person (then someone not signed in) gets on ``path`` with the own trust's
    things, and with the other trust's."""
    people = [*PEOPLE, ANONYMOUS]
    return (
        "".join(_answer(world.clients[name], path, fields, world.own) for name in people),
        "".join(_answer(world.clients[name], path, fields, world.other) for name in people),
    )


def _form_twin(path: str) -> str:
    return path.removeprefix("/api/v1")


def test_every_route_is_in_the_matrix(world: World) -> None:
    app = world.clients[ANONYMOUS].app
    tried = [world.own.path(route.split("?", 1)[0]) for route in READS]
    tried += [world.own.path(path) for route in CHANGES for path in (route, _form_twin(route))]
    tried += [f"/api/v1{path}" for path in tried if not path.startswith("/api/")]
    for route in _routes(app.routes):  # type: ignore[attr-defined]
        if route.path in EXEMPT:
            continue
        assert any(route.path_regex.match(path) for path in tried), f"{route.path} is not pinned"


@pytest.mark.parametrize("path", list(READS))
def test_who_reads_what(world: World, path: str) -> None:
    own, other = READS[path]
    assert answers(world, path) == (own, other)
    if path in {"/", "/login"} or path.startswith("/api/"):
        return  # no twin: a page of its own, or a route of the API only
    signed_in = len(PEOPLE)
    twin = answers(world, "/api/v1" + path)
    assert (twin[0][:signed_in], twin[1][:signed_in]) == (own[:signed_in], other[:signed_in])


@pytest.mark.parametrize("path", list(CHANGES))
def test_who_changes_what(world: World, path: str) -> None:
    fields, api, form = CHANGES[path]
    assert answers(world, path, fields) == api
    assert answers(world, _form_twin(path), fields) == form


def test_nobody_reaches_another_trusts_things(world: World) -> None:
    """Everyone but the other trust's own people is refused, or told "not found", on every page
    and change of the other trust's things (the public pages, a concern's private link, raising a
    concern and each person's own lists aside)."""
    public = ("/public", "/concerns/follow")
    pinned = [other for path, (_, other) in READS.items() if "{" in path and
              not path.startswith(public)]  # fmt: skip
    pinned += [
        answer[1]
        for route, (_, *answers_) in CHANGES.items()
        if route not in PUBLIC_CHANGES
        for answer in answers_
    ]
    for other in pinned:
        for name, letter in zip(PEOPLE, other, strict=False):
            if name not in OTHER_TRUST:
                assert letter in "FN", (name, other)
