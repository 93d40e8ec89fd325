"""A ward's bedside audit page and its JSON twin (docs/wardcare.md, docs/web.md): the month's late
and missed responses, shown only to people with clinical access to the ward."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from web_helpers import CLOCK, SECRET, password_hash, sign_in
from web_more_helpers import read

from caresignal.data.dataset import Dataset
from caresignal.domain import Role
from caresignal.monitor import wardcare
from caresignal.settings import Settings
from caresignal.store import repo, transaction
from caresignal.store.service import add_user, grant_role, sync_organisations
from caresignal.web.app import create_app

WARD = "ZQL01-PAE"
#: Who holds which role where (ZQL is the ward's trust; ZJK another trust).
PEOPLE = {
    "lead": (Role.UNIT_LEAD, WARD),
    "director": (Role.DIVISIONAL_DIRECTOR, "ZQL01"),
    "outreach": (Role.OUTREACH_TEAM, "ZQL01"),
    "board": (Role.BOARD_MEMBER, "ZQL"),
    "admin": (Role.ADMINISTRATOR, "ZQL"),
    "outsider": (Role.UNIT_LEAD, "ZJK01-PAE"),
    "maternity": (Role.UNIT_LEAD, "ZQL01-MAT"),
}


@pytest.fixture(scope="module")
def data(small_copy: Callable[[], Path]) -> Path:
    return small_copy()


@pytest.fixture(scope="module")
def clients(
    data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, TestClient]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('bedside') / 'caresignal.db'}"
    settings = Settings(database_url=url, secret_key=SECRET, escalation_minutes=0, data_dir=data)
    app = create_app(settings, clock=CLOCK)
    sessions = app.state.caresignal.sessions
    sync_organisations(sessions, Dataset(data), actor="setup", clock=CLOCK, reason="test")
    for name, (role, scope) in PEOPLE.items():
        user = add_user(sessions, name, f"{name}@nhs.net", actor="setup", clock=CLOCK, reason="t")
        grant_role(sessions, name, role, scope, actor="setup", clock=CLOCK, reason="t")
        with transaction(sessions) as session:
            repo.set_password_hash(session, user, password_hash())
    made: dict[str, TestClient] = {}
    with TestClient(app, base_url="https://testserver") as anonymous:
        made["anonymous"] = anonymous
        for name in PEOPLE:
            client = TestClient(app, base_url="https://testserver")
            client.__enter__()
            sign_in(client, name)
            made[name] = client
        yield made
        for name in PEOPLE:
            made[name].__exit__(None, None, None)
    sessions.kw["bind"].dispose()


@pytest.fixture(scope="module")
def expected(data: Path) -> wardcare.WardcareAudit:
    """The ward's audit computed directly from its tables."""
    snapshot = Dataset(data).snapshot()
    stays = snapshot.table("encounters").filter(pl.col("unit_code") == WARD).collect()
    ids = stays.get_column("encounter_id").implode()
    return wardcare.audit(
        stays,
        snapshot.table("observations").filter(pl.col("encounter_id").is_in(ids)).collect(),
        snapshot.table("responses").filter(pl.col("encounter_id").is_in(ids)).collect(),
    )


def _late(audited: wardcare.WardcareAudit, month: str) -> list[tuple[str, str]]:
    start = dt.datetime.fromisoformat(f"{month}-01")
    end = (start + dt.timedelta(days=32)).replace(day=1)
    rows = audited.triggers.filter(
        pl.col("first_in_episode")
        & pl.col("trigger_datetime").is_between(start, end, closed="left")
        & pl.col("status").cast(pl.String).is_in(["late", "missed"])
    ).sort("trigger_datetime")
    return [
        (r["encounter_id"], r["trigger_datetime"].isoformat(sep=" ", timespec="minutes"))
        for r in rows.iter_rows(named=True)
    ]


def test_the_ward_manager_sees_every_late_or_missed_response_of_the_month(
    clients: dict[str, TestClient], expected: wardcare.WardcareAudit
) -> None:
    latest = clients["lead"].get(f"/api/v1/organisations/{WARD}/bedside")
    assert latest.status_code == 200
    body = latest.json()
    assert body["month"] == body["months"][-1]
    month = body["months"][-2]  # last month, as the manager asks for it
    data = clients["lead"].get(f"/api/v1/organisations/{WARD}/bedside?month={month}").json()
    assert data["month"] == month
    assert {"unit", "months", "month", "as_of", "counts", "triggers", "sepsis", "weight"} <= set(
        data
    )
    shown = [(t["encounter_id"], t["trigger_datetime"]) for t in data["triggers"]]
    assert shown == _late(expected, month)
    assert shown, "the synthetic ward has late responses every month"
    assert {t["status"] for t in data["triggers"]} <= {"late", "missed"}
    monthly = expected.monthly.filter(pl.col("month").dt.strftime("%Y-%m") == month)
    assert data["counts"]["triggers"] == monthly.get_column("triggers").item()
    assert data["counts"]["triggers_in_time"] == monthly.get_column("triggers_in_time").item()
    page = read(clients["lead"], f"/organisations/{WARD}/bedside?month={month}")
    text = page.text
    assert f"Late or missed responses to triggers ({len(shown)})" in text
    for encounter, _ in shown:
        assert encounter in text


@pytest.mark.parametrize("name", ["lead", "director", "outreach"])
def test_clinical_roles_in_the_ward_its_site_or_its_trust_see_it(
    clients: dict[str, TestClient], name: str
) -> None:
    assert clients[name].get(f"/api/v1/organisations/{WARD}/bedside").status_code == 200
    assert (
        f'href="/organisations/{WARD}/bedside"' in clients[name].get(f"/organisations/{WARD}").text
    )


@pytest.mark.parametrize("name", ["board", "admin", "outsider"])
def test_anyone_else_is_told_it_is_not_found(clients: dict[str, TestClient], name: str) -> None:
    assert clients[name].get(f"/api/v1/organisations/{WARD}/bedside").status_code == 404
    assert clients[name].get(f"/organisations/{WARD}/bedside").status_code == 404
    unit_page = clients[name].get(f"/organisations/{WARD}")
    assert f'href="/organisations/{WARD}/bedside"' not in unit_page.text


def test_signing_in_is_needed(clients: dict[str, TestClient]) -> None:
    anonymous = clients["anonymous"]
    assert anonymous.get(f"/api/v1/organisations/{WARD}/bedside").status_code == 401
    page = anonymous.get(f"/organisations/{WARD}/bedside", follow_redirects=False)
    assert page.status_code in (302, 303)


def test_a_month_without_data_and_a_ward_without_observations(
    clients: dict[str, TestClient],
) -> None:
    wrong = clients["lead"].get(f"/api/v1/organisations/{WARD}/bedside?month=1999-01")
    assert wrong.status_code == 404
    assert "1999-01" in wrong.text
    none = clients["maternity"].get("/api/v1/organisations/ZQL01-MAT/bedside").json()
    assert none["months"] == []
    assert "no bedside observations" in none["note"]
