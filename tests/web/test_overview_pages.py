"""The overview and the trust, site and unit pages, with their JSON twins and downloads: each
person sees the units their roles reach (a regulator: the trusts of their region), another
trust's organisation is "not found", the table filters and sorts by query parameters, and the
CSV and Excel files hold the table as shown (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from web_helpers import CLOCK, SECRET, password_hash, sign_in
from web_more_helpers import read

from caresignal.data.dataset import Dataset
from caresignal.domain import Role
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.scan import ScanResult, scan, write_findings
from caresignal.settings import Settings
from caresignal.store import repo, transaction
from caresignal.store.service import add_user, grant_role, sync_organisations
from caresignal.web.app import create_app
from caresignal.workflow import service

AS_OF = dt.date(2025, 12, 31)
#: Who holds which role where in the small synthetic dataset: trust ZJK is in the North West,
#: trusts ZQL and ZSK in the South East.
PEOPLE = {
    "champion": (Role.EXECUTIVE_SAFETY_CHAMPION, "ZJK"),
    "inspector": (Role.REGULATOR, "South East"),
    "lead": (Role.UNIT_LEAD, "ZJK01-PAE"),
}
ROW = {
    "indicator", "indicator_title", "unit", "unit_name", "level", "trust", "trust_name",
    "method", "variation", "variation_text", "assurance", "assurance_text", "month", "value",
    "centre", "observed", "cases", "expected", "expected_from", "ratio", "open_signals", "href",
}  # fmt: skip
EPM = "extended_perinatal_mortality"

SignIn = Callable[[str], TestClient]


@pytest.fixture(scope="module")
def data(small_copy: Callable[[], Path]) -> Path:
    return small_copy()


@pytest.fixture(scope="module")
def result(data: Path) -> ScanResult:
    found = scan(Dataset(data), load_catalogue(), as_of=AS_OF, clock=CLOCK)
    write_findings(found, data)
    return found


@contextmanager
def _site(
    database_url: str, data: Path, result: ScanResult, served: Path | None = None
) -> Iterator[SignIn]:
    """The app on ``data`` (or on ``served``) with the organisations of ``data`` and the scan's
    findings merged into its store, and :data:`PEOPLE`."""
    settings = Settings(
        database_url=database_url, secret_key=SECRET, escalation_minutes=0,
        data_dir=served or data,
    )  # fmt: skip
    app = create_app(settings, clock=CLOCK)
    sessions = app.state.caresignal.sessions
    sync_organisations(sessions, Dataset(data), actor="setup", clock=CLOCK, reason="test")
    for name, (role, scope) in PEOPLE.items():
        user = add_user(sessions, name, f"{name}@nhs.net", actor="setup", clock=CLOCK, reason="")
        grant_role(sessions, name, role, scope, actor="setup", clock=CLOCK, reason="test")
        with transaction(sessions) as session:
            repo.set_password_hash(session, user, password_hash())
    service.merge_findings(sessions, result, actor="scan", clock=CLOCK)
    clients: list[TestClient] = []

    def signed_in(name: str) -> TestClient:
        client = TestClient(app, base_url="https://testserver")
        client.__enter__()
        clients.append(client)
        sign_in(client, name)
        return client

    try:
        yield signed_in
    finally:
        for client in clients:
            client.__exit__(None, None, None)
        sessions.kw["bind"].dispose()


@pytest.fixture
def people(database_url: str, data: Path, result: ScanResult) -> Iterator[SignIn]:
    with _site(database_url, data, result) as signed_in:
        yield signed_in


def _json(client: TestClient, path: str, status: int = 200) -> Any:
    response = client.get(path)
    assert response.status_code == status, response.text
    return response.json()


def _every_row(client: TestClient, query: str = "") -> list[dict[str, Any]]:
    """The overview's rows of every indicator, page by page, indicator by indicator."""
    first = _json(client, f"/api/v1/overview{query}")
    rows: list[dict[str, Any]] = []
    joined = f"{query}&" if query else "?"
    for choice in first["choices"]["indicators"]:
        number, pages = 1, 1
        while number <= pages:
            data = _json(client, f"/api/v1/overview{joined}indicator={choice['id']}&page={number}")
            rows += data["rows"]
            pages, number = data["page"]["pages"], number + 1
    return rows


