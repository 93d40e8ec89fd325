"""``caresignal signals`` run in process: list, show, ack, transition and close."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from episode_helpers import finding
from typer.testing import CliRunner

from caresignal.cli import app
from caresignal.clock import FixedClock
from caresignal.monitor.scan import ScanResult
from caresignal.settings import Settings
from caresignal.store import database_url, open_store
from caresignal.workflow.service import merge_findings

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "organisations.csv"
runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock) -> Path:
    """The example organisations in the store, a lead and a director, and one open episode."""
    monkeypatch.delenv("CARESIGNAL_DATABASE_URL", raising=False)
    directory = tmp_path / "data"
    for args in (
        ["import", "organisations", str(EXAMPLE)],
        ["store", "sync", "--by", "loader"],
        ["user", "add", "lead", "--email", "lead@nhs.net"],
        ["user", "grant", "lead", "unit_lead", "RZZ01-MAT"],
        ["user", "add", "director", "--email", "director@nhs.net"],
        ["user", "grant", "director", "divisional_director", "RZZ01"],
    ):
        result = runner.invoke(app, [*args, "--data-dir", str(directory)])
        assert result.exit_code == 0, result.output
    engine, sessions = open_store(database_url(Settings(data_dir=directory)))
    scan = ScanResult(date(2026, 11, 2), (finding(date(2026, 10, 5)),), (), ())
    merge_findings(sessions, scan, actor="scan", clock=clock)
    engine.dispose()
    return directory


def _run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir)])
    return result.exit_code, result.stdout, result.stderr


def test_an_episode_is_acknowledged_reviewed_and_closed(data_dir: Path) -> None:
    code, out, _ = _run(data_dir, "signals", "list", "--state", "open")
    assert (code, out) == (
        0,
        "#1 RZZ01-MAT term_stillbirth (concern, amber): open, owner unit_lead, due 2026-11-25; "
        "closed 0 times before\n",
    )
    assert _run(data_dir, "signals", "ack", "1", "--by", "lead", "--if-version", "1")[0] == 0
    code, _, err = _run(data_dir, "signals", "ack", "1", "--by", "lead", "--if-version", "1")
    assert code == 2
    assert "changed by someone else" in err
    code, out, _ = _run(
        data_dir, "signals", "transition", "1", "under-review", "--by", "lead", "--json"
    )
    assert (code, json.loads(out)["state"]) == (0, "under_review")
    code, _, err = _run(data_dir, "signals", "close", "1", "--by", "lead", "--reason", "fine",
                        "--evidence", "case-note review")  # fmt: skip
    assert code == 2
    assert "lead may not close it" in err
    assert "Hint:" in err
    code, out, _ = _run(data_dir, "signals", "close", "1", "--by", "director", "--reason",
                        "no care problem found", "--evidence", "case-note review",
                        "--evidence", "staffing audit")  # fmt: skip
    assert (code, out.split(":")[1].strip()) == (0, "closed; closed 1 time before.")
    code, out, _ = _run(data_dir, "signals", "show", "1")
    assert code == 0
    assert "closed 1 time before (version 4)" in out
    assert "Evidence: case-note review; staffing audit." in out
    report = json.loads(_run(data_dir, "signals", "show", "1", "--json")[1])
    assert [event["action"] for event in report["history"]] == [
        "open", "acknowledge", "transition", "close",
    ]  # fmt: skip
    code, out, _ = _run(data_dir, "audit", "verify")
    assert code == 0


def test_bad_states_and_ids_are_refused_with_a_hint(data_dir: Path) -> None:
    code, _, err = _run(data_dir, "signals", "transition", "1", "finished", "--by", "lead")
    assert (code, "no state called 'finished'" in err, "under_review" in err) == (2, True, True)
    code, _, err = _run(data_dir, "signals", "show", "7")
    assert (code, "no signal episode 7" in err) == (2, True)
    code, _, err = _run(data_dir, "signals", "close", "1", "--by", "director", "--reason", "x")
    assert code == 2  # --evidence is required
