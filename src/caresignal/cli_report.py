"""``caresignal report board``: a trust's monthly board pack, as HTML or a PDF printed from the
same HTML (docs/board-pack.md, docs/cli.md). Thin: it builds the pack's model and renders it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from caresignal._cli_common import DataDirOption, _fail, _settings, _stdout, _translate_errors
from caresignal.cli_store import _store
from caresignal.clock import SystemClock

__all__ = ["report_app"]

report_app = typer.Typer(help="Reports: the board pack.", no_args_is_help=True)

Format = Literal["html", "pdf"]


@report_app.command("board")
@_translate_errors
def report_board(
    trust: Annotated[str, typer.Option("--trust", help="The trust's code.")],
    month: Annotated[str, typer.Option("--month", help="The month, as YYYY-MM.")],
    out: Annotated[Path, typer.Option("--out", help="The file to write.")],
    data_dir: DataDirOption = None,
    output_format: Annotated[
        str, typer.Option("--format", help="html or pdf [default: from --out, else pdf].")
    ] = "",
) -> None:
    """Write the trust's board pack for the month: summary, one page per open signal with its
    charts and actions, actions overdue. The month's last day, or today during the month."""
    from caresignal.reports.board import board_pack, parse_month
    from caresignal.reports.render import render_html, render_pdf

    chosen = _format(output_format, out)
    first = parse_month(month)
    if not out.parent.is_dir():
        _fail(f"there is no directory {out.parent}", "make it first, or write the pack elsewhere")
    directory = _settings(data_dir).data_dir
    with _store(data_dir) as sessions:
        pack = board_pack(sessions, trust, first, data_dir=directory, clock=SystemClock())
    document = render_pdf(pack) if chosen == "pdf" else render_html(pack).encode("utf-8")
    out.write_bytes(document)
    _stdout().print(
        f"Wrote the board pack of {pack.trust} ({pack.trust_name}) for {pack.month_name} to "
        f"{out}: {pack.summary.open} open signals, {len(pack.pages)} signal pages, "
        f"{pack.summary.actions_overdue} actions overdue.",
        soft_wrap=True,
    )


def _format(given: str, out: Path) -> Format:
    """The format asked for, or the one ``--out``'s suffix names (PDF by default)."""
    text = given.strip().lower() or out.suffix.lower().lstrip(".")
    if text in ("html", "htm"):
        return "html"
    if text != "pdf" and given:
        _fail(f"--format {given!r} is not a format of the board pack", "choose html or pdf")
    return "pdf"