def test_the_overview_json_shows_the_trusts_units_with_icons_and_signals(
    people: SignIn, result: ScanResult
) -> None:
    champion = people("champion")
    data = _json(champion, "/api/v1/overview")
    assert set(data) == {"as_of", "note", "filters", "choices", "indicators", "page", "rows"}
    assert (data["as_of"], data["note"]) == (AS_OF.isoformat(), None)
    # One indicator at a time: the first of the catalogue with an open signal the person sees.
    signalled = [c["id"] for c in data["choices"]["indicators"] if c["open_signals"]]
    assert data["filters"] == {"indicator": signalled[0], "trust": None, "variation": None,
                               "sort": "unit"}  # fmt: skip
    assert [i["id"] for i in data["indicators"]] == [signalled[0]]
    assert {row["indicator"] for row in data["rows"]} == {signalled[0]}
    assert data["page"] == {"number": 1, "pages": 1, "rows": len(data["rows"]), "per_page": 100}
    assert data["choices"]["trusts"] == [{"code": "ZJK", "name": data["rows"][0]["trust_name"]}]
    rows = _every_row(champion)
    assert rows
    assert all(set(row) == ROW for row in rows)
    assert {row["trust"] for row in rows} == {"ZJK"}
    assert {row["unit"] for row in rows} == {"ZJK01", "ZJK02", "ZJK01-ADW1", "ZJK01-PAE"}
    (epm,) = [r for r in rows if (r["unit"], r["indicator"]) == ("ZJK01", EPM)]
    assert (epm["method"], epm["variation"]) == ("p_chart", "special_cause_concern_high")
    assert epm["expected_from"] == "risk_model"
    assert epm["ratio"] == pytest.approx(epm["observed"] / epm["expected"])
    assert epm["href"] == f"/organisations/ZJK01/indicators/{EPM}"
    open_here = {(f.unit, f.indicator) for f in result.findings if f.unit.startswith("ZJK")}
    assert epm["open_signals"] >= 1
    assert all(r["open_signals"] == 0 for r in rows if (r["unit"], r["indicator"]) not in open_here)
    assert _json(champion, "/api/v1/overview?indicator=ed_4h")["indicators"][0]["funnel"] is None
    funnel = _json(champion, f"/api/v1/overview?indicator={EPM}")["indicators"][0]["funnel"]
    assert set(funnel) == {"title", "description", "spec"}
    assert {u["label"] for u in funnel["spec"]["datasets"]["units"]} == {"ZJK01", "ZJK02"}
    assert funnel["spec"]["datasets"]["limits"]  # the limits are every unit's


def test_a_regulator_sees_the_trusts_of_their_region_and_nothing_else(people: SignIn) -> None:
    inspector = people("inspector")
    rows = _every_row(inspector)
    assert {row["trust"] for row in rows} == {"ZQL", "ZSK"}
    assert _json(inspector, "/api/v1/organisations/ZQL")["organisation"]["region"] == "South East"
    hidden = _json(inspector, "/api/v1/organisations/ZJK01", 404)
    missing = _json(inspector, "/api/v1/organisations/NOPE1", 404)
    assert hidden["error"]["title"] == missing["error"]["title"] == "Page not found"
    assert hidden["error"]["message"] == "there is no organisation with code 'ZJK01' in the store"
    _json(inspector, f"/api/v1/organisations/ZJK01/indicators/{EPM}", 404)
    assert inspector.get("/organisations/ZJK").status_code == 404
    assert inspector.get("/overview?trust=ZJK").status_code == 404


def test_a_unit_lead_sees_their_unit_only(people: SignIn) -> None:
    lead = people("lead")
    rows = _every_row(lead)
    assert {row["unit"] for row in rows} == {"ZJK01-PAE"}
    _json(lead, "/api/v1/organisations/ZJK01", 404)  # the site above the unit
    unit = _json(lead, "/api/v1/organisations/ZJK01-PAE")
    assert [c["code"] for c in unit["chain"]] == ["ZJK", "ZJK01"]
    assert [c["href"] for c in unit["chain"]] == [None, None]  # named, not linked


