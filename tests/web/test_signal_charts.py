"""A signal's charts: from its chart route as Vega-Lite specifications with the scan's numbers,
with the same permission as its page, fetched and drawn by static/charts.js after the page has
loaded, with no inline script."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from web_helpers import CLOCK, SECRET, password_hash, sign_in

from caresignal.data.dataset import Dataset
from caresignal.domain import Role
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.scan import Finding, ScanResult, scan
from caresignal.settings import Settings
from caresignal.store import repo, transaction
from caresignal.store.service import add_user, grant_role, sync_organisations
from caresignal.web.app import create_app
from caresignal.web.deps import AppState
from caresignal.workflow import service

AS_OF = dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def data(small_copy: Callable[[], Path]) -> Path:
    return small_copy()


@pytest.fixture(scope="module")
def result(data: Path) -> ScanResult:
    return scan(Dataset(data), load_catalogue(), as_of=AS_OF, clock=CLOCK)


@pytest.fixture(scope="module")
def red(result: ScanResult) -> Finding:
    return next(f for f in result.findings if f.method == "bernoulli_cusum" and f.level == "red")


@contextmanager
def site(database_url: str, data: Path, result: ScanResult, trust: str) -> Iterator[TestClient]:
    """The app on ``data`` with the scan's findings merged into its store, and a client signed
    in as the executive safety champion of ``trust``."""
    settings = Settings(
        database_url=database_url, secret_key=SECRET, escalation_minutes=0, data_dir=data
    )
    app = create_app(settings, clock=CLOCK)
    sessions = app.state.caresignal.sessions
    sync_organisations(sessions, Dataset(data), actor="setup", clock=CLOCK, reason="test")
    user = add_user(sessions, "champion", "c@nhs.net", actor="setup", clock=CLOCK, reason="")
    grant_role(sessions, "champion", Role.EXECUTIVE_SAFETY_CHAMPION, trust, actor="setup",
               clock=CLOCK, reason="test")  # fmt: skip
    with transaction(sessions) as session:
        repo.set_password_hash(session, user, password_hash())
    service.merge_findings(sessions, result, actor="scan", clock=CLOCK)
    client = TestClient(app, base_url="https://testserver")
    with client:
        sign_in(client, "champion")
        yield client
    sessions.kw["bind"].dispose()


def _trust(data: Path, unit: str) -> str:
    organisations = Dataset(data).table("organisations").collect()
    code = unit
    while True:
        row = organisations.filter(pl.col("code") == code).row(0, named=True)
        if row["parent_code"] is None:
            return code
        code = row["parent_code"]


def _episode(client: TestClient, finding: Finding) -> dict[str, Any]:
    listed = client.get("/api/v1/signals").json()
    (item,) = [
        e
        for e in listed
        if (e["unit"], e["indicator"], e["direction"])
        == (finding.unit, finding.indicator, finding.direction)
    ]
    response = client.get(f"/api/v1/signals/{item['id']}")
    assert response.status_code == 200
    episode: dict[str, Any] = response.json()
    return episode


class Scripts(HTMLParser):
    """The page's script elements (attributes and text) and its chart containers."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.drawings: list[dict[str, str]] = []
        self._open: dict[str, str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key: value or "" for key, value in attrs}
        if tag == "script":
            self._open = named
            self.scripts.append((named, ""))
        if "data-chart-spec" in named:
            self.drawings.append(named)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open = None


def test_the_json_twin_has_every_chart_with_the_scans_numbers(
    database_url: str, data: Path, result: ScanResult, red: Finding
) -> None:
    with site(database_url, data, result, _trust(data, red.unit)) as client:
        episode = _episode(client, red)
        assert "charts" not in episode  # not inline: the twin says where they are
        found = _json(client, episode["charts_href"])
        again = client.get(episode["charts_href"]).content  # kept: the same answer
        assert again == client.get(episode["charts_href"]).content
    charts = found["charts"]
    assert found["charts_note"] is None
    assert found["charts_as_of"] == AS_OF.isoformat()
    assert {c["method"] for c in charts} >= {"bernoulli_cusum", "vlad", "funnel"}
    for chart in charts:
        assert set(chart) == {"method", "title", "description", "spec"}
        assert chart["spec"]["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
        json.dumps(chart["spec"], allow_nan=False)  # no NaN or infinity anywhere
        assert chart["description"].startswith(chart["title"])
    (cusum,) = [c for c in charts if c["title"].endswith(red.chart)]
    levels = {row["level"]: row["h"] for row in cusum["spec"]["datasets"]["thresholds"]}
    assert levels["red"] == red.threshold
    steps = cusum["spec"]["datasets"]["steps"]
    crossed = [row["date"][:10] for row in steps if row["signal"]]
    assert red.first_crossed.isoformat() in crossed
    assert red.explanation in cusum["description"]
    (funnel,) = [c for c in charts if c["method"] == "funnel"]
    assert [row["label"] for row in funnel["spec"]["datasets"]["marked"]] == [red.unit]


def test_the_page_fetches_its_charts_after_loading_without_inline_script(
    database_url: str, data: Path, result: ScanResult, red: Finding
) -> None:
    with site(database_url, data, result, _trust(data, red.unit)) as client:
        episode = _episode(client, red)
        page = client.get(f"/signals/{episode['id']}")
        stranger = TestClient(client.app, base_url="https://testserver")
        assert stranger.get(episode["charts_href"]).status_code == 401
        assert client.get("/api/v1/signals/999999/charts").status_code == 404
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "'unsafe-eval'" not in policy
    assert "connect-src 'self'" in policy  # charts.js fetches the charts from this site
    parsed = Scripts(page.text)
    assert parsed.drawings == []  # no chart data in the page
    assert f'data-charts="{episode["charts_href"]}"' in page.text
    assert "<noscript>" in page.text
    assert episode["charts_href"] in page.text
    for attrs, _text in parsed.scripts:
        assert attrs.get("src", "").startswith("/static/")  # no inline script, no data block
    sources = [attrs["src"] for attrs, _ in parsed.scripts if "src" in attrs]
    assert sources == [
        "/static/vendor/vega/vega.min.js",
        "/static/vendor/vega-lite/vega-lite.min.js",
        "/static/vendor/vega-embed/vega-embed.min.js",
        "/static/charts.js",
    ]
    module = client.get("/static/charts.js").text
    assert "expressionInterpreter" in module
    assert "dataset.charts" in module
    assert "eval(" not in module
    assert client.get("/static/vendor/vega-interpreter/vega-interpreter.js").status_code == 200


def test_without_data_there_are_no_charts_and_the_page_says_so(
    database_url: str, data: Path, result: ScanResult, red: Finding, tmp_path: Path
) -> None:
    with site(database_url, data, result, _trust(data, red.unit)) as client:
        client.app.state.caresignal = _elsewhere(client, tmp_path / "none")  # type: ignore[attr-defined]
        episode = _episode(client, red)
        found = _json(client, episode["charts_href"])
    assert found["charts"] == []
    assert found["charts_note"] == "No charts: the server's data directory holds no data."
    assert not (tmp_path / "none").exists()  # the data directory is never made by a page


def _json(client: TestClient, path: str) -> Any:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    return answer.json()


def _elsewhere(client: TestClient, directory: Path) -> AppState:
    """The app's state with its settings naming another data directory."""
    state: AppState = client.app.state.caresignal  # type: ignore[attr-defined]
    return replace(state, settings=state.settings.model_copy(update={"data_dir": directory}))
