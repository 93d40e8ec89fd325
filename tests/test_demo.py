"""``caresignal demo`` end to end: the analyses of the four bundled real datasets.

The statistics behind each number are checked against their references in tests/stats/; here the
demo is checked to put them together as documented in docs/cli.md.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from caresignal import _cli_serve
from caresignal.cli import app
from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.public import ae_attendances
from caresignal.demo import DemoReport, run_demo
from caresignal.demo.logins import STARTS, demo_logins
from caresignal.domain import Role
from caresignal.monitor.catalogue import load_catalogue
from caresignal.settings import Settings
from caresignal.stats.spc import xmr
from caresignal.store import database_url, open_store, repo
from caresignal.web.app import create_app

CLOCK = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-data")


@pytest.fixture(scope="module")
def report(data_dir: Path) -> DemoReport:
    return run_demo(data_dir, clock=CLOCK, scale="small", seed=1)


@pytest.fixture(scope="module")
def as_json(report: DemoReport, data_dir: Path) -> dict[str, Any]:
    args = ["demo", "--json", "--data-dir", str(data_dir), "--scale", "small"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def test_ae_charts_every_type_one_trust_with_a_year_of_data(report: DemoReport) -> None:
    section = report.ae
    # 140 trusts have >= 12 months of type-1 data in NHSRdatasets::ae_attendances (2016-19).
    assert len(section.trusts) == 140
    assert sum(section.variation_counts().values()) == 140
    assert sum(section.assurance_counts().values()) == 140
    concerns = section.concerns()
    assert all(trust.variation == "special_cause_concern_low" for trust in concerns)
    assert [trust.latest for trust in concerns] == sorted(trust.latest for trust in concerns)
    # The 95 % standard lies above the upper limit of every trust that consistently fails it.
    failing = [t for t in section.trusts if t.assurance == "consistently_fail"]
    assert failing
    assert all(t.upl < 0.95 for t in failing)


def test_ae_publishes_the_same_counts_as_before_it_ran_through_the_catalogue(
    report: DemoReport,
) -> None:
    section = report.ae
    # The numbers the demo published when it charted the CSV directly (caresignal's xmr on
    # 1 - breaches / attendances, improvement "increase", target 0.95): moving the chart onto
    # the catalogue's ed_4h indicator must not change them.
    assert (len(section.trusts), section.left_out) == (140, 0)
    assert len(section.concerns()) == 44
    assert section.variation_counts() == {
        "common_cause": 92,
        "special_cause_concern_low": 44,
        "special_cause_improvement_high": 4,
    }
    assert section.assurance_counts() == {
        "consistently_fail": 95,
        "hit_or_miss": 43,
        "consistently_pass": 2,
    }


def test_ae_charts_the_catalogue_indicator_as_the_csv_charted_directly(
    report: DemoReport,
) -> None:
    method = load_catalogue().get("ed_4h").method("xmr")[0]
    # The catalogue's target is in percent (multiplier 100); the section keeps shares.
    assert (method.get("target"), method.get("multiplier")) == (95.0, 100.0)
    assert report.ae.target == 0.95
    type1 = ae_attendances().filter(pl.col("type") == "1").sort("org_code", "period")
    direct = {
        str(org): xmr(
            1 - rows["breaches"] / rows["attendances"], improvement="increase", target=0.95
        )
        for (org,), rows in type1.group_by("org_code", maintain_order=True)
    }
    assert [trust.org_code for trust in report.ae.trusts] == sorted(direct)
    for trust in report.ae.trusts:
        chart = direct[trust.org_code]
        assert (trust.variation, trust.assurance) == (chart.variation, chart.assurance)
        assert trust.latest_rule == chart.rule[-1]
        assert trust.mean == pytest.approx(chart.mean[-1], rel=1e-12)
        assert trust.upl == pytest.approx(chart.upl[-1], rel=1e-12)


def test_ae_data_directory_is_made_on_the_first_run_and_reused(
    report: DemoReport, as_json: dict[str, Any], data_dir: Path
) -> None:
    ae = Dataset(data_dir / "public" / "ae")
    # Two runs (the report, then the JSON): one batch per table, loaded by the first.
    batches = ae.history()
    assert [batch.table for batch in batches] == ["organisations", "counts"]
    assert all(batch.sources == ("ae_attendances.csv",) for batch in batches)
    assert all(batch.imported_by == "caresignal demo" for batch in batches)
    assert as_json["ae_four_hour_performance"]["trusts_charted"] == 140
    assert as_json["ae_four_hour_performance"]["target"] == 0.95


def test_length_of_stay_funnel_matches_funnelplotr(report: DemoReport) -> None:
    section = report.length_of_stay
    # FunnelPlotR's medpar example (pkgdown reference of funnel_plot; README): phi = 8.532851,
    # tau2 = 0.02841023 (with expected counts rounded to 2 dp); 25 outliers at 99.8 % without
    # over-dispersion, 9 with it.
    assert section.phi == pytest.approx(8.532851, rel=1e-4)
    assert section.tau2 == pytest.approx(0.02841023, rel=1e-3)
    assert section.unadjusted_outliers == 25
    high = {p.provider for p in section.outliers() if p.outlier == "high"}
    assert high == {"030073", "032003"}
    assert len(section.outliers()) == 9


def test_surgery_uses_the_phase_one_model_and_the_published_designs(report: DemoReport) -> None:
    section = report.surgery
    # R: glm(died_30d ~ Parsonnet, binomial, data = phase I) gives -3.7905, 0.07984
    # (tests/data/riskmodel/, riskmodel_reference.R).
    assert section.model.coefficients.tolist() == pytest.approx([-3.7905, 0.07984], abs=1e-4)
    assert section.model.n == 1766
    assert section.model.events == 108
    assert sum(s.operations for s in section.surgeons) == 3829
    assert [s.surgeon for s in section.surgeons] == list(range(1, 8))
    for surgeon in section.surgeons:
        # VLAD ends at expected - observed.
        assert surgeon.vlad == pytest.approx(surgeon.expected - surgeon.observed)
        assert surgeon.false_alarms.startswith("about one false alarm every ")


def test_switch_cusum_signals_inside_the_cluster_of_deaths(report: DemoReport) -> None:
    section = report.switch
    # surveillance::deleval: 104 operations, 9 deaths.
    assert (section.operations, section.deaths) == (104, 9)
    # Steiner, Cook & Farewell (1999) in-control parameters theta0 = (-2.3, -4.5, 2.5):
    # R: (1 - plogis(-2.3)) * plogis(-4.5) + plogis(-2.3) * plogis(-2) = 0.0208479
    assert section.expected_risk == pytest.approx(0.0208479, abs=1e-7)
    # The deaths are at operations 34, 53, 55, 59, 63, 64, 67, 68 and 100: the designed chart
    # (ARL0 = 1,000 operations) signals at the fourth and eighth of them.
    assert section.signals == (59, 68)
    assert section.vlad_final == pytest.approx(104 * section.expected_risk - 9)


def test_json_output_holds_the_four_parts_the_dataset_and_its_signals(
    as_json: dict[str, Any],
) -> None:
    assert set(as_json) == {
        "ae_four_hour_performance",
        "length_of_stay_funnel",
        "cardiac_surgery_cusum",
        "arterial_switch_cusum",
        "synthetic_national_dataset",
        "current_signals",
        "accountability",
    }
    signals = as_json["current_signals"]
    assert signals["as_of"] == "2025-12-31"
    assert any(f["level"] == "red" for f in signals["findings"])
    assert as_json["arterial_switch_cusum"]["signals"] == [59, 68]
    assert len(as_json["length_of_stay_funnel"]["providers"]) == 54


def test_first_run_loads_the_synthetic_dataset_and_later_runs_reuse_it(
    report: DemoReport, as_json: dict[str, Any]
) -> None:
    section = report.synthetic
    assert section.loaded_now
    assert section.records["births"] > 50_000
    assert all(count > 0 for count in section.records.values())
    assert (section.first_birth, section.last_birth) == ("2023-01-01", "2025-12-31")
    # The five problems of issue 3, section 3, recorded in truth.json.
    assert len(section.problems) == 5
    assert all(rate.observed is not None and rate.observed > 0 for rate in section.rates)
    # The JSON run came second, on the same directory: nothing was loaded again.
    again = as_json["synthetic_national_dataset"]
    assert again["loaded_now"] is False
    assert again["records"] == section.records


def test_tables_name_what_was_found(data_dir: Path, report: DemoReport) -> None:
    args = ["demo", "--data-dir", str(data_dir), "--scale", "small"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0
    for text in (
        "1. A&E",
        "2. Length of stay",
        "3. Cardiac surgery",
        "4. Arterial switch",
        "5. The synthetic national dataset",
        "6. The signals caresignal finds in it now",
        "7. Who acted on the signals, and who did not",
    ):
        assert text in result.stdout
    assert "signals at operations 59 and 68" in " ".join(result.stdout.split())


def test_the_store_holds_a_history_of_signals_acted_on_and_ignored(
    data_dir: Path, report: DemoReport, as_json: dict[str, Any]
) -> None:
    section = report.accountability
    problems = {(f.unit, f.indicator) for f in report.signals.findings if f.direction == "concern"}
    assert section.built_now
    assert section.episodes == len(problems) > 0
    # Some were acted on in time and closed with evidence, some were ignored and climbed.
    assert section.acknowledged_in_time > 0
    assert section.closed_with_evidence > 0
    assert section.escalated > 0
    assert section.open_by_owner.get("regulator", 0) > 0
    assert section.board_meetings > 0
    assert section.recommendations > 0
    assert 0 < section.actions_verified < section.actions
    assert section.actions_escalated > 0
    assert section.audit_intact
    # The example trust's concerns of the last six months, some unanswered and escalated.
    assert section.concerns > 0
    listed = CliRunner().invoke(
        app, ["concerns", "list", "--json", "--data-dir", str(data_dir),
              "--by", f"{str(section.example_trust).lower()}.champion"],
    )  # fmt: skip
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.stdout)) == section.concerns
    story = section.stories[0]
    assert story.history.startswith("presented to the board ")
    assert story.history.endswith("no action plan yet")
    # The store is the data directory's, and the CLI reads the same history.
    result = CliRunner().invoke(
        app, ["board", "history", "--signal", str(story.episode), "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Signal #{story.episode}: {story.history}.")
    verify = CliRunner().invoke(app, ["audit", "verify", "--data-dir", str(data_dir)])
    assert verify.exit_code == 0
    # The second run (the JSON one) found the history already there and left it alone.
    again = as_json["accountability"]
    assert again["built_now"] is False
    assert again["episodes"] == section.episodes
    assert again["audit_entries"] == section.audit_entries
    assert again["concerns"] == section.concerns


def _sign_in(client: TestClient, user: str, password: str) -> int:
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"username": user, "password": password, "csrf_token": token, "next": "/inbox"}
    return client.post("/login", data=form, follow_redirects=False).status_code


def test_demo_logins_give_each_role_a_working_sign_in_new_every_run(
    data_dir: Path, report: DemoReport
) -> None:
    trust = report.accountability.example_trust
    assert trust is not None
    settings = Settings(data_dir=data_dir, secret_key="s" * 40, escalation_minutes=0)
    engine, sessions = open_store(database_url(settings))
    try:
        first = demo_logins(sessions, trust, clock=CLOCK)
        again = demo_logins(sessions, trust, clock=CLOCK)
    finally:
        engine.dispose()
    assert {login.role for login in first} == set(STARTS)  # the trust has a region in the demo
    assert [login.user for login in first] == [login.user for login in again]
    assert all(a.password != b.password for a, b in zip(first, again, strict=True))
    app = create_app(settings, clock=CLOCK)
    for old, login in zip(first, again, strict=True):
        with TestClient(app, base_url="https://testserver") as client:
            assert _sign_in(client, old.user, old.password) == 401  # the last run's is gone
            assert _sign_in(client, login.user, login.password) == 303
            assert client.get(login.start).status_code == 200, (login.role, login.start)
    lead = next(login for login in again if login.role is Role.UNIT_LEAD)
    with TestClient(app, base_url="https://testserver") as client:
        _sign_in(client, lead.user, lead.password)
        assert client.get("/api/v1/signals").json(), "the unit lead has signals to see"


def test_serving_the_demo_prints_every_sign_in_whole(
    data_dir: Path,
    report: DemoReport,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    served: list[tuple[str, int]] = []

    def serve(_: Settings, host: str, port: int, __: int) -> None:
        served.append((host, port))

    monkeypatch.setattr(_cli_serve, "run_server", serve)
    settings = Settings(data_dir=data_dir, escalation_minutes=0)
    _cli_serve.serve_demo(settings, report.accountability.example_trust, "127.0.0.1", 0)
    printed = capsys.readouterr().out.splitlines()
    assert served == [("127.0.0.1", 0)]
    assert len(printed) == 1 + len(STARTS)  # one line each: never cut to the terminal's width
    engine, sessions = open_store(database_url(settings))
    try:
        with sessions() as session:  # the passwords printed are the ones that now work
            for line in printed[1:]:
                user = line.split(" user ", 1)[1].split(" ", 1)[0]
                password = line.split(" password ", 1)[1].split(";", 1)[0]
                stored = repo.password_hash(session, user)
                assert stored is not None, user
                assert PasswordHasher().verify(stored, password)
    finally:
        engine.dispose()
