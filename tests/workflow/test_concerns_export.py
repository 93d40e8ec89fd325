"""Exporting a trust's concerns, redacted (docs/concerns.md, "Exports"): who may, what the rows
hold, what is taken out of the words, the audit entry, and the command (SQLite and PostgreSQL).
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from actions_helpers import dump
from concern_helpers import on, raise_concern
from episode_helpers import UNIT
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from caresignal.cli import app
from caresignal.clock import FixedClock
from caresignal.domain import Role
from caresignal.domain.concerns import ConcernChannel, ConcernContact
from caresignal.store import audit
from caresignal.store.service import UnknownError, add_user, grant_role
from caresignal.workflow import concerns, concerns_handling
from caresignal.workflow.concerns_export import COLUMNS, ExportError, export, export_trusts

WORDS = (
    "My name is Sam Parent. Dr Okafor told me on Ward 12 at 14:05 that my son Tyrone was fine. "
    "Ring 07700 900123 or write to sam@example.org; our home is 4 Mill Row, CT1 3NG."
)


@pytest.fixture
def store(people: sessionmaker[Session], clock: FixedClock) -> sessionmaker[Session]:
    """Three concerns of trust RZZ: a family's with contact details and a reply, an anonymous
    staff concern, and one received later; and a board member with no concern access."""
    concerns.submit(
        people, UNIT, ConcernChannel.ONLINE, WORDS, clock=on(date(2026, 11, 2)),
        contact_by="phone", contact=ConcernContact("Sam Parent", "sam@example.org",
                                                   "07700 900123", "4 Mill Row\nCT1 3NG"),
    )  # fmt: skip
    concerns_handling.reply(
        people, 1, "Dear Sam, Nurse Kelly will ring you on 07700900123.", actor="analyst",
        clock=on(date(2026, 11, 3)),
    )  # fmt: skip
    formula = '=HYPERLINK("x") ward is unsafe'
    raise_concern(people, date(2026, 11, 4), anonymous=True, text=formula)
    raise_concern(people, date(2026, 12, 1), text="The ward was dirty.")
    add_user(people, "member", "member@nhs.net", actor="admin", clock=clock, reason="test")
    grant_role(people, "member", Role.BOARD_MEMBER, "RZZ", actor="admin", clock=clock, reason="t")
    return people


def test_the_rows_hold_the_concern_and_its_words_redacted(store: sessionmaker[Session]) -> None:
    made = export(store, "RZZ", actor="analyst", clock=on(date(2026, 12, 2)))
    assert [row["reference"] for row in made.rows] == [
        "CON-2026-000001", "CON-2026-000002", "CON-2026-000003",
    ]  # fmt: skip
    first = made.rows[0]
    assert first["organisation"] == UNIT
    assert first["organisation_name"] == f"Org {UNIT}"
    assert first["received_on"] == "2026-11-02"
    assert first["state"] == "received"
    assert first["channel"] == "online"
    assert first["acknowledge_by"] == "2026-11-05"
    assert first["text"] == (
        "My name is [name]. Dr [name] told me on Ward 12 at 14:05 that my son [name] was "
        "fine. Ring [phone] or write to [email]; our home is [address], [postcode]."
    )
    assert first["conversation"] == (
        "2026-11-03 reply from the trust: Dear [name], Nurse [name] will ring you on [phone]."
    )
    assert set(first) == {field for _, field in COLUMNS}
    everything = json.dumps([dict(row) for row in made.rows])
    for secret in ("Sam", "Parent", "07700", "sam@example", "Mill Row", "Okafor", "analyst"):
        assert secret not in everything


def test_the_dates_choose_the_rows(store: sessionmaker[Session]) -> None:
    november = export(store, "RZZ", actor="analyst", clock=on(date(2026, 12, 2)),
                      start=date(2026, 11, 3), end=date(2026, 11, 30))  # fmt: skip
    assert [row["received_on"] for row in november.rows] == ["2026-11-04"]
    assert november.file_name("csv") == "caresignal-concerns-RZZ-2026-11-03-to-2026-11-30.csv"
    with pytest.raises(ExportError, match="ends"):
        export(store, "RZZ", actor="analyst", clock=on(date(2026, 12, 2)),
               start=date(2026, 11, 30), end=date(2026, 11, 3))  # fmt: skip
    with pytest.raises(ExportError, match="format"):
        export(store, "RZZ", actor="analyst", clock=on(date(2026, 12, 2)), kind="pdf")


def test_only_concern_access_may_export_and_others_find_nothing(
    store: sessionmaker[Session],
) -> None:
    # The unit lead holds concern access in the unit: the trust's export is theirs to make.
    assert len(export(store, "RZZ", actor="lead", clock=on(date(2026, 12, 2))).rows) == 3
    assert [o.code for o in export_trusts(store, "lead")] == ["RZZ"]
    assert export_trusts(store, "member") == []
    assert export_trusts(store, "nobody") == []
    before = dump(store)
    for actor, trust in (("member", "RZZ"), ("nobody", "RZZ"), ("analyst", "RZZ01"),
                         ("analyst", "RYY")):  # fmt: skip
        with pytest.raises(UnknownError, match="no trust"):
            export(store, trust, actor=actor, clock=on(date(2026, 12, 2)))
    assert dump(store) == before


def test_every_export_is_in_the_audit_log_without_words(store: sessionmaker[Session]) -> None:
    export(store, "RZZ", actor="champion", clock=on(date(2026, 12, 2)), kind="xlsx",
           start=date(2026, 11, 1))  # fmt: skip
    with store() as session:
        entry = audit.entries(session, entity="concern_export")[-1]
    assert (entry.actor, entry.action, entry.entity_id) == ("champion", "concern.export", "RZZ")
    assert entry.after == {"trust": "RZZ", "from": "2026-11-01", "to": None, "format": "xlsx",
                           "rows": 3, "concern_ids": [1, 2, 3]}  # fmt: skip
    assert "ward" not in json.dumps(entry.after).lower()


def test_the_files_read_back_and_carry_no_formula(store: sessionmaker[Session]) -> None:
    made = export(store, "RZZ", actor="analyst", clock=on(date(2026, 12, 2)))
    csv = made.to_bytes("csv")
    assert csv.startswith("\ufeff".encode())
    frame = pl.read_csv(io.BytesIO(csv))
    assert frame.columns == [header for header, _ in COLUMNS]
    assert frame["Concern (redacted)"][1] == '\'=HYPERLINK("x") ward is unsafe'
    sheet = pl.read_excel(io.BytesIO(made.to_bytes("xlsx")), sheet_name="Concerns")
    assert sheet["Reference"].to_list() == frame["Reference"].to_list()
    assert sheet["Concern (redacted)"][0] == made.rows[0]["text"]


@pytest.fixture
def run(
    store: sessionmaker[Session],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> CliRunner:
    monkeypatch.setenv("CARESIGNAL_DATABASE_URL", database_url)
    monkeypatch.setenv("CARESIGNAL_DATA_DIR", str(tmp_path / "data"))
    return CliRunner()


def test_the_export_command(run: CliRunner, store: sessionmaker[Session], tmp_path: Path) -> None:
    out = run.invoke(app, ["concerns", "export", "--trust", "RZZ", "--by", "analyst"])
    assert out.exit_code == 0, out.output
    assert "CON-2026-000001" in out.stdout
    assert "07700" not in out.stdout
    book = tmp_path / "concerns.xlsx"
    wrote = run.invoke(app, ["concerns", "export", "--trust", "RZZ", "--from", "2026-11-03",
                             "--format", "xlsx", "--out", str(book), "--by", "lead"])  # fmt: skip
    assert wrote.exit_code == 0, wrote.output
    assert "Wrote 2 concerns of RZZ, redacted" in wrote.stdout
    assert pl.read_excel(book, sheet_name="Concerns").height == 2
    refused = run.invoke(app, ["concerns", "export", "--trust", "RZZ", "--format", "xlsx",
                               "--by", "analyst"])  # fmt: skip
    assert refused.exit_code == 2
    assert "--out" in refused.output
    hidden = run.invoke(app, ["concerns", "export", "--trust", "RZZ", "--by", "member"])
    assert hidden.exit_code == 2
    assert "no trust 'RZZ'" in hidden.output
    bad_day = run.invoke(app, ["concerns", "export", "--trust", "RZZ", "--to", "soon"])
    assert bad_day.exit_code == 2
    assert "--to 'soon' is not a date" in bad_day.output


def test_the_linked_incidents_are_a_column_of_references(store: sessionmaker[Session]) -> None:
    day = on(date(2026, 12, 1))
    concerns_handling.acknowledge(store, 1, actor="analyst", clock=day)
    concerns_handling.link_incident(store, 1, "W12345", actor="analyst", clock=day)
    concerns_handling.link_incident(store, 1, "DW/2026/0042", actor="analyst", clock=day)
    made = export(store, "RZZ", actor="analyst", clock=on(date(2026, 12, 2)))
    assert [row["incidents"] for row in made.rows] == ["W12345; DW/2026/0042", "", ""]
    frame = pl.read_csv(io.BytesIO(made.to_bytes("csv")))
    assert frame["Linked incidents"].to_list() == ["W12345; DW/2026/0042", "", ""]
    sheet = pl.read_excel(io.BytesIO(made.to_bytes("xlsx")), sheet_name="Concerns")
    assert sheet["Linked incidents"][0] == "W12345; DW/2026/0042"
