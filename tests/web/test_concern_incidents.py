"""Patient-safety incidents linked to a concern on the trust's pages and their JSON twins: at
triage, then linked and unlinked one at a time, shown on the concern's page, refused with the
reference named (and escaped), on a stale version, or for another trust's concern (SQLite and
PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web_helpers import CLOCK, Site, open_site
from web_more_helpers import post, read, submit

from caresignal.domain.concerns import ConcernChannel
from caresignal.store import audit
from caresignal.workflow import concerns
from caresignal.workflow import concerns_handling as handling


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    with open_site(database_url) as made:
        yield made


def _acknowledged(site: Site, organisation: str = "RZZ01-MAT", by: str = "analyst") -> int:
    made = concerns.submit(
        site.sessions, organisation, ConcernChannel.ONLINE, "The alarm rang and nobody came.",
        clock=CLOCK,
    )  # fmt: skip
    handling.acknowledge(site.sessions, made.concern.id, actor=by, clock=CLOCK)
    return made.concern.id


def test_incidents_are_linked_at_triage_and_one_at_a_time_through_the_forms(site: Site) -> None:
    number = _acknowledged(site)
    lead = site.signed_in("lead")
    page = read(lead, f"/concerns/{number}")
    assert "Linked incidents none" in page.text
    assert page.form(f"/concerns/{number}/triage").fields["incident_references"] == ""
    assert f"/concerns/{number}/incidents" in page.actions()
    triaged = submit(lead, f"/concerns/{number}/triage", {
        "category": "safety", "severity": "high", "duty_of_candour": "yes",
        "episode_ids": "", "organisation": "", "incident_references": "W12345, DW/2026/0042",
    })  # fmt: skip
    assert triaged.status_code == 303, triaged.text
    page = read(lead, f"/concerns/{number}")
    assert "Linked incidents W12345, DW/2026/0042 (in the trust's incident system)" in page.text
    form = page.form(f"/concerns/{number}/triage")
    assert form.fields["incident_references"] == "W12345, DW/2026/0042"
    version = page.form(f"/concerns/{number}/incidents").fields["version"]
    linked = submit(lead, f"/concerns/{number}/incidents",
                    {"reference": " LFPSE-2026-001234 ", "version": version})  # fmt: skip
    assert linked.status_code == 303
    page = read(lead, f"/concerns/{number}")
    assert "Concern CON-2026-000001 is linked to the incident LFPSE-2026-001234." in page.text
    assert "Unlink DW/2026/0042" in page.text
    version = page.form(f"/concerns/{number}/incidents").fields["version"]
    unlinked = submit(lead, f"/concerns/{number}/incidents/remove",
                      {"reference": "W12345", "version": version})  # fmt: skip
    assert unlinked.status_code == 303
    page = read(lead, f"/concerns/{number}")
    assert "is no longer linked to the incident W12345." in page.text
    detail = lead.get(f"/api/v1/concerns/{number}").json()
    assert detail["incident_references"] == ["DW/2026/0042", "LFPSE-2026-001234"]
    assert detail["may_link_incidents"] is True
    # A triage again through the API without incidents keeps them; with a list, replaces them.
    body = {"category": "safety", "severity": "high", "duty_of_candour": True}
    kept = post(lead, f"/api/v1/concerns/{number}/triage", body)
    assert kept.json()["incident_references"] == ["DW/2026/0042", "LFPSE-2026-001234"]
    replaced = post(lead, f"/api/v1/concerns/{number}/triage",
                    {**body, "incident_references": ["W777"]})  # fmt: skip
    assert replaced.json()["incident_references"] == ["W777"]
    with site.sessions() as session:
        actions = [e.action for e in audit.entries(session, entity="concern")]
    assert actions.count("concern.link_incident") == actions.count("concern.unlink_incident") == 1


def test_the_api_links_and_unlinks_and_refuses_in_order(site: Site) -> None:
    number = _acknowledged(site)
    analyst = site.signed_in("analyst")
    path = f"/api/v1/concerns/{number}/incidents"
    done = post(analyst, path, {"reference": "W1"})
    assert done.status_code == 200
    assert done.json()["incident_references"] == ["W1"]
    version = done.json()["version"]
    stale = post(analyst, path, {"reference": "bad ref", "version": version - 1})
    assert stale.status_code == 409
    bad = post(analyst, path, {"reference": "W1; DROP TABLE", "version": version})
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["message"] == (
        "the incident reference 'W1; DROP TABLE' is not a reference of an incident system"
    )
    assert "up to 40 letters, digits, '-' and '/'" in error["hint"]
    twice = post(analyst, path, {"reference": "W1"})
    assert twice.status_code == 400
    assert twice.json()["error"]["message"].startswith("the incident W1 is already linked")
    assert post(analyst, path + "/remove", {"reference": "W2"}).status_code == 400
    removed = post(analyst, path + "/remove", {"reference": "W1", "version": version})
    assert removed.status_code == 200
    assert removed.json()["incident_references"] == []
    too_long = post(analyst, path, {"reference": "A" * 41})
    assert too_long.status_code == 400
    assert "is 41 characters long; at most 40 are kept" in too_long.json()["error"]["message"]
    other = _acknowledged(site, "RYY01-MAT", "outsider")
    for name, target in (("analyst", other), ("member", number)):
        client = site.signed_in(name)
        refused = post(client, f"/api/v1/concerns/{target}/incidents", {"reference": "x y"})
        assert refused.status_code == 404, name
    assert site.signed_in("outsider").get(f"/api/v1/concerns/{other}").status_code == 200


def test_a_hostile_reference_is_refused_and_shown_escaped(site: Site) -> None:
    number = _acknowledged(site)
    lead = site.signed_in("lead")
    hostile = "<script>alert(1)</script>"
    response = submit(lead, f"/concerns/{number}/incidents", {"reference": hostile})
    assert response.status_code == 400
    assert hostile not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert (
        handling.get_concern(site.sessions, number, actor="lead").concern.incident_references == ()
    )


def test_a_closed_or_received_concern_offers_no_incident_forms(site: Site) -> None:
    made = concerns.submit(site.sessions, "RZZ01-MAT", ConcernChannel.ONLINE, "Words.",
                           clock=CLOCK)  # fmt: skip
    lead = site.signed_in("lead")
    page = read(lead, f"/concerns/{made.concern.id}")
    assert f"/concerns/{made.concern.id}/incidents" not in page.actions()
    refused = post(lead, f"/api/v1/concerns/{made.concern.id}/incidents", {"reference": "W1"})
    assert refused.status_code == 400
    assert "is received: it cannot have an incident linked" in refused.json()["error"]["message"]