def test_filters_and_sorts(people: SignIn) -> None:
    inspector = people("inspector")
    by_ratio = _json(inspector, f"/api/v1/overview?indicator={EPM}&sort=ratio")
    ratios = [row["ratio"] for row in by_ratio["rows"]]
    assert {row["indicator"] for row in by_ratio["rows"]} == {EPM}
    assert len(ratios) == 4
    assert ratios == sorted(ratios, reverse=True)
    assert [i["id"] for i in by_ratio["indicators"]] == [EPM]
    concerns = _every_row(inspector, "?variation=concern&trust=ZQL")
    assert concerns
    assert all("concern" in row["variation"] for row in concerns)
    assert {row["trust"] for row in concerns} == {"ZQL"}
    signals = [r["open_signals"] for r in _json(inspector, "/api/v1/overview?sort=signals")["rows"]]
    assert signals == sorted(signals, reverse=True)
    assert signals[0] > 0
    refused = _json(inspector, "/api/v1/overview?sort=colour", 422)
    assert "sort must be one of: unit, indicator, variation, signals, ratio" in str(refused)


def test_the_overview_page_is_the_table_with_labelled_filters(people: SignIn) -> None:
    champion = people("champion")
    data = _json(champion, "/api/v1/overview?sort=ratio")
    page = read(champion, "/overview?sort=ratio")  # labels, captions, no inline script or style
    assert "/overview" in page.links  # in the header's navigation
    form = page.form("/overview")
    assert set(form.fields) == {"indicator", "trust", "variation", "sort"}
    table = page.table("Units your roles reach")
    assert table.headers[:3] == ["Indicator", "Where", "Variation"]
    assert [row[1].split("(")[-1].rstrip(")") for row in table.rows] == [
        row["unit"] for row in data["rows"]
    ]
    assert "/overview.xlsx?sort=ratio" in page.links
    funnels = [i for i in data["indicators"] if i["funnel"]]
    html = champion.get("/overview?sort=ratio").text
    assert html.count("data-chart-spec=") == len(funnels) == 1  # the chosen indicator's
    scripts = Scripts(html).scripts
    for attrs in scripts:  # files of this site, or JSON data blocks, which are never run
        assert attrs.get("src", "").startswith("/static/") or attrs["type"] == "application/json"
    filtered = read(champion, "/overview?variation=concern")
    assert 'value="concern" selected' in champion.get("/overview?variation=concern").text
    assert len(filtered.table("Units your roles reach").rows) < len(table.rows)
    chosen = data["filters"]["indicator"]
    assert f'value="{chosen}" selected' in html
    assert f"/overview.csv?indicator={chosen}&sort=ratio" in page.links
    assert "/overview.csv?sort=ratio" in page.links  # every indicator


def test_without_data_the_pages_say_so(
    database_url: str, data: Path, result: ScanResult, tmp_path: Path
) -> None:
    with _site(database_url, data, result, tmp_path / "none") as signed_in:
        champion = signed_in("champion")
        shown = _json(champion, "/api/v1/overview")
        assert shown["note"] == "Nothing to show: the server's data directory holds no data."
        assert (shown["rows"], shown["indicators"], shown["as_of"]) == ([], [], None)
        assert "holds no data" in read(champion, "/overview").text
        assert _json(champion, "/api/v1/organisations/ZJK")["rows"] == []
    assert not (tmp_path / "none").exists()


