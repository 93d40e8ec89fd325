"""The board pack of a trust for a month: its numbers against the store, the month's end read
from the audit log, every signal's page, the PDF's text and page numbers, and its charts drawn
(the PDF page turned into an image)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pypdfium2
import pytest
from pack_helpers import DECISION, TODAY, Store
from pypdf import PdfReader
from typer.testing import CliRunner

from caresignal.cli import app
from caresignal.clock import FixedClock
from caresignal.domain.concerns import ConcernChannel
from caresignal.domain.episodes import EpisodeState
from caresignal.reports.board import BadMonthError, board_pack, parse_month
from caresignal.reports.model import BoardPack
from caresignal.reports.render import render_html, render_pdf
from caresignal.store import episodes as episode_repo
from caresignal.store import repo
from caresignal.workflow import board, concerns, concerns_handling
from caresignal.workflow.escalation import escalate

NOVEMBER = date(2026, 11, 1)


@pytest.fixture(scope="module")
def pack(store: Store) -> BoardPack:
    return board_pack(store.sessions, store.trust, NOVEMBER, data_dir=store.data, clock=TODAY)


@pytest.fixture(scope="module")
def pdf(pack: BoardPack) -> bytes:
    return render_pdf(pack)


def _open_now(store: Store) -> list[int]:
    with store.sessions() as session:
        units = repo.organisation_and_below(session, store.trust)
        return [
            e.id
            for e in episode_repo.episodes(session, units=units)
            if e.state is not EpisodeState.CLOSED
        ]


def test_the_summary_counts_are_the_stores(store: Store, pack: BoardPack) -> None:
    opened = _open_now(store)
    assert len(opened) > 1
    assert pack.as_of == date(2026, 11, 23)  # the month is not over: today
    assert pack.data_as_of == date(2025, 12, 31)
    s = pack.summary
    assert (s.open, s.new, s.presented_before, s.actions_overdue) == (len(opened), 0, 1, 1)
    assert sorted(p.id for p in pack.problems) == sorted(opened)
    # Every deadline of the October signals has passed by 23 November; none has escalated,
    # since no escalation clock ran.
    assert s.overdue == sum(p.deadline is not None and p.deadline < pack.as_of
                            for p in pack.problems) == len(opened)  # fmt: skip
    assert s.escalated == 0
    (late,) = pack.overdue_actions
    assert (late.title, late.due_on, late.days_overdue) == (store.action, date(2026, 10, 30), 24)


def test_a_past_month_is_read_as_it_stood_at_its_end(store: Store, pack: BoardPack) -> None:
    october = board_pack(store.sessions, store.trust, date(2026, 10, 1), data_dir=None,
                         clock=TODAY)  # fmt: skip
    assert october.as_of == date(2026, 10, 31)
    assert october.summary.new == october.summary.open == pack.summary.open
    then = {p.id: p for p in october.problems}[store.presented]
    now = {p.id: p for p in pack.problems}[store.presented]
    assert then.standing == "not acknowledged; no action plan yet"
    assert now.standing == "acknowledged; no action plan yet"  # acknowledged on 10 November
    assert then.presentations == now.presentations  # the meeting of 22 October
    assert october.pages[0].charts == ()
    assert october.pages[0].charts_note == "No charts: the data directory holds no data."
    september = board_pack(store.sessions, store.trust, date(2026, 9, 1), data_dir=None,
                           clock=TODAY)  # fmt: skip
    assert (september.summary.open, september.problems, september.overdue_actions) == (0, (), ())


def test_the_html_has_every_signal_page_and_the_boards_history(
    store: Store, pack: BoardPack
) -> None:
    html = render_html(pack)
    assert html.count('<section class="signal"') == len(pack.problems)
    for problem in pack.problems:
        assert f'id="signal-{problem.id}"' in html
        assert f'href="#signal-{problem.id}"' in html  # in the contents
    assert f'<h1 class="cover-trust">{store.trust_name}</h1>' in html
    assert "presented once before" in html
    assert f"“{DECISION}”" in html
    presented = next(p for p in pack.pages if p.problem.id == store.presented)
    assert presented.findings
    assert all(f.explanation for f in presented.findings)
    assert any(f.threshold is not None and f.false_alarm for f in presented.findings)
    assert 1 <= len(presented.charts) <= 3
    assert all(c.svg.startswith("<svg") for c in presented.charts)
    assert "data:image/svg+xml;base64," in html
    assert '<section class="concerns" id="concerns">' in html


def test_the_pdf_has_the_trust_the_month_contents_and_page_numbers(
    store: Store, pack: BoardPack, pdf: bytes
) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    assert total >= 2 + len(pack.pages) + 2
    assert store.trust_name in " ".join(pages[0].split())
    assert "November 2026" in pages[0]
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
    assert "Contents" in pages[1]
    assert "Summary" in pages[1]
    assert "Actions overdue" in pages[1]
    # Each signal's page is listed with the number of the page it is on.
    first = pack.pages[0].problem
    (where,) = [n for n, t in enumerate(pages, 1) if f"Signal #{first.id} ·" in t]
    line = next(row for row in pages[1].splitlines() if row.startswith(f"#{first.id} "))
    assert line.rstrip().endswith(str(where))


def _blue_pixels(pdf: bytes, index: int) -> int:
    """The pixels of the CUSUM line's blue (#005EB8, give or take anti-aliasing) on a page."""
    document = pypdfium2.PdfDocument(pdf)
    image = np.asarray(document[index].render(scale=1.5).to_pil().convert("RGB"), dtype=int)
    document.close()
    distance = np.abs(image - np.array([0x00, 0x5E, 0xB8])).sum(axis=2)
    return int((distance < 90).sum())


