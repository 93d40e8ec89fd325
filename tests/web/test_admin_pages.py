"""The administration pages and their JSON twins: the people and roles an administrator
administers, adding people and granting and revoking roles through the store's use cases (each
in the audit log with the administrator and their reason), refusals (CSRF, a non-administrator,
another trust's administrator), the organisation tree, and the catalogue with a risk model
fitted by a scan of the small dataset (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_helpers import CLOCK, SECRET, Site, open_site, password_hash, sign_in
from web_more_helpers import post, read, submit

from caresignal.data.dataset import Dataset
from caresignal.domain import AuditEntry, Role
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.scan import scan
from caresignal.settings import Settings
from caresignal.store import audit, repo, transaction
from caresignal.store.service import add_user, grant_role, sync_organisations
from caresignal.web.app import create_app

#: Everyone holding a role in trust RZZ or below (web_helpers.PEOPLE), by name.
RZZ_PEOPLE = ["admin", "analyst", "champion", "director", "lead", "member"]


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """The app on a store of its own (see :func:`web_helpers.open_site`), with an administrator
    of the other trust, RYY, too."""
    with open_site(database_url) as made:
        add_user(made.sessions, "ryy-admin", "ryy@nhs.net", actor="setup", clock=CLOCK, reason="t")
        grant_role(made.sessions, "ryy-admin", Role.ADMINISTRATOR, "RYY", actor="setup",
                   clock=CLOCK, reason="t")  # fmt: skip
        with transaction(made.sessions) as session:
            user = repo.find_user(session, "ryy-admin")
            assert user is not None
            repo.set_password_hash(session, user, password_hash())
        yield made


def _entries(site: Site, action: str) -> list[AuditEntry]:
    with site.sessions() as session:
        return [e for e in audit.entries(session) if e.action == action]


def _roles(site: Site, name: str) -> list[tuple[str, str | None]]:
    with site.sessions() as session:
        user = repo.find_user(session, name)
        assert user is not None
        return [(g.role.value, g.organisation_code) for g in repo.grants_of(session, user)]


def test_an_administrator_sees_the_people_of_their_trust_and_their_roles_there(site: Site) -> None:
    admin = site.signed_in("admin")
    data = admin.get("/api/v1/admin/users").json()
    assert set(data) == {"administrator", "administers", "users", "roles", "organisations"}
    assert data["administers"] == [{"code": "RZZ", "name": "Org RZZ", "level": "trust"}]
    assert [u["name"] for u in data["users"]] == RZZ_PEOPLE  # no regulator, no one of RYY
    lead = next(u for u in data["users"] if u["name"] == "lead")
    assert lead == {
        "name": "lead", "email": "lead@nhs.net",
        "roles": [{"id": 1, "role": "unit_lead", "organisation": "RZZ01-MAT"}],
    }  # fmt: skip
    assert "regulator" not in data["roles"]
    assert [o["code"] for o in data["organisations"]] == ["RZZ", "RZZ01", "RZZ01-MAT"]
    page = read(admin, "/admin/users")
    table = page.table("People holding roles here")
    assert table.headers == ["Name", "E-mail", "Roles here"]
    assert ["lead", "lead@nhs.net", "unit lead in RZZ01-MAT"] in table.rows
    assert "outsider" not in page.text
    assert "inspector" not in page.text
    assert set(page.form("/admin/users").fields) == {
        "csrf_token", "name", "email", "role", "organisation", "reason",
    }  # fmt: skip
    assert "password" not in page.form("/admin/users").fields
    assert "caresignal user password NAME" in page.text


def test_a_grant_and_a_revoke_go_through_the_use_cases_into_the_audit_log(site: Site) -> None:
    admin = site.signed_in("admin")
    cover = {"role": "quality_analyst", "organisation": "RZZ01"}
    done = submit(admin, "/admin/users/lead/roles", {**cover, "reason": "covers audit"})
    assert (done.status_code, done.headers["location"]) == (303, "/admin/users/lead")
    assert ("quality_analyst", "RZZ01") in _roles(site, "lead")
    granted = _entries(site, "role.grant")[-1]
    assert (granted.actor, granted.reason) == ("admin", "covers audit")
    assert granted.entity == "role_grant"
    assert granted.after is not None
    assert granted.after["user"] == "lead"
    page = read(admin, "/admin/users/lead")
    assert "lead now holds the role quality_analyst in RZZ01." in page.text
    assert ["quality analyst", "RZZ01", "Why revoke quality analyst in RZZ01 Revoke"] in page.table(
        "Roles lead holds here"
    ).rows
    assert "/audit/user/lead" in page.links
    again = post(admin, "/api/v1/admin/users/lead/roles", {**cover, "reason": "again"})
    assert again.json()["new"] is False
    gone = post(admin, "/api/v1/admin/users/lead/revoke", {**cover, "reason": "cover ended"})
    assert gone.status_code == 200, gone.text
    assert gone.json() == {"revoked": {"id": granted.after["id"], "user": "lead",
                                       "role": "quality_analyst", "organisation": "RZZ01",
                                       "region": None}}  # fmt: skip
    revoked = _entries(site, "role.revoke")[-1]
    assert (revoked.actor, revoked.reason, revoked.after) == ("admin", "cover ended", None)
    assert _roles(site, "lead") == [("unit_lead", "RZZ01-MAT")]
    trail = admin.get("/api/v1/audit/role_grant/" + str(granted.after["id"])).json()
    assert [e["action"] for e in trail["entries"]] == ["role.grant", "role.revoke"]


def test_adding_a_person_gives_them_a_first_role_and_never_a_password(site: Site) -> None:
    admin = site.signed_in("admin")
    made = submit(admin, "/admin/users", {
        "name": "b.okafor", "email": "b.okafor@nhs.net", "role": "unit_lead",
        "organisation": "RZZ01-MAT", "reason": "new unit lead from 1 December",
    })  # fmt: skip
    assert (made.status_code, made.headers["location"]) == (303, "/admin/users/b.okafor")
    assert _roles(site, "b.okafor") == [("unit_lead", "RZZ01-MAT")]
    assert [(e.actor, e.entity_id, e.reason) for e in _entries(site, "user.add")][-1] == (
        "admin", "b.okafor", "new unit lead from 1 December",
    )  # fmt: skip
    with site.sessions() as session:
        assert repo.password_hash(session, "b.okafor") is None
    data = admin.get("/api/v1/admin/users/b.okafor").json()
    assert set(data) == {"user", "trail", "roles", "organisations"}
    assert set(data["user"]) == {"name", "email", "roles"}
    before = len(_entries(site, "user.add"))
    wrong_level = post(admin, "/api/v1/admin/users", {
        "name": "c.nwosu", "email": "c@nhs.net", "role": "unit_lead", "organisation": "RZZ",
        "reason": "x",
    })  # fmt: skip
    assert wrong_level.status_code == 400
    assert "unit_lead is a role held in a site or a unit" in wrong_level.json()["error"]["message"]
    no_reason = post(admin, "/api/v1/admin/users", {
        "name": "c.nwosu", "email": "c@nhs.net", "role": "unit_lead", "organisation": "RZZ01",
        "reason": " ",
    })  # fmt: skip
    assert no_reason.status_code == 400
    regulator = post(admin, "/api/v1/admin/users", {
        "name": "c.nwosu", "email": "c@nhs.net", "role": "regulator", "organisation": "RZZ",
        "reason": "x",
    })  # fmt: skip
    assert regulator.status_code == 403
    assert len(_entries(site, "user.add")) == before  # nobody added


def test_every_change_needs_the_csrf_token(site: Site) -> None:
    admin = site.signed_in("admin")
    before = len(_entries(site, "role.grant"))
    body = {"role": "quality_analyst", "organisation": "RZZ01", "reason": "x"}
    for path in ("/admin/users/lead/roles", "/api/v1/admin/users/lead/roles"):
        assert admin.post(path, data=body).status_code == 403, path
    refused = admin.post("/api/v1/admin/users/lead/revoke", json=body)
    assert refused.status_code == 403
    message = refused.json()["error"]["message"]
    assert message == "this form has expired or did not come from caresignal"
    assert len(_entries(site, "role.grant")) == before
    assert _roles(site, "lead") == [("unit_lead", "RZZ01-MAT")]


@pytest.mark.parametrize("name", ["lead", "champion", "inspector", "analyst"])
def test_anyone_but_an_administrator_is_refused(site: Site, name: str) -> None:
    client = site.signed_in(name)
    for path in ("/api/v1/admin", "/api/v1/admin/users", "/api/v1/admin/users/lead",
                 "/api/v1/admin/organisations", "/api/v1/admin/catalogue"):  # fmt: skip
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert refused.json()["error"]["message"].startswith(f"{name} may not administer")
    read(client, "/admin/users", 403)
    body = {"role": "quality_analyst", "organisation": "RZZ01", "reason": "x"}
    assert post(client, "/api/v1/admin/users/lead/roles", body).status_code == 403
    assert _roles(site, "lead") == [("unit_lead", "RZZ01-MAT")]


def test_another_trusts_administrator_neither_sees_nor_changes_this_trusts_people(
    site: Site,
) -> None:
    other = site.signed_in("ryy-admin")
    listed = other.get("/api/v1/admin/users").json()
    assert [u["name"] for u in listed["users"]] == ["outsider", "ryy-admin"]
    assert other.get("/api/v1/admin/users/lead").status_code == 404
    read(other, "/admin/users/lead", 404)
    body = {"role": "unit_lead", "organisation": "RZZ01-MAT", "reason": "x"}
    for path in ("/api/v1/admin/users/lead/roles", "/api/v1/admin/users/lead/revoke"):
        refused = post(other, path, body)
        assert refused.status_code == 404, path
        assert "lead" in refused.json()["error"]["message"]
    assert submit(other, "/admin/users/lead/revoke", body).status_code == 404
    # granting a role in RZZ to their own person is not theirs to do either
    into_rzz = post(other, "/api/v1/admin/users/outsider/roles", body)
    assert into_rzz.status_code == 403
    assert _roles(site, "lead") == [("unit_lead", "RZZ01-MAT")]
    assert _roles(site, "outsider") == [("executive_safety_champion", "RYY")]


def test_the_organisation_tree_is_what_the_administrator_administers(site: Site) -> None:
    admin = site.signed_in("admin")
    tree = admin.get("/api/v1/admin/organisations").json()
    unit: dict[str, Any] = {"code": "RZZ01-MAT", "name": "Org RZZ01-MAT", "level": "unit",
            "parent_code": "RZZ01", "unit_type": None, "comparator_group": None, "region": None,
            "children": []}  # fmt: skip
    assert tree == {"organisations": [{
        "code": "RZZ", "name": "Org RZZ", "level": "trust", "parent_code": None,
        "unit_type": None, "comparator_group": None, "region": "South East",
        "children": [{"code": "RZZ01", "name": "Org RZZ01", "level": "site", "parent_code": "RZZ",
                      "unit_type": None, "comparator_group": None, "region": None,
                      "children": [unit]}],
    }]}  # fmt: skip
    page = read(admin, "/admin/organisations")
    assert "Org RZZ01-MAT (RZZ01-MAT, unit)" in page.text
    assert "RYY" not in page.text


# The catalogue, with a model fitted by a scan of the small synthetic dataset.


@pytest.fixture(scope="module")
def scanned(small_copy: Callable[[], Path]) -> Path:
    """A copy of the small dataset, scanned once: its risk models fitted and recorded."""
    data = small_copy()
    scan(Dataset(data), load_catalogue(), as_of=dt.date(2025, 12, 31), clock=CLOCK)
    return data


@pytest.fixture
def catalogue_client(database_url: str, scanned: Path) -> Iterator[TestClient]:
    """A client signed in as an administrator of the first trust of the scanned data."""
    settings = Settings(
        database_url=database_url, secret_key=SECRET, escalation_minutes=0, data_dir=scanned
    )
    app = create_app(settings, clock=CLOCK)
    sessions = app.state.caresignal.sessions
    sync_organisations(sessions, Dataset(scanned), actor="setup", clock=CLOCK, reason="test")
    with sessions() as session:
        trust = next(o.code for o in repo.organisations(session) if o.level == "trust")
    user = add_user(sessions, "admin", "a@nhs.net", actor="setup", clock=CLOCK, reason="")
    grant_role(sessions, "admin", Role.ADMINISTRATOR, trust, actor="setup", clock=CLOCK,
               reason="t")  # fmt: skip
    with transaction(sessions) as session:
        repo.set_password_hash(session, user, password_hash())
    with TestClient(app, base_url="https://testserver") as client:
        sign_in(client, "admin")
        yield client
    sessions.kw["bind"].dispose()


def test_the_catalogue_shows_each_indicator_and_the_model_a_scan_fitted(
    catalogue_client: TestClient, scanned: Path
) -> None:
    recorded = sorted((scanned / "models").glob("*.json"))
    assert recorded, "the scan records its fitted models"
    ident = recorded[0].stem
    document = json.loads(recorded[0].read_text("utf-8"))["current"]
    data = catalogue_client.get("/api/v1/admin/catalogue").json()
    assert [i["id"] for i in data["indicators"]] == list(load_catalogue().ids)
    entry = next(i for i in data["indicators"] if i["id"] == ident)
    assert set(entry) == {
        "id", "title", "description", "file", "table", "level", "unit_types", "period",
        "worse", "methods", "risk_model", "reference", "fitted",
    }  # fmt: skip
    assert set(entry["risk_model"]) == {"covariates", "categorical", "formula", "derived",
                                        "baseline"}  # fmt: skip
    fitted = entry["fitted"]
    assert set(fitted) == {"fitted_at", "baseline", "cases", "events", "c_statistic",
                           "ci_level", "terms", "earlier_fits"}  # fmt: skip
    assert (fitted["cases"], fitted["events"]) == (document["cases"], document["events"])
    assert fitted["c_statistic"] == pytest.approx(document["c_statistic"])
    model = document["model"]
    assert [t["term"] for t in fitted["terms"]] == model["terms"]
    assert [t["coefficient"] for t in fitted["terms"]] == pytest.approx(model["coefficients"])
    assert [t["std_error"] for t in fitted["terms"]] == pytest.approx(model["std_errors"])
    one = catalogue_client.get(f"/api/v1/admin/catalogue/{ident}").json()
    assert one == entry
    page = read(catalogue_client, f"/admin/catalogue/{ident}")
    table = page.table("Coefficients of the fitted model")
    assert table.headers == ["Term", "Coefficient", "Standard error", "Interval", "p"]
    assert table.rows[0][:3] == [
        "Intercept", f"{model['coefficients'][0]:.3f}", f"{model['std_errors'][0]:.3f}",
    ]  # fmt: skip
    assert f"on {document['cases']} cases" in page.text
    listing = read(catalogue_client, "/admin/catalogue")
    assert f"/admin/catalogue/{ident}" in listing.links
    assert catalogue_client.get("/api/v1/admin/catalogue/no_such").status_code == 404


def test_the_catalogue_files_are_shown_as_written(catalogue_client: TestClient) -> None:
    files = catalogue_client.get("/api/v1/admin/catalogue/source").json()["files"]
    assert [f["name"] for f in files] == list(load_catalogue().files)
    assert all(f["text"].lstrip().startswith("#") for f in files)
    page = read(catalogue_client, "/admin/catalogue/source")
    assert 'id = "moss_term_mortality"' in page.text
