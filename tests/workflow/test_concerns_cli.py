"""The concern commands and ``caresignal import concerns``, in process (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from actions_helpers import dump
from concern_helpers import raise_concern
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from caresignal.cli import app
from caresignal.store import audit

HEADER = "record_id,received_date,unit_code,channel,text,category,acknowledged_date,answered_date"
GOOD = [
    "C-2022-0456,2022-11-03,RZZ01-MAT,complaint,Nobody listened.,listening,2022-11-04,2022-12-01",
    "C-2022-0457,2022-11-05,RZZ01-MAT,pals,The ward was dirty.,,,",
]


@pytest.fixture
def run(
    people: sessionmaker[Session],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> CliRunner:
    monkeypatch.setenv("CARESIGNAL_DATABASE_URL", database_url)
    monkeypatch.setenv("CARESIGNAL_DATA_DIR", str(tmp_path / "data"))
    return CliRunner()


def test_import_concerns_is_all_or_nothing(
    run: CliRunner, people: sessionmaker[Session], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([HEADER, *GOOD, "C-9,2022-13-01,NOWHERE,gossip,,,,"]) + "\n")
    before = dump(people)
    result = run.invoke(app, ["import", "concerns", str(bad), "--by", "analyst"])
    assert result.exit_code == 2
    for expected in ("bad.csv, row 4: received_date", "unit_code", "channel", "text"):
        assert expected in result.output
    assert dump(people) == before
    good = tmp_path / "good.csv"
    good.write_text("\n".join([HEADER, *GOOD]) + "\n")
    result = run.invoke(app, ["import", "concerns", str(good), "--by", "analyst", "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["added"]) == 2
    again = run.invoke(app, ["import", "concerns", str(good), "--by", "analyst", "--json"])
    assert json.loads(again.stdout) == {"status": "unchanged", "added": [], "unchanged": 2}
    refused = run.invoke(app, ["import", "concerns", str(good), "--by", "member-of-public"])
    assert refused.exit_code == 2
    with people() as session:
        assert audit.verify(session) is None


def test_the_concern_commands(run: CliRunner, people: sessionmaker[Session]) -> None:
    concern = raise_concern(people).concern
    listed = run.invoke(app, ["concerns", "list", "--by", "lead"])
    assert concern.reference in listed.output
    hidden = run.invoke(app, ["concerns", "show", str(concern.id), "--by", "nobody"])
    assert hidden.exit_code == 2
    assert f"there is no concern {concern.id}" in hidden.output
    steps = [
        ["ack", str(concern.id), "--text", "Thank you for telling us."],
        ["triage", str(concern.id), "--category", "safety", "--severity", "high", "--candour",
         "--respond-by", "2099-01-01"],
        ["reply", str(concern.id), "--text", "We are looking into it."],
        ["respond", str(concern.id), "--text", "What we found."],
        ["close", str(concern.id), "--reason", "no answer after 8 weeks"],
    ]  # fmt: skip
    for step in steps:
        result = run.invoke(app, ["concerns", *step, "--by", "analyst", "--json"])
        assert result.exit_code == 0, result.output
    shown = run.invoke(app, ["concerns", "show", str(concern.id), "--by", "analyst", "--json"])
    detail = json.loads(shown.stdout)
    assert (detail["state"], detail["hcat_domain"], detail["contact"]["email"]) == (
        "closed", "clinical", "sam@example.org",
    )  # fmt: skip
    bad = run.invoke(app, ["concerns", "triage", str(concern.id), "--category", "x",
                           "--severity", "high", "--by", "analyst"])  # fmt: skip
    assert bad.exit_code == 2
    assert "Hint:" in bad.output


def test_incidents_are_linked_at_triage_and_later_from_the_command_line(
    run: CliRunner, people: sessionmaker[Session]
) -> None:
    number = str(raise_concern(people).concern.id)
    assert run.invoke(app, ["concerns", "ack", number, "--by", "analyst"]).exit_code == 0
    triaged = run.invoke(app, ["concerns", "triage", number, "--category", "safety",
                               "--severity", "high", "--incident", "W12345", "--incident",
                               "DW/2026/0042", "--by", "analyst", "--json"])  # fmt: skip
    assert triaged.exit_code == 0, triaged.output
    assert json.loads(triaged.stdout)["incident_references"] == ["W12345", "DW/2026/0042"]
    linked = run.invoke(app, ["concerns", "link-incident", number, "LFPSE-2026-001234",
                              "--by", "lead"])  # fmt: skip
    assert linked.exit_code == 0, linked.output
    assert "is linked to the incident LFPSE-2026-001234" in linked.output
    unlinked = run.invoke(app, ["concerns", "unlink-incident", number, "W12345", "--by", "lead"])
    assert unlinked.exit_code == 0, unlinked.output
    shown = run.invoke(app, ["concerns", "show", number, "--by", "analyst"])
    assert "linked incidents: DW/2026/0042, LFPSE-2026-001234." in shown.output
    again = run.invoke(app, ["concerns", "triage", number, "--category", "safety",
                             "--severity", "high", "--by", "analyst", "--json"])  # fmt: skip
    assert json.loads(again.stdout)["incident_references"] == ["DW/2026/0042", "LFPSE-2026-001234"]
    before = dump(people)
    bad = run.invoke(app, ["concerns", "link-incident", number, "W 1!", "--by", "analyst"])
    assert bad.exit_code == 2
    assert "the incident reference 'W 1!' is not a reference of an incident system" in bad.output
    assert "Hint:" in bad.output
    hidden = run.invoke(app, ["concerns", "unlink-incident", number, "W12345", "--by", "nobody"])
    assert hidden.exit_code == 2
    assert f"there is no concern {number}" in hidden.output
    assert dump(people) == before
