"""``caresignal scan``, run in process on the synthetic ``small`` dataset (docs/cli.md)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from caresignal.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def source(small_copy: Callable[[], Path]) -> Path:
    return small_copy()


@pytest.fixture
def data(source: Path, tmp_path: Path) -> Path:
    shutil.copytree(source, tmp_path / "data")
    return tmp_path / "data"


def test_scan_json_lists_the_findings_and_writes_them_to_parquet(data: Path) -> None:
    result = runner.invoke(app, ["scan", "--data-dir", str(data), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["as_of"] == "2025-12-31"
    assert payload["findings"]
    keys = {"unit", "indicator", "method", "level", "direction", "first_crossed"}
    keys |= {"change_began", "observed", "expected", "explanation"}
    assert keys <= set(payload["findings"][0])
    assert pl.read_parquet(data / "findings.parquet").height == len(payload["findings"])
    assert len(payload["episodes"]["opened"]) >= 1
    again = json.loads(runner.invoke(app, ["scan", "--data-dir", str(data), "--json"]).stdout)
    assert again["episodes"] == {
        "opened": [],
        "extended": [],
        "reopened": [],
        "improvements": payload["episodes"]["improvements"],
    }


def test_scan_prints_a_table_sorted_by_severity_and_the_sentences(data: Path) -> None:
    result = runner.invoke(app, ["scan", "--data-dir", str(data), "--as-of", "2025-12-31"])
    assert result.exit_code == 0, result.output
    assert "Scan as of 31 December 2025" in result.stdout
    assert "What each finding means" in result.stdout
    assert "False alarms the CUSUM thresholds are designed for" in result.stdout
    assert result.stdout.index(" red ") < result.stdout.index(" amber ")
    assert "opened, 0 extended, 0 reopened (see `caresignal signals list`)." in result.stdout


def test_fail_on_red_exits_1_when_a_red_concern_is_found_and_none_never_fails(data: Path) -> None:
    failed = runner.invoke(app, ["scan", "--data-dir", str(data), "--json", "--fail-on", "red"])
    assert failed.exit_code == 1
    assert any(
        f["level"] == "red" and f["direction"] == "concern"
        for f in json.loads(failed.stdout)["findings"]
    )
    assert runner.invoke(app, ["scan", "--data-dir", str(data), "--fail-on", "none"]).exit_code == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--as-of", "31/12/2025"], "--as-of '31/12/2025' is not a date"),
        (["--fail-on", "purple"], "--fail-on 'purple' is not a level"),
    ],
)
def test_bad_options_are_refused_with_a_hint(
    data: Path, arguments: list[str], message: str
) -> None:
    result = runner.invoke(app, ["scan", "--data-dir", str(data), *arguments])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Hint:" in result.stderr
    assert not (data / "findings.parquet").exists()


def test_an_empty_data_directory_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scan", "--data-dir", str(tmp_path / "nothing")])
    assert result.exit_code == 2
    assert "holds no imported data" in result.stderr


def test_replay_json_reports_each_problem_and_method(data: Path) -> None:
    result = runner.invoke(app, ["replay", "--data-dir", str(data), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["from"], payload["to"]) == ("2023-01-01", "2025-12-31")
    assert {p["id"] for p in payload["problems"]} >= {"sudden_failure", "ward_decline"}
    assert set(payload["false_alarms_per_unit_year"]) == set(payload["methods"])
    assert payload["months"][0]["signals"]


def test_replay_prints_the_detections_and_false_alarms(data: Path) -> None:
    window = ["--from", "2024-01-01", "--to", "2025-12-31"]
    result = runner.invoke(app, ["replay", "--data-dir", str(data), *window])
    assert result.exit_code == 0, result.output
    assert "Replay from 01 January 2024 to 31 December 2025" in result.stdout
    assert "sudden_failure" in result.stdout
    assert "False alarms on charts no problem touched" in result.stdout
    # Which charts found each problem: the Kettering-like ward's bedside charts among them.
    assert "each of its indicators' first signal" in result.stdout
    assert "bedside_triggers_in_time" in result.stdout


def test_replay_refuses_a_window_that_ends_before_it_begins(data: Path) -> None:
    window = ["--from", "2025-01-01", "--to", "2024-01-01"]
    result = runner.invoke(app, ["replay", "--data-dir", str(data), *window])
    assert result.exit_code == 2
    assert "--from 2025-01-01 is after --to 2024-01-01" in result.stderr


def test_a_small_directory_scans_what_it_can_and_says_what_it_cannot(tmp_path: Path) -> None:
    """The example files hold a few weeks of births: no risk model can be fitted on them, and
    the scan still runs every other indicator and says which it could not."""
    examples = Path(__file__).parent.parent / "docs" / "examples"
    data = tmp_path / "data"
    for table in ("organisations", "births", "counts", "staffing"):
        args = ["import", table, str(examples / f"{table}.csv"), "--data-dir", str(data)]
        assert runner.invoke(app, [*args, "--by", "tester"]).exit_code == 0
    result = runner.invoke(app, ["scan", "--data-dir", str(data), "--json"])
    assert result.exit_code == 0, result.output
    skipped = json.loads(result.stdout)["skipped"]
    unfitted = {s["indicator"] for s in skipped if s["method"] == "risk_model"}
    assert "extended_perinatal_mortality" in unfitted
    assert all("cannot be fitted" in s["reason"] for s in skipped if s["method"] == "risk_model")
    shown = runner.invoke(app, ["scan", "--data-dir", str(data)])
    assert "Not scanned: extended_perinatal_mortality: the risk model cannot be fitted" in (
        shown.stdout.replace("\n", " ")
    )
    replayed = runner.invoke(app, ["replay", "--data-dir", str(data), "--json"])
    assert replayed.exit_code == 0, replayed.output


def test_findings_stand_when_the_store_cannot_be_reached(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARESIGNAL_DATABASE_URL", "mysql://nobody@127.0.0.1/none")
    result = runner.invoke(app, ["scan", "--data-dir", str(data)])
    assert result.exit_code == 2
    assert "What each finding means" in result.stdout
    assert "not merged into signal episodes" in result.stderr
    assert (data / "findings.parquet").exists()
    as_json = runner.invoke(app, ["scan", "--data-dir", str(data), "--json"])
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout)["episodes"] is None
