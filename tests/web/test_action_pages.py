"""The actions tracker and the recommendation page with their JSON twins: who sees which
recommendation, the person's own actions overdue first, the moves through forms and the API,
four eyes, stale versions, and a recommendation closed without all its actions verified
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from web_helpers import Site, open_site
from web_more_helpers import post, read, recommendation, submit

from caresignal.workflow import actions


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """The app on a store of its own (see :func:`web_helpers.open_site`), with recommendation
    #1 to RZZ01-MAT (actions #1, due 18 December, and #2, due 20 November and so overdue, both
    the unit lead's) and #2 to RYY01-MAT (action #3, the RYY executive's)."""
    with open_site(database_url) as made:
        late, later = date(2026, 11, 20), date(2026, 12, 18)
        assert recommendation(made.sessions, owners=(("lead", later), ("lead", late))) == (
            1,
            [1, 2],
        )
        assert recommendation(
            made.sessions, "RYY01-MAT", (("outsider", later),), reference="MNSI-7", by="outsider"
        ) == (2, [3])
        yield made


def test_the_tracker_shows_what_the_roles_reach_and_the_persons_actions_overdue_first(
    site: Site,
) -> None:
    lead = site.signed_in("lead")
    data = lead.get("/api/v1/actions").json()
    assert set(data) == {"as_of", "recommendations", "my_actions"}
    assert data["as_of"] == "2026-11-23"
    (made,) = data["recommendations"]
    assert (made["id"], made["reference"], made["summary"]) == (
        1,
        "CQC-2026-014",
        "open: 0 of 2 actions verified, 1 overdue",
    )
    assert made["closed_without_verification"] is False
    assert [(a["id"], a["overdue"]) for a in made["actions"]] == [(1, False), (2, True)]
    mine = data["my_actions"]
    assert [(a["id"], a["overdue"]) for a in mine] == [(2, True), (1, False)]
    assert mine[0]["recommendation"] == {
        "id": 1, "reference": "CQC-2026-014",
        "title": "Escalate abnormal fetal heart rates", "state": "open",
    }  # fmt: skip
    page = read(lead, "/actions")
    own = page.table("Actions you own")
    assert own.headers == ["Action", "Recommendation", "Where", "Due", "Status"]
    assert [row[0] for row in own.rows] == ["#2 Action 2", "#1 Action 1"]
    assert own.rows[0][4] == "overdue planned"  # said in words, not only in red
    listed = page.table("Recommendations your roles reach")
    assert listed.rows == [
        [
            "CQC-2026-014: Escalate abnormal fetal heart rates", "RZZ01-MAT", "inspection",
            "2026-11-02", "Open: 0 of 2 actions verified, 1 overdue",
        ]
    ]  # fmt: skip
    # The other trust's executive sees theirs only; a board member of RZZ owns nothing.
    outsider = site.signed_in("outsider").get("/api/v1/actions").json()
    assert [r["id"] for r in outsider["recommendations"]] == [2]
    assert [a["id"] for a in outsider["my_actions"]] == [3]
    member = site.signed_in("member")
    closed = member.get("/api/v1/actions?status=closed").json()
    assert (closed["recommendations"], closed["my_actions"]) == ([], [])
    assert [
        r["id"] for r in member.get("/api/v1/actions?status=open").json()["recommendations"]
    ] == [1]
    wrong = member.get("/api/v1/actions?status=finished")
    assert wrong.status_code == 400
    assert wrong.json()["error"]["hint"] == "choose one of: open, closed"


def test_another_trusts_recommendation_and_actions_are_not_found(site: Site) -> None:
    outsider = site.signed_in("outsider")
    api = outsider.get("/api/v1/recommendations/1")
    assert api.status_code == 404
    assert api.json()["error"]["message"] == "there is no recommendation 1"
    read(outsider, "/recommendations/1", 404)
    for path in ("start", "verify"):
        refused = post(outsider, f"/api/v1/actions/1/{path}", {"version": 1})
        assert refused.status_code == 404
        assert refused.json()["error"]["message"] == "there is no action 1"
    closing = post(outsider, "/api/v1/recommendations/1/close", {"reason": "r", "version": 1})
    assert closing.status_code == 404
    assert submit(outsider, "/actions/1/start", {"version": "1"}).status_code == 404
    assert actions.get_recommendation(site.sessions, 1).actions[0].status.value == "planned"


def test_the_owner_starts_and_finishes_through_the_forms_and_a_second_person_verifies(
    site: Site,
) -> None:
    lead = site.signed_in("lead")
    page = read(lead, "/recommendations/1")
    assert page.actions() == {"/actions/1/start", "/actions/2/start"}  # no verify, no close
    form = page.form("/actions/1/start")
    started = submit(lead, "/actions/1/start", {"version": form.fields["version"]})
    assert (started.status_code, started.headers["location"]) == (303, "/recommendations/1")
    page = read(lead, "/recommendations/1")
    assert "Action #1 is in progress." in page.text
    version = page.form("/actions/1/done").fields["version"]
    done = submit(
        lead,
        "/actions/1/done",
        {"evidence": "audit of 20 notes\n\nteaching log", "version": version},
    )
    assert done.status_code == 303
    action = actions.get_recommendation(site.sessions, 1).actions[0]
    assert (action.status.value, action.evidence, action.done_by) == (
        "done", ("audit of 20 notes", "teaching log"), "lead",
    )  # fmt: skip
    page = read(lead, "/recommendations/1")
    assert "/actions/1/verify" not in page.actions()
    assert "You cannot verify this action: you marked it done, so a second person" in page.text
    member = site.signed_in("member")  # a board member may not verify either
    allowed = member.get("/api/v1/recommendations/1").json()["actions"][0]["allowed"]
    assert allowed["why_not_verify"] == (
        "verifying needs one of the roles administrator, divisional director, "
        "executive safety champion"
    )
    champion = site.signed_in("champion")
    data = champion.get("/api/v1/recommendations/1").json()
    assert data["actions"][0]["allowed"] == {
        "start": False, "done": False, "verify": True, "reopen": True, "why_not_verify": None,
    }  # fmt: skip
    verified = submit(champion, "/actions/1/verify", {"version": str(action.version)})
    assert verified.status_code == 303
    summary = champion.get("/api/v1/recommendations/1").json()["summary"]
    assert summary == "open: 1 of 2 actions verified, 1 overdue"


def test_the_person_who_marked_it_done_cannot_verify_it(site: Site) -> None:
    director = site.signed_in("director")
    assert post(director, "/api/v1/actions/2/start", {"version": 1}).json()["status"] == (
        "in_progress"
    )
    empty = post(director, "/api/v1/actions/2/done", {"evidence": [" "], "version": 2})
    assert empty.status_code == 400
    assert "only with evidence" in empty.json()["error"]["message"]
    done = post(director, "/api/v1/actions/2/done", {"evidence": ["minutes"], "version": 2})
    assert (done.json()["status"], done.json()["done_by"]) == ("done", "director")
    allowed = director.get("/api/v1/recommendations/1").json()["actions"][1]["allowed"]
    assert allowed == {
        "start": False, "done": False, "verify": False, "reopen": True,
        "why_not_verify": "you marked it done, so a second person must verify it (four eyes)",
    }  # fmt: skip
    page = read(director, "/recommendations/1")
    assert "/actions/2/verify" not in page.actions()
    assert "You cannot verify this action: you marked it done, so a second person" in page.text
    refused = post(director, "/api/v1/actions/2/verify", {"version": 3})
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "director marked this action done, so cannot also verify it"
    )
    # The executive rejects the work instead: back in progress, with the reason.
    champion = site.signed_in("champion")
    stale = post(champion, "/api/v1/actions/2/reopen", {"reason": "no minutes", "version": 2})
    assert stale.status_code == 409
    reopened = submit(champion, "/actions/2/reopen", {"reason": "minutes unsigned", "version": "3"})
    assert reopened.status_code == 303
    action = actions.get_recommendation(site.sessions, 1).actions[1]
    assert (action.status.value, action.done_by, action.evidence) == (
        "in_progress", None, ("minutes",),
    )  # fmt: skip


def test_roles_that_may_not_move_or_close_are_refused(site: Site) -> None:
    analyst = site.signed_in("analyst")
    refused = post(analyst, "/api/v1/actions/1/start", {"version": 1})
    assert refused.status_code == 403
    assert "analyst may not move it on" in refused.json()["error"]["message"]
    closing = post(analyst, "/api/v1/recommendations/1/close", {"reason": "done", "version": 1})
    assert closing.status_code == 403
    page = read(analyst, "/recommendations/1")
    assert page.actions() == set()
    forged = analyst.post("/recommendations/1/close", data={"reason": "x", "version": "1"})
    assert forged.status_code == 403
    assert "did not come from caresignal" in forged.text


def test_a_recommendation_closed_without_verification_says_so(site: Site) -> None:
    champion = site.signed_in("champion")
    page = read(champion, "/recommendations/1")
    assert "Some of its actions are not verified." in page.text
    version = page.form("/recommendations/1/close").fields["version"]
    closed = submit(
        champion,
        "/recommendations/1/close",
        {"reason": "board accepted the risk", "version": version},
    )
    assert closed.status_code == 303
    page = read(champion, "/recommendations/1")
    assert (
        "The recommendation is closed on 2026-11-23 with 2 of 2 actions not verified." in page.text
    )
    assert "Closed without all actions verified" in page.text
    assert "champion closed it: board accepted the risk" in page.text
    assert page.actions() == set()  # nothing can change any more
    data = champion.get("/api/v1/recommendations/1").json()
    assert (data["state"], data["closed_without_verification"], data["may_close"]) == (
        "closed", True, False,
    )  # fmt: skip
    assert data["summary"] == "closed on 2026-11-23 with 2 of 2 actions not verified"
    assert [a["overdue"] for a in data["actions"]] == [False, False]
    row = read(champion, "/actions").table("Recommendations your roles reach").rows[0]
    assert row[4] == (
        "closed without all actions verified Closed on 2026-11-23 with 2 of 2 actions not verified"
    )
    again = post(champion, "/api/v1/recommendations/1/close", {"reason": "r"})
    assert again.status_code == 400
    lead = site.signed_in("lead")
    late = post(lead, "/api/v1/actions/1/start", {})
    assert late.status_code == 400
    assert "is closed: its actions can no longer change" in late.json()["error"]["message"]
    assert [a["overdue"] for a in lead.get("/api/v1/actions").json()["my_actions"]] == [
        False,
        False,
    ]
