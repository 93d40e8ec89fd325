"""``import_recommendations``: a good file, every kind of bad row, all-or-nothing, and idempotence,
on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter
from actions_helpers import add_person, dump
from episode_helpers import finding
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain import Role
from caresignal.errors import ImportRejectedError
from caresignal.monitor.scan import ScanResult
from caresignal.store import audit
from caresignal.store.service import UnknownError
from caresignal.workflow import actions
from caresignal.workflow.actions_import import COLUMNS, import_recommendations
from caresignal.workflow.service import merge_findings

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "recommendation-actions.csv"
Rows = list[dict[str, str]]


@pytest.fixture
def store(people: sessionmaker[Session], clock: FixedClock) -> sessionmaker[Session]:
    """The ``people`` store with the owners the example file names."""
    add_person(people, clock, "a.shah")
    add_person(people, clock, "m.okafor")
    return people


def _rows() -> Rows:
    with EXAMPLE.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _write(
    tmp_path: Path, rows: Rows, columns: tuple[str, ...] = COLUMNS, name: str = "recommendations"
) -> Path:
    path = tmp_path / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_example_file_is_imported_once(store: sessionmaker[Session], clock: FixedClock) -> None:
    summary = import_recommendations(store, [EXAMPLE], actor="analyst", clock=clock)
    assert (len(summary.added), summary.actions, summary.unchanged) == (3, 4, 0)
    assert summary.describe() == "3 recommendations added, with 4 actions; 0 already in the store"
    found = actions.list_recommendations(store)
    assert [(d.recommendation.organisation, d.recommendation.reference) for d in found] == [
        ("RZZ", "CQC-2026-014"), ("RZZ01-MAT", "PFD-2026-003"), ("RZZ01-MAT", "COMP-2026-112"),
    ]  # fmt: skip
    first = found[0]
    assert [(a.title[:22], a.owner, a.due_on, a.deadline, a.rung) for a in first.actions] == [
        ("Add the sepsis screen ", "a.shah", date(2026, 4, 30), date(2026, 4, 30), 0),
        ("Audit the notes of 20 ", "m.okafor", date(2026, 7, 31), date(2026, 7, 31), 0),
    ]
    assert first.recommendation.received_on == date(2026, 2, 14)
    assert first.recommendation.detail.startswith("Inspection of the children's ward")
    # Every action is overdue as of today (23 November 2026) but the last one.
    assert first.summary(clock.today()) == "open: 0 of 2 actions verified, 2 overdue"
    with store() as session:
        assert audit.verify(session) is None
        added = [e.action for e in audit.entries(session) if e.reason.startswith("imported")]
        assert added.count("recommendation.add") == 3
        assert added.count("action.add") == 4
    before = dump(store)
    again = import_recommendations(store, [EXAMPLE], actor="analyst", clock=clock)
    assert (again.added, again.actions, again.unchanged) == ((), 0, 3)
    assert dump(store) == before


def test_an_excel_workbook_with_date_cells_imports_the_same(
    store: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    path = tmp_path / "recommendations.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("recommendations")
        dated = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, COLUMNS)
        for number, row in enumerate(_rows(), start=1):
            for column, name in enumerate(COLUMNS):
                if name in {"received_on", "due_on"}:
                    sheet.write_datetime(number, column, date.fromisoformat(row[name]), dated)
                elif row[name]:
                    sheet.write_string(number, column, row[name])
    summary = import_recommendations(store, [path], actor="analyst", clock=clock)
    assert (len(summary.added), summary.actions) == (3, 4)
    # The CSV holds the same content: importing it now changes nothing.
    before = dump(store)
    again = import_recommendations(store, [EXAMPLE], actor="analyst", clock=clock)
    assert (again.added, again.unchanged) == ((), 3)
    assert dump(store) == before


def _change(row: int, **cells: str) -> Callable[[Rows], Rows]:
    """Rows of the example with the cells of one row (2 = the first data row) changed."""

    def change(rows: Rows) -> Rows:
        rows[row - 2] = {**rows[row - 2], **cells}
        return rows

    return change


BAD_ROWS = [
    (
        "unknown organisation",
        _change(4, organisation="RYY"),
        "unknown_organisation",
        4,
        "organisation",
        "RYY",
        "organisation in the store",
    ),
    (
        "unknown owner",
        _change(3, owner="ghost"),
        "unknown_user",
        3,
        "owner",
        "ghost",
        "name of a user in the store",
    ),
    (
        "UK date",
        _change(4, received_on="02/03/2026"),
        "type",
        4,
        "received_on",
        "02/03/2026",
        "YYYY-MM-DD",
    ),
    (
        "no such day",
        _change(5, due_on="2026-06-31"),
        "type",
        5,
        "due_on",
        "2026-06-31",
        "YYYY-MM-DD",
    ),
    (
        "unknown source",
        _change(5, source="cqc"),
        "allowed",
        5,
        "source",
        "cqc",
        "prevention_of_future_deaths",
    ),
    (
        "rows disagree",
        _change(3, title="Something else"),
        "disagrees",
        3,
        "title",
        "Something else",
        "as on row 2 of RZZ CQC-2026-014",
    ),
    (
        "unknown episode",
        _change(4, episode="7"),
        "unknown_episode",
        4,
        "episode",
        "7",
        "signal episode in the store",
    ),
    (
        "episode not a number",
        _change(4, episode="seven"),
        "type",
        4,
        "episode",
        "seven",
        "number of a signal episode",
    ),
    (
        "future",
        _change(5, received_on="2026-11-24", due_on="2026-12-31"),
        "future_date",
        5,
        "received_on",
        "2026-11-24",
        "on or before today (2026-11-23)",
    ),
    (
        "due before received",
        _change(4, due_on="2026-03-01"),
        "due_before_received",
        4,
        "due_on",
        "2026-03-01",
        "on or after received_on (2026-03-02)",
    ),
    ("empty title", _change(5, title=" "), "empty", 5, "title", None, "what is recommended"),
    ("owner missing", _change(5, owner=""), "empty", 5, "owner", None, "name of a user"),
    (
        "duplicate action",
        _change(3, action="Add the sepsis screen to the children's triage record"),
        "duplicate_action",
        3,
        "action",
        "Add the sepsis screen to the children's triage record",
        "each action of RZZ CQC-2026-014 once",
    ),
]


@pytest.mark.parametrize(
    ("change", "check", "row", "column", "value", "expected"),
    [case[1:] for case in BAD_ROWS],
    ids=[case[0] for case in BAD_ROWS],
)
def test_a_bad_row_refuses_the_whole_file_and_changes_nothing(
    store: sessionmaker[Session],
    clock: FixedClock,
    tmp_path: Path,
    change: Callable[[Rows], Rows],
    check: str,
    row: int,
    column: str,
    value: str | None,
    expected: str,
) -> None:
    path = _write(tmp_path, change(_rows()))
    before = dump(store)
    with pytest.raises(ImportRejectedError) as refused:
        import_recommendations(store, [path], actor="analyst", clock=clock)
    (problem,) = refused.value.problems
    assert (problem.file, problem.check, problem.row, problem.column, problem.value) == (
        "recommendations.csv", check, row, column, value,
    )  # fmt: skip
    assert expected in problem.expected
    assert refused.value.message.startswith(f"recommendations.csv was not imported: row {row}: ")
    assert refused.value.hint == "Nothing was loaded. Correct the file and import it again."
    assert dump(store) == before


def test_the_message_names_the_file_row_column_value_and_what_was_expected(
    store: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    path = _write(tmp_path, _change(3, owner="ghost", due_on="soon")(_rows()))
    with pytest.raises(ImportRejectedError) as refused:
        import_recommendations(store, [path], actor="analyst", clock=clock)
    assert refused.value.message == "recommendations.csv was not imported: 2 problems in 1 row"
    assert [p.describe() for p in refused.value.problems] == [
        'recommendations.csv, row 3: owner is "ghost"; expected the name of a user in the store '
        "(`caresignal user add`)",
        'recommendations.csv, row 3: due_on is "soon"; expected a date written YYYY-MM-DD, '
        "e.g. 2026-03-01",
    ]


def test_missing_and_unknown_columns_are_refused_before_any_row(
    store: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    columns = (*[c for c in COLUMNS if c != "owner"], "priority")
    path = _write(tmp_path, _rows(), columns)
    before = dump(store)
    with pytest.raises(ImportRejectedError) as refused:
        import_recommendations(store, [path], actor="analyst", clock=clock)
    assert [(p.check, p.column, p.row) for p in refused.value.problems] == [
        ("missing_column", "owner", None), ("unknown_column", "priority", None),
    ]  # fmt: skip
    assert "column owner is missing; expected the columns organisation, reference" in (
        refused.value.problems[0].describe()
    )
    # The episode column may be left out.
    without_episode = _write(tmp_path, _rows(), tuple(c for c in COLUMNS if c != "episode"))
    assert dump(store) == before
    assert len(import_recommendations(store, [without_episode], actor="analyst", clock=clock).added)


def test_a_reference_already_in_the_store_with_other_content_is_refused(
    store: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    import_recommendations(store, [EXAMPLE], actor="analyst", clock=clock)
    before = dump(store)
    retitled = _write(tmp_path, _change(4, title="Another title")(_rows()))
    with pytest.raises(ImportRejectedError) as refused:
        import_recommendations(store, [retitled], actor="analyst", clock=clock)
    (problem,) = refused.value.problems
    assert (problem.check, problem.row, problem.column, problem.value) == (
        "already_stored", 4, "title", "Another title",
    )  # fmt: skip
    assert "Make the escalation policy" in problem.expected
    assert "recommendation 2 in the store" in problem.expected
    more = _write(tmp_path, [*_rows(), {**_rows()[3], "action": "Write to the family"}])
    with pytest.raises(ImportRejectedError) as refused:
        import_recommendations(store, [more], actor="analyst", clock=clock)
    (problem,) = refused.value.problems
    assert (problem.check, problem.row, problem.column) == ("already_stored", 5, "action")
    assert "Name a contact for each family within 5 working days (a.shah, 2026-06-30)" in (
        problem.expected
    )
    assert dump(store) == before


def test_the_importer_needs_a_role_in_each_organisation(
    store: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    before = dump(store)
    # The unit lead holds a role in RZZ01-MAT, not in the trust RZZ (row 2 is its first row).
    with pytest.raises(ImportRejectedError) as refused:
        import_recommendations(store, [EXAMPLE], actor="lead", clock=clock)
    (problem,) = refused.value.problems
    assert (problem.check, problem.row, problem.column, problem.value) == (
        "not_allowed", 2, "organisation", "RZZ",
    )  # fmt: skip
    with pytest.raises(UnknownError, match="no user called 'ghost'"):
        import_recommendations(store, [EXAMPLE], actor="ghost", clock=clock)
    assert dump(store) == before
    add_person(store, clock, "trust.director", Role.DIVISIONAL_DIRECTOR, "RZZ")
    assert (
        import_recommendations(store, [EXAMPLE], actor="trust.director", clock=clock).actions == 4
    )


def test_episodes_link_and_a_recommendation_may_have_no_actions_yet(
    store: sessionmaker[Session],
    clock: FixedClock,
    tmp_path: Path,
    scan_result: Callable[..., ScanResult],
) -> None:
    result = scan_result(date(2026, 11, 2), finding(date(2026, 10, 5)))
    (episode,) = merge_findings(store, result, actor="scan", clock=clock).opened
    rows = _rows()[3:]
    rows[0] |= {"episode": str(episode)}
    rows.append({**rows[0], "reference": "REV-9", "action": "", "owner": "", "due_on": ""})
    summary = import_recommendations(store, [_write(tmp_path, rows)], actor="analyst", clock=clock)
    assert (len(summary.added), summary.actions) == (2, 1)
    linked = actions.list_recommendations(store, episode_id=episode)
    assert [(d.recommendation.reference, len(d.actions)) for d in linked] == [
        ("COMP-2026-112", 1), ("REV-9", 0),
    ]  # fmt: skip


def test_several_files_are_one_import(
    store: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    rows = _rows()
    first = _write(tmp_path, rows[:1], name="first")
    second = _write(
        tmp_path, [*rows[1:], {**rows[0], "detail": "Other", "action": "New"}], name="second"
    )
    before = dump(store)
    with pytest.raises(ImportRejectedError) as refused:
        import_recommendations(store, [first, second], actor="analyst", clock=clock)
    (problem,) = refused.value.problems
    assert (problem.file, problem.check, problem.row, problem.column) == (
        "second.csv", "disagrees", 5, "detail",
    )  # fmt: skip
    assert "as on row 2 of first.csv of RZZ CQC-2026-014" in problem.expected
    assert refused.value.message.startswith("first.csv, second.csv were not imported: second")
    assert dump(store) == before
    good = _write(tmp_path, rows[1:], name="second")
    summary = import_recommendations(store, [first, good], actor="analyst", clock=clock)
    assert (len(summary.added), summary.actions) == (3, 4)
