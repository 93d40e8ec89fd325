"""``caresignal escalate``, ``outbox`` and ``board`` run in process on a store in a data
directory: an ignored signal climbs, its owners are told, and the board's record says so."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from episode_helpers import finding
from typer.testing import CliRunner

from caresignal.cli import app
from caresignal.clock import FixedClock
from caresignal.domain.concerns import ConcernChannel
from caresignal.monitor.scan import ScanResult
from caresignal.settings import Settings
from caresignal.store import database_url, open_store
from caresignal.workflow import concerns
from caresignal.workflow.service import merge_findings

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "organisations.csv"
runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FixedClock) -> Path:
    """The example trust with a lead, a director, a champion and a board member, and one open
    amber episode opened on Monday 23 November 2026 (acknowledge by the 25th)."""
    for name in ("CARESIGNAL_DATABASE_URL", "CARESIGNAL_SMTP_HOST", "CARESIGNAL_WORKFLOW_RULES"):
        monkeypatch.delenv(name, raising=False)
    directory = tmp_path / "data"
    steps = [["import", "organisations", str(EXAMPLE)], ["store", "sync", "--by", "loader"]]
    for name, role, scope in (
        ("lead", "unit_lead", "RZZ01-MAT"),
        ("director", "divisional_director", "RZZ01"),
        ("champion", "executive_safety_champion", "RZZ"),
        ("member", "board_member", "RZZ"),
    ):
        steps += [
            ["user", "add", name, "--email", f"{name}@nhs.net"],
            ["user", "grant", name, role, scope],
        ]
    for args in steps:
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


def test_escalate_moves_an_ignored_signal_up_and_says_who_is_told(data_dir: Path) -> None:
    code, out, _ = _run(data_dir, "escalate", "--as-of", "2026-11-25", "--by", "clock")
    assert (code, out.splitlines()[0]) == (0, "Nothing climbed the ladder as of 2026-11-25.")
    code, out, _ = _run(data_dir, "escalate", "--as-of", "2026-12-04", "--by", "clock")
    assert code == 0
    assert out.splitlines() == [
        "Signal episode #1 (RZZ01-MAT): unit_lead -> executive_safety_champion; missed "
        "2026-11-25, now due 2026-12-09.",
        "Notifications wait in the outbox: no mail server is set (CARESIGNAL_SMTP_HOST); see "
        "`caresignal outbox list`.",
    ]
    code, out, _ = _run(data_dir, "escalate", "--as-of", "2026-12-04", "--json")
    assert (code, json.loads(out)["climbed"]) == (0, [])
    code, out, _ = _run(data_dir, "outbox", "list", "--json")
    told = [(message["recipient"], message["status"]) for message in json.loads(out)]
    assert told == [("lead", "pending"), ("champion", "pending"), ("member", "pending")]
    code, out, _ = _run(data_dir, "outbox", "list", "--status", "sent")
    assert (code, out) == (0, "The outbox is empty.\n")
    code, _, err = _run(data_dir, "outbox", "list", "--status", "lost")
    assert (code, "there is no status called 'lost'" in err) == (2, True)
    code, _, err = _run(data_dir, "outbox", "deliver")
    assert (code, "no mail server is set" in err) == (2, True)


def test_the_board_records_what_it_was_shown_and_decided(data_dir: Path) -> None:
    _run(data_dir, "escalate", "--as-of", "2026-12-04")
    code, out, _ = _run(data_dir, "board", "agenda", "RZZ", "--as-of", "2026-12-04")
    assert (code, out) == (
        0,
        "signal #1 at RZZ01-MAT, term stillbirth, amber: open, owned by the executive safety "
        "champion, due 2026-12-09; never closed: escalated to the board; never presented to the "
        "board; not acknowledged and no action plan yet.\n",
    )
    code, out, _ = _run(data_dir, "board", "meeting", "RZZ", "2026-12-03", "--by", "member")
    assert (code, out) == (0, "Board meeting #1: RZZ 2026-12-03 Board meeting.\n")
    code, out, _ = _run(
        data_dir, "board", "present", "1", "--signal", "1", "--decision", "noted", "--by", "member"
    )
    assert code == 0
    code, out, _ = _run(data_dir, "board", "history", "--signal", "1")
    assert out.splitlines()[0] == (
        "Signal #1: presented to the board once since December 2026; not acknowledged and no "
        "action plan yet."
    )
    code, out, _ = _run(data_dir, "board", "meetings", "RZZ", "--json")
    assert [m["held_on"] for m in json.loads(out)] == ["2026-12-03"]
    code, out, _ = _run(data_dir, "board", "show", "1")
    assert out.splitlines()[1].endswith("Decision: noted")
    code, _, err = _run(data_dir, "board", "show", "1", "--by", "lead")  # a role in a unit only
    assert (code, "there is no board meeting 1" in err) == (2, True)
    code, _, err = _run(data_dir, "board", "meeting", "RZZ", "2026-12-10", "--by", "lead")
    assert (code, "lead may not record board meetings" in err) == (2, True)


def test_a_comment_goes_into_the_history(data_dir: Path) -> None:
    code, out, _ = _run(
        data_dir, "signals", "comment", "1", "--text", "Family raised concerns", "--by", "lead"
    )
    assert (code, out) == (0, "Comment added to episode #1.\n")
    code, out, _ = _run(data_dir, "signals", "show", "1", "--json")
    assert json.loads(out)["history"][-1]["reason"] == "Family raised concerns"
    code, _, err = _run(data_dir, "signals", "comment", "1", "--text", " ", "--by", "lead")
    assert (code, "a comment needs some text" in err) == (2, True)


def test_board_commands_name_exactly_one_item(data_dir: Path) -> None:
    _run(data_dir, "board", "meeting", "RZZ", "2026-12-03", "--by", "member")
    for items in ([], ["--signal", "1", "--action", "2"]):
        code, _, err = _run(data_dir, "board", "present", "1", "--decision", "noted", *items)
        assert (code, "name one item: --signal ID, --action ID, --recommendation ID" in err) == (
            2,
            True,
        )
    code, _, err = _run(data_dir, "board", "history", "--action", "9")
    assert (code, "there is no action 9" in err) == (2, True)
    code, out, _ = _run(data_dir, "board", "history", "--signal", "1", "--json")
    assert json.loads(out)["sentence"] == (
        "never presented to the board; not acknowledged and no action plan yet"
    )


def test_a_concern_escalated_to_the_board_is_presented_without_its_words(
    data_dir: Path, clock: FixedClock
) -> None:
    words = "Nobody came when the alarm on my daughter's monitor kept going off."
    engine, sessions = open_store(database_url(Settings(data_dir=data_dir)))
    raised = concerns.submit(sessions, "RZZ01-MAT", ConcernChannel.ONLINE, words, clock=clock)
    engine.dispose()
    number = str(raised.concern.id)
    assert _run(data_dir, "escalate", "--as-of", "2027-01-29", "--by", "clock")[0] == 0
    code, out, _ = _run(data_dir, "board", "agenda", "RZZ", "--as-of", "2027-01-29")
    assert (code, raised.concern.reference in out, words in out) == (0, True, False)
    assert _run(data_dir, "board", "meeting", "RZZ", "2027-01-28", "--by", "member")[0] == 0
    code, out, _ = _run(
        data_dir, "board", "present", "1", "--concern", number, "--decision", "reply this week",
        "--by", "member", "--json",
    )  # fmt: skip
    item = json.loads(out)
    assert (code, item["entity"], item["decision"]) == (0, "concern", "reply this week")
    assert words not in item["summary"]
    code, out, _ = _run(data_dir, "board", "history", "--concern", number, "--by", "member")
    assert (code, out.splitlines()[0].startswith(f"Concern #{number}: presented")) == (0, True)
    code, _, err = _run(data_dir, "board", "history", "--concern", number, "--signal", "1")
    assert (code, "name one item" in err) == (2, True)
