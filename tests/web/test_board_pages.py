"""The board view of a trust, its meetings and the decisions recorded at them, with their JSON
twins: what goes to the board, who may record meetings and decisions, and another trust's board
"not found" (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from web_helpers import CLOCK, Site, open_site
from web_more_helpers import post, read, recommendation, submit

from caresignal.clock import FixedClock
from caresignal.domain.concerns import ConcernChannel
from caresignal.workflow import actions, board, concerns
from caresignal.workflow.escalation import escalate

NEVER = "never presented to the board; not acknowledged and no action plan yet"


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """The app on a store of its own (see :func:`web_helpers.open_site`)."""
    with open_site(database_url) as made:
        yield made


def test_the_boards_a_person_reaches(site: Site) -> None:
    champion = site.signed_in("champion")
    assert champion.get("/api/v1/boards").json() == [
        {"code": "RZZ", "name": "Org RZZ", "region": "South East"}
    ]
    assert read(champion, "/boards").links.count("/boards/RZZ") == 1
    inspector = site.signed_in("inspector")  # a regulator: the trusts of its region
    assert [b["code"] for b in inspector.get("/api/v1/boards").json()] == ["RZZ"]


def test_the_board_view_shows_what_should_go_to_the_board(site: Site) -> None:
    # A closed recommendation with actions not verified goes to the board too.
    made, _ = recommendation(site.sessions)
    actions.close_recommendation(
        site.sessions, made, actor="champion", clock=CLOCK, reason="risk accepted"
    )
    champion = site.signed_in("champion")
    data = champion.get("/api/v1/boards/RZZ").json()
    assert set(data) == {"trust", "as_of", "agenda", "meetings", "may_record"}
    assert data["trust"] == {"code": "RZZ", "name": "Org RZZ", "region": "South East"}
    assert (data["as_of"], data["meetings"], data["may_record"]) == ("2026-11-23", [], True)
    assert [(item["entity"], item["id"]) for item in data["agenda"]] == [
        ("recommendation", 1),
        ("signal_episode", 2),
    ]
    red = data["agenda"][1]
    assert set(red) == {"entity", "id", "organisation", "why", "summary", "history", "href"}
    assert (red["why"], red["history"], red["href"]) == ("a red signal", NEVER, "/signals/2")
    assert data["agenda"][0]["why"] == "closed without all its actions verified"
    page = read(champion, "/boards/RZZ")
    agenda = page.table("On the agenda")
    assert agenda.headers == ["Item", "Why it goes to the board", "How it stands",
                              "At the board before"]  # fmt: skip
    assert agenda.rows[1][0] == "signal episode #2 RZZ01-MAT"
    assert agenda.rows[1][3] == NEVER
    assert page.actions() == {"/boards/RZZ/meetings"}
    assert "No meeting of this board has been recorded." in page.text
    # An analyst of the trust reads it, but may not record a meeting.
    analyst = site.signed_in("analyst")
    assert analyst.get("/api/v1/boards/RZZ").json()["may_record"] is False
    assert read(analyst, "/boards/RZZ").actions() == set()
    refused = post(analyst, "/api/v1/boards/RZZ/meetings", {"held_on": "2026-12-03"})
    assert refused.status_code == 403
    assert "analyst may not record board meetings" in refused.json()["error"]["message"]


def test_a_meeting_and_its_decision_are_recorded_and_reach_the_history(site: Site) -> None:
    member = site.signed_in("member")
    made = submit(member, "/boards/RZZ/meetings",
                  {"held_on": "2026-11-23", "title": "Board meeting in public"})  # fmt: skip
    assert (made.status_code, made.headers["location"]) == (303, "/boards/RZZ/meetings/1")
    page = read(member, "/boards/RZZ/meetings/1")
    assert "The meeting of 2026-11-23 is recorded." in page.text
    assert "Nothing has been recorded as presented at this meeting yet." in page.text
    assert page.form("/boards/RZZ/meetings/1/items").fields == {
        "csrf_token": page.form("/boards/RZZ/meetings/1/items").fields["csrf_token"],
        "entity": "", "entity_id": "", "decision": "",
    }  # fmt: skip
    assert page.table("What should go to the board").rows[0][0] == "signal episode #2 RZZ01-MAT"
    decided = submit(
        member,
        "/boards/RZZ/meetings/1/items",
        {"entity": "signal_episode", "entity_id": "2", "decision": "noted; assurance sought"},
    )
    assert decided.status_code == 303
    page = read(member, "/boards/RZZ/meetings/1")
    assert "The board's decision on signal episode 2 is recorded." in page.text
    (row,) = page.table("Items presented at this meeting").rows
    assert row[0] == "signal episode #2"
    assert row[2:] == ["noted; assurance sought", "member"]
    assert row[1].startswith("signal #2 at RZZ01-MAT, term hie, red: open, owned by")
    assert all(not t.caption.startswith("What should go") for t in page.tables)
    history = board.board_history(site.sessions, "signal_episode", 2, actor="member")
    assert history.sentence == (
        "presented to the board once since November 2026; not acknowledged and no action plan yet"
    )
    meeting = member.get("/api/v1/boards/RZZ/meetings/1").json()
    assert set(meeting) == {"meeting", "items", "agenda", "may_record"}
    assert meeting["meeting"] == {"id": 1, "trust": "RZZ", "held_on": "2026-11-23",
                                  "title": "Board meeting in public"}  # fmt: skip
    assert [(i["entity"], i["entity_id"], i["href"]) for i in meeting["items"]] == [
        ("signal_episode", "2", "/signals/2")
    ]
    assert meeting["agenda"] == []
    agenda = member.get("/api/v1/boards/RZZ").json()["agenda"]
    assert agenda[0]["history"] == history.sentence
    assert member.get("/api/v1/signals/2").json()["board"]["sentence"] == history.sentence


def test_the_api_records_actions_and_refuses_what_is_not_the_trusts(site: Site) -> None:
    _, (action,) = recommendation(site.sessions, owners=(("lead", date(2026, 12, 1)),))
    champion = site.signed_in("champion")
    made = post(champion, "/api/v1/boards/RZZ/meetings",
                {"held_on": "2026-12-03", "title": "Extraordinary meeting"})  # fmt: skip
    assert made.json() == {"id": 1, "trust": "RZZ", "held_on": "2026-12-03",
                           "title": "Extraordinary meeting"}  # fmt: skip
    again = post(champion, "/api/v1/boards/RZZ/meetings",
                 {"held_on": "2026-12-03", "title": "Extraordinary meeting"})  # fmt: skip
    assert again.status_code == 409
    body = {"entity": "action", "id": action, "decision": "to come back in January"}
    item = post(champion, "/api/v1/boards/RZZ/meetings/1/items", body)
    assert item.status_code == 200, item.text
    assert item.json()["href"] == f"/recommendations/1#action-{action}"
    assert item.json()["summary"].startswith(f"action #{action} RZZ01-MAT 'Action 1': planned")
    other = post(champion, "/api/v1/boards/RZZ/meetings/1/items",
                 {"entity": "signal_episode", "id": 1, "decision": "noted"})  # fmt: skip
    assert other.status_code == 404  # RYY's signal cannot go to RZZ's board
    wrong = post(champion, "/api/v1/boards/RZZ/meetings/1/items",
                 {"entity": "finding", "id": 1, "decision": "noted"})  # fmt: skip
    assert wrong.status_code == 422
    blank = post(champion, "/api/v1/boards/RZZ/meetings/1/items",
                 {"entity": "signal_episode", "id": 2, "decision": "  "})  # fmt: skip
    assert blank.status_code == 400
    assert champion.get("/api/v1/boards/RZZ/meetings/2").status_code == 404
    assert champion.get("/api/v1/boards/RYY/meetings/1").status_code == 404
    assert champion.get("/api/v1/boards/RZZ01/meetings/1").status_code == 404


def test_another_trusts_board_is_not_found(site: Site) -> None:
    board.add_meeting(site.sessions, "RZZ", date(2026, 11, 5), "Board", actor="member",
                      clock=CLOCK)  # fmt: skip
    outsider = site.signed_in("outsider")
    for path in ("/boards/RZZ", "/boards/RZZ/meetings/1", "/boards/NOPE"):
        api = outsider.get(f"/api/v1{path}")
        assert api.status_code == 404, path
        assert api.json()["error"]["status"] == 404
        read(outsider, path, 404)
    assert post(outsider, "/api/v1/boards/RZZ/meetings", {"held_on": "2026-12-03"}).status_code == (
        404
    )
    presented = post(outsider, "/api/v1/boards/RZZ/meetings/1/items",
                     {"entity": "signal_episode", "id": 2, "decision": "noted"})  # fmt: skip
    assert presented.status_code == 404
    form = submit(outsider, "/boards/RZZ/meetings", {"held_on": "2026-12-03", "title": "x"})
    assert form.status_code == 404
    assert [m.id for m in board.list_meetings(site.sessions, "RZZ", actor=None)] == [1]
    assert outsider.get("/api/v1/boards").json()[0]["code"] == "RYY"


def test_a_concern_on_the_agenda_shows_how_it_stands_never_its_words(site: Site) -> None:
    words = "Nobody came when the alarm on my daughter's monitor kept going off."
    raised = concerns.submit(
        site.sessions, "RZZ01-MAT", ConcernChannel.ONLINE, words,
        clock=FixedClock(datetime(2026, 9, 1, 10, 0, tzinfo=UTC)), relationship="parent",
    )  # fmt: skip
    escalate(site.sessions, CLOCK.today(), actor="clock", clock=CLOCK)  # ignored for weeks
    member = site.signed_in("member")
    page = read(member, "/boards/RZZ")
    rows = page.table("On the agenda").rows
    (row,) = [r for r in rows if r[0].startswith("concern")]
    assert row[0] == f"concern #{raised.concern.id} RZZ01-MAT"
    assert f"/recommendations/{raised.concern.id}" not in page.links  # a concern has no page here
    assert words not in member.get("/boards/RZZ").text
    assert words not in member.get("/api/v1/boards/RZZ").text
    (item,) = [
        i for i in member.get("/api/v1/boards/RZZ").json()["agenda"] if i["entity"] == "concern"
    ]
    assert item["href"] is None