def test_the_charts_are_drawn_on_the_signals_page(
    store: Store, pack: BoardPack, pdf: bytes
) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    title = f"Signal #{store.presented} ·"
    (index,) = [n for n, page in enumerate(reader.pages) if title in page.extract_text()]
    drawn = _blue_pixels(pdf, index)
    bare = replace(pack, pages=tuple(replace(p, charts=()) for p in pack.pages))
    without = render_pdf(bare)
    (bare_index,) = [
        n for n, page in enumerate(PdfReader(io.BytesIO(without)).pages)
        if title in page.extract_text()
    ]  # fmt: skip
    assert drawn > _blue_pixels(without, bare_index) + 2000


def test_a_month_that_is_not_one_is_refused() -> None:
    for text in ("2024-13", "2024-00", "24-01", "2024-1", "November"):
        with pytest.raises(BadMonthError, match="is not a month"):
            parse_month(text)
    assert parse_month("2024-02") == date(2024, 2, 1)


def test_a_month_to_come_and_an_unknown_trust_are_refused(store: Store) -> None:
    with pytest.raises(BadMonthError, match="has not begun yet"):
        board_pack(store.sessions, store.trust, date(2026, 12, 1), data_dir=None, clock=TODAY)
    with pytest.raises(Exception, match="there is no trust with code 'NOPE'"):
        board_pack(store.sessions, "NOPE", NOVEMBER, data_dir=None, clock=TODAY)


runner = CliRunner()


def test_the_command_refuses_a_bad_month_and_writes_nothing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CARESIGNAL_DATABASE_URL", raising=False)
    out = tmp_path / "pack.pdf"
    args = ["report", "board", "--trust", store.trust, "--out", str(out),
            "--data-dir", str(store.data)]  # fmt: skip
    result = runner.invoke(app, [*args, "--month", "2024-13"])
    assert result.exit_code == 2
    assert "the month '2024-13' is not a month" in result.stderr
    assert "YYYY-MM" in result.stderr
    unknown = runner.invoke(app, [*args[:2], "--trust", "NOPE", *args[4:], "--month", "2026-11"])
    assert unknown.exit_code == 2
    assert "there is no trust with code 'NOPE'" in unknown.stderr
    assert not out.exists()


def test_the_command_writes_the_pack(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CARESIGNAL_DATABASE_URL", raising=False)
    out = tmp_path / "pack.html"
    result = runner.invoke(app, ["report", "board", "--trust", store.trust, "--month", "2026-10",
                                 "--out", str(out), "--data-dir", str(store.data)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Wrote the board pack" in result.stdout
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "October 2026" in html
    assert store.trust_name in html


def test_the_months_concerns_are_counted_by_theme_never_shown(store: Store) -> None:
    listening = "I told the nurses three times my son was getting worse and nobody listened."
    staffing = "Night shifts regularly run with one registered nurse for twelve children."
    october = FixedClock(datetime(2026, 10, 1, 10, 0, tzinfo=UTC))
    november = FixedClock(datetime(2026, 11, 9, 10, 0, tzinfo=UTC))
    raised = [
        concerns.submit(store.sessions, store.trust, ConcernChannel.ONLINE, listening,
                        clock=october),
        concerns.submit(store.sessions, store.trust, ConcernChannel.ONLINE, listening,
                        clock=november),
        concerns.submit(store.sessions, store.trust, ConcernChannel.STAFF, staffing,
                        clock=november, relationship="staff", anonymous=True),
    ]  # fmt: skip
    escalate(store.sessions, TODAY.today(), actor="clock", clock=TODAY)  # October's is late
    section = board_pack(store.sessions, store.trust, NOVEMBER, data_dir=None, clock=TODAY).concerns
    assert (section.received, section.by_channel) == (2, (("online", 1), ("staff", 1)))
    assert sum(theme.count for theme in section.themes) + section.unthemed == 2
    assert all(theme.suggested == theme.count for theme in section.themes)  # none recorded
    # All three were late to be acknowledged and climbed; October's is late again already.
    assert (section.open, section.overdue, section.escalated) == (3, 1, 3)
    agenda = board.agenda(store.sessions, store.trust, TODAY.today(), actor=None)
    assert section.to_the_board == sum(item.entity == "concern" for item in agenda) > 0
    october_pack = board_pack(
        store.sessions, store.trust, date(2026, 10, 1), data_dir=None, clock=TODAY
    )
    assert (october_pack.concerns.received, october_pack.concerns.escalated) == (1, 0)
    html = render_html(board_pack(store.sessions, store.trust, NOVEMBER, data_dir=None,
                                  clock=TODAY))  # fmt: skip
    assert "Concerns from patients, families and staff" in html
    assert all(c.concern.text not in html for c in raised)
    assert all(c.concern.reference not in html for c in raised)
    assert "Linked to a patient-safety incident in the trust's incident system: 0 of" in html
    # A concern of the month linked to an incident is counted, by number and never by reference.
    concerns_handling.acknowledge(store.sessions, raised[1].concern.id, actor="champion",
                                  clock=TODAY)  # fmt: skip
    concerns_handling.link_incident(store.sessions, raised[1].concern.id, "W12345",
                                    actor="champion", clock=TODAY)  # fmt: skip
    linked = board_pack(store.sessions, store.trust, NOVEMBER, data_dir=None, clock=TODAY)
    assert (linked.concerns.linked_to_incident, section.linked_to_incident) == (1, 0)
    html = render_html(linked)
    assert "incident system: 1 of the month's 2 concerns." in html
    assert "W12345" not in html