class Scripts(HTMLParser):
    """The attributes of a page's script elements."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.scripts: list[dict[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append({key: value or "" for key, value in attrs})


def test_downloads_hold_the_table_as_filtered(people: SignIn) -> None:
    inspector = people("inspector")
    query = f"?indicator={EPM}&variation=concern&sort=ratio"
    rows = _json(inspector, f"/api/v1/overview{query}")["rows"]
    every = inspector.get("/overview.csv?variation=concern&sort=ratio")  # every indicator
    every_rows = _every_row(inspector, "?variation=concern&sort=ratio")
    assert pl.read_csv(io.BytesIO(every.content)).height == len(every_rows) > len(rows)
    csv = inspector.get(f"/overview.csv{query}")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    name = f"caresignal-overview-{AS_OF.isoformat()}"
    assert csv.headers["content-disposition"] == f'attachment; filename="{name}.csv"'
    frame = pl.read_csv(io.BytesIO(csv.content))
    assert frame["Organisation"].to_list() == [row["unit"] for row in rows]
    assert frame["Open signals"].to_list() == [row["open_signals"] for row in rows]
    excel = inspector.get(f"/overview.xlsx{query}")
    assert excel.headers["content-disposition"] == f'attachment; filename="{name}.xlsx"'
    assert inspector.get(f"/api/v1/overview.csv{query}").content == csv.content
    stranger = TestClient(inspector.app, base_url="https://testserver")
    assert stranger.get("/api/v1/overview.csv").status_code == 401
    assert stranger.get("/overview.xlsx", follow_redirects=False).status_code == 303
    sheet = pl.read_excel(io.BytesIO(excel.content), sheet_name="Overview")
    assert sheet.columns == frame.columns
    assert sheet["Organisation"].to_list() == [row["unit"] for row in rows]
    assert sheet["Observed / expected"].to_list() == pytest.approx(
        [row["ratio"] for row in rows], nan_ok=True
    )


def test_the_trust_site_and_unit_pages(people: SignIn) -> None:
    champion = people("champion")
    trust = _json(champion, "/api/v1/organisations/ZJK")
    assert set(trust) == {"organisation", "chain", "children", "as_of", "note", "rows",
                          "bedside_href"}  # fmt: skip
    assert trust["bedside_href"] is None  # a trust, not a ward
    assert [c["code"] for c in trust["children"]] == ["ZJK01", "ZJK02"]
    assert {row["unit"] for row in trust["rows"]} == {"ZJK01", "ZJK02", "ZJK01-ADW1",
                                                      "ZJK01-PAE"}  # fmt: skip
    site = _json(champion, "/api/v1/organisations/ZJK02")
    assert {row["unit"] for row in site["rows"]} == {"ZJK02"}
    page = read(champion, "/organisations/ZJK01")
    assert "/organisations/ZJK" in page.links
    assert "/organisations/ZJK01-PAE" in page.links
    assert page.table("Indicators of").rows
    read(champion, "/organisations/ZQL01-MAT", 404)  # another trust's unit


def test_an_indicator_page_has_its_months_and_charts(people: SignIn) -> None:
    champion = people("champion")
    data = _json(champion, f"/api/v1/organisations/ZJK01/indicators/{EPM}")
    assert set(data) == {"organisation", "chain", "indicator", "standing", "months",
                         "charts_href"}  # fmt: skip
    assert data["standing"]["variation"] == "special_cause_concern_high"
    months = data["months"]
    assert len(months) == 12
    assert months[0]["month"] == "2025-12-01"
    assert sum(m["observed"] for m in months) == data["standing"]["observed"]
    assert sum(m["expected_risk_model"] for m in months) == pytest.approx(
        data["standing"]["expected"]
    )
    charts = _json(champion, data["charts_href"])
    assert charts["charts_as_of"] == AS_OF.isoformat()
    assert {c["method"] for c in charts["charts"]} >= {"bernoulli_cusum", "funnel", "p_chart"}
    (funnel,) = [c for c in charts["charts"] if c["method"] == "funnel"]
    assert {u["label"] for u in funnel["spec"]["datasets"]["units"]} == {"ZJK01", "ZJK02"}
    page = read(champion, f"/organisations/ZJK01/indicators/{EPM}")
    assert len(page.table("Observed and expected, month by month").rows) == 12
    html = champion.get(f"/organisations/ZJK01/indicators/{EPM}").text
    assert f'data-charts="{data["charts_href"]}"' in html
    _json(champion, "/api/v1/organisations/ZJK01/indicators/ed_4h", 404)  # not watched there
    _json(champion, "/api/v1/organisations/ZJK01/indicators/ed_4h/charts", 404)
    _json(people("inspector"), data["charts_href"], 404)  # another region's


def test_a_new_scan_or_a_new_role_shows_at_once(
    database_url: str, small_copy: Callable[[], Path], result: ScanResult
) -> None:
    """The standings are kept per data state and what a person reaches per store state: a
    rescan, and a role granted, show on the next request."""
    served = small_copy()
    write_findings(result, served)
    with _site(database_url, served, result) as signed_in:
        lead = signed_in("lead")
        assert _json(lead, "/api/v1/overview")["as_of"] == AS_OF.isoformat()
        assert {row["unit"] for row in _every_row(lead)} == {"ZJK01-PAE"}
        earlier = dt.date(2025, 10, 31)
        write_findings(scan(Dataset(served), load_catalogue(), as_of=earlier, clock=CLOCK), served)
        assert _json(lead, "/api/v1/overview")["as_of"] == earlier.isoformat()
        sessions = lead.app.state.caresignal.sessions  # type: ignore[attr-defined]
        grant_role(sessions, "lead", Role.UNIT_LEAD, "ZJK02", actor="setup", clock=CLOCK,
                   reason="test")  # fmt: skip
        assert {row["unit"] for row in _every_row(lead)} == {"ZJK01-PAE", "ZJK02"}
