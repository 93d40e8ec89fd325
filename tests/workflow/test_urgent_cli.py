"""``caresignal urgent list|begin|outcome``, in process (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner
from urgent_helpers import WARD, urgent_store

from caresignal.cli import app
from caresignal.clock import FixedClock
from caresignal.domain.urgent import Caller
from caresignal.workflow import urgent


@pytest.fixture
def run(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> CliRunner:
    urgent_store(sessions, clock)
    monkeypatch.setenv("CARESIGNAL_DATABASE_URL", database_url)
    monkeypatch.setenv("CARESIGNAL_DATA_DIR", str(tmp_path / "data"))
    return CliRunner()


def test_the_urgent_commands(
    run: CliRunner, sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    made = urgent.call(
        sessions, WARD, Caller.CARER, "Bed 9", "He is not himself", "07700 900456", clock=clock
    )
    listed = run.invoke(app, ["urgent", "list", "--by", "nurse"])
    assert listed.exit_code == 0, listed.output
    assert made.reference in listed.output
    assert "OVERDUE" in listed.output  # the fixed clock of the call is long past
    assert "07700 900456" in listed.output
    hidden = run.invoke(app, ["urgent", "list", "--by", "lead", "--json"])
    assert json.loads(hidden.stdout) == []
    refused = run.invoke(app, ["urgent", "begin", str(made.id), "--by", "elsewhere"])
    assert refused.exit_code == 2
    assert f"there is no urgent review {made.id}" in refused.output
    begun = run.invoke(app, ["urgent", "begin", str(made.id), "--by", "senior", "--json"])
    assert json.loads(begun.stdout)["state"] == "review_begun"
    wrong = run.invoke(app, ["urgent", "outcome", str(made.id), "--outcome", "fine", "--by", "x"])
    assert wrong.exit_code == 2
    done = run.invoke(
        app,
        ["urgent", "outcome", str(made.id), "--outcome", "review_done", "--outcome",
         "family-told", "--note", "seen", "--by", "senior", "--json"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    assert (shown["outcomes"], shown["callback"]) == (["review_done", "family_told"], None)
    assert run.invoke(app, ["urgent", "list", "--by", "nurse", "--json"]).stdout.strip() == "[]"
    closed = json.loads(
        run.invoke(app, ["urgent", "list", "--all", "--by", "nurse", "--json"]).stdout
    )
    assert [call["state"] for call in closed] == ["outcome_recorded"]
