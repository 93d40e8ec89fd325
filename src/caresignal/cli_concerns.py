"""The concern commands: ``caresignal concerns
list|show|ack|triage|link-incident|unlink-incident|reply|respond|close|export``, and
``caresignal import concerns FILE`` into the store (docs/cli.md, docs/concerns.md). Thin: each
calls one use case of :mod:`caresignal.workflow.concerns_handling`."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from caresignal._cli_common import DataDirOption, _print_json, _stdout, _translate_errors
from caresignal.cli_store import ByOption, JsonOption, _store
from caresignal.clock import SystemClock
from caresignal.errors import CaresignalError

if TYPE_CHECKING:
    from caresignal.domain.concerns import Concern

__all__ = ["concerns_app", "import_concerns"]

concerns_app = typer.Typer(
    help="Concerns from patients, families and staff: acknowledge, triage, answer, close.",
    no_args_is_help=True,
)
ConcernId = Annotated[int, typer.Argument(help="The concern's number (see `concerns list`).")]
TextOption = Annotated[str, typer.Option("--text", help="What is sent to the person.")]
IncidentArgument = Annotated[
    str, typer.Argument(help="The incident's reference in the trust's incident system.")
]


def _line(concern: Concern) -> str:
    due = "" if concern.deadline is None else f", due {concern.deadline.isoformat()}"
    late = " (overdue)" if concern.is_overdue(SystemClock().today()) else ""
    return (
        f"#{concern.id} {concern.reference} {concern.organisation} {concern.channel.value}: "
        f"{concern.state.value}{due}{late}"
    )


def _done(concern: Concern, as_json: bool, verb: str) -> None:
    if as_json:
        _print_json(concern.to_dict())
    else:
        _stdout().print(f"Concern {concern.reference} {verb}: {_line(concern)}.", soft_wrap=True)


@concerns_app.command("list")
@_translate_errors
def concerns_list(
    state: Annotated[str | None, typer.Option("--state", help="Only this state.")] = None,
    organisation: Annotated[
        str | None, typer.Option("--organisation", help="Only this trust, site or unit.")
    ] = None,
    data_dir: DataDirOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the concerns you may read (a role with concern access where they were raised)."""
    from caresignal.workflow.concern_rules import parse_state
    from caresignal.workflow.concerns_handling import list_concerns

    chosen = None if state is None else parse_state(state)
    with _store(data_dir) as sessions:
        found = list_concerns(
            sessions, actor=by or getpass.getuser(), organisation=organisation, state=chosen
        )
    if as_json:
        _print_json([concern.to_dict(with_text=False) for concern in found])
        return
    out = _stdout()
    if not found:
        out.print("No concerns that you may read.")
    for concern in found:
        out.print(_line(concern), soft_wrap=True)


@concerns_app.command("show")
@_translate_errors
def concerns_show(
    concern_id: ConcernId, data_dir: DataDirOption = None, by: ByOption = None,
    as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Show a concern: the person's words, their contact details, the clocks and the
    conversation."""
    from caresignal.workflow.concerns_handling import get_concern

    with _store(data_dir) as sessions:
        detail = get_concern(sessions, concern_id, actor=by or getpass.getuser())
    if as_json:
        _print_json(detail.to_dict(SystemClock().today()))
        return
    out, c = _stdout(), detail.concern
    out.print(_line(c), soft_wrap=True, markup=False)
    out.print(f"Received {c.received_on}; acknowledge by {c.acknowledge_by}; response due "
              f"{c.response_due}; explanation due {c.explanation_due}; version {c.version}.",
              soft_wrap=True)  # fmt: skip
    if c.episode_ids or c.incident_references:
        signals = ", ".join(f"#{number}" for number in c.episode_ids) or "none"
        incidents = ", ".join(c.incident_references) or "none"
        out.print(f"Linked signals: {signals}; linked incidents: {incidents}.", soft_wrap=True,
                  markup=False)  # fmt: skip
    out.print(c.text, soft_wrap=True, markup=False)
    for event in detail.events:
        out.print(f"{event.at:%Y-%m-%d} {event.kind.value} ({event.actor}): {event.text}",
                  soft_wrap=True, markup=False)  # fmt: skip


@concerns_app.command("ack")
@_translate_errors
def concerns_ack(
    concern_id: ConcernId,
    text: Annotated[str, typer.Option("--text", help="The acknowledgement sent.")] = "",
    data_dir: DataDirOption = None, by: ByOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Acknowledge a received concern (due within 3 working days)."""
    from caresignal.workflow.concerns_handling import acknowledge

    with _store(data_dir) as sessions:
        done = acknowledge(
            sessions, concern_id, actor=by or getpass.getuser(), clock=SystemClock(), text=text
        )
    _done(done, as_json, "acknowledged")


@concerns_app.command("triage")
@_translate_errors
def concerns_triage(
    concern_id: ConcernId,
    category: Annotated[str, typer.Option("--category", help="The HCAT category.")],
    severity: Annotated[str, typer.Option("--severity", help="low, medium or high.")],
    candour: Annotated[
        bool, typer.Option("--candour/--no-candour", help="Whether the duty of candour applies.")
    ] = False,
    signal: Annotated[
        list[int] | None, typer.Option("--signal", help="A linked signal episode (repeat).")
    ] = None,
    incident: Annotated[
        list[str] | None,
        typer.Option(
            "--incident",
            help="A linked patient-safety incident's reference, such as W12345 (repeat; given, "
            "they replace those linked).",
        ),
    ] = None,
    respond_by: Annotated[
        str | None, typer.Option("--respond-by", help="The response date agreed (YYYY-MM-DD).")
    ] = None,
    data_dir: DataDirOption = None, by: ByOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Code a concern (HCAT category and severity), link signals and patient-safety incidents,
    and agree a response date."""
    from caresignal._cli_common import _day
    from caresignal.workflow.concern_rules import parse_severity
    from caresignal.workflow.concerns_handling import agree_response_date, triage

    level, actor = parse_severity(severity), by or getpass.getuser()
    due = None if respond_by is None else _day("--respond-by", respond_by)
    with _store(data_dir) as sessions:
        done = triage(
            sessions, concern_id, category=category, severity=level, duty_of_candour=candour,
            episode_ids=signal or (), incident_references=incident, actor=actor,
            clock=SystemClock(),
        )  # fmt: skip
        if due is not None:
            done = agree_response_date(sessions, concern_id, due, actor=actor, clock=SystemClock())
    _done(done, as_json, "triaged")


@concerns_app.command("link-incident")
@_translate_errors
def concerns_link_incident(
    concern_id: ConcernId, reference: IncidentArgument, data_dir: DataDirOption = None,
    by: ByOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Link a patient-safety incident (its reference in LFPSE, Datix or the like) to a concern."""
    from caresignal.workflow.concerns_handling import link_incident

    with _store(data_dir) as sessions:
        done = link_incident(sessions, concern_id, reference, actor=by or getpass.getuser(),
                             clock=SystemClock())  # fmt: skip
    _done(done, as_json, f"is linked to the incident {reference.strip()}")


@concerns_app.command("unlink-incident")
@_translate_errors
def concerns_unlink_incident(
    concern_id: ConcernId, reference: IncidentArgument, data_dir: DataDirOption = None,
    by: ByOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Unlink a patient-safety incident from a concern."""
    from caresignal.workflow.concerns_handling import unlink_incident

    with _store(data_dir) as sessions:
        done = unlink_incident(sessions, concern_id, reference, actor=by or getpass.getuser(),
                               clock=SystemClock())  # fmt: skip
    _done(done, as_json, f"is no longer linked to the incident {reference.strip()}")


@concerns_app.command("reply")
@_translate_errors
def concerns_reply(
    concern_id: ConcernId,
    text: TextOption,
    explanation: Annotated[
        bool, typer.Option("--explanation", help="It explains why there is no response yet.")
    ] = False,
    data_dir: DataDirOption = None, by: ByOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Send the person a reply that is not the final response."""
    from caresignal.workflow.concerns_handling import reply

    with _store(data_dir) as sessions:
        done = reply(sessions, concern_id, text, explanation=explanation,
                     actor=by or getpass.getuser(), clock=SystemClock())  # fmt: skip
    _done(done, as_json, "answered")


@concerns_app.command("respond")
@_translate_errors
def concerns_respond(
    concern_id: ConcernId, text: TextOption, data_dir: DataDirOption = None,
    by: ByOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Send the final response to a triaged concern."""
    from caresignal.workflow.concerns_handling import respond

    with _store(data_dir) as sessions:
        done = respond(sessions, concern_id, text, actor=by or getpass.getuser(),
                       clock=SystemClock())  # fmt: skip
    _done(done, as_json, "responded to")


@concerns_app.command("close")
@_translate_errors
def concerns_close(
    concern_id: ConcernId,
    reason: Annotated[str, typer.Option("--reason", help="Why it is closed without an answer.")],
    data_dir: DataDirOption = None, by: ByOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Close a responded concern whose writer has not answered."""
    from caresignal.workflow.concerns_handling import close

    with _store(data_dir) as sessions:
        done = close(sessions, concern_id, reason=reason, actor=by or getpass.getuser(),
                     clock=SystemClock())  # fmt: skip
    _done(done, as_json, "closed")


@concerns_app.command("export")
@_translate_errors
def concerns_export(
    trust: Annotated[str, typer.Option("--trust", help="The trust's code.")],
    start: Annotated[
        str | None, typer.Option("--from", help="Received on or after this day (YYYY-MM-DD).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Received on or before this day (YYYY-MM-DD).")
    ] = None,
    kind: Annotated[str, typer.Option("--format", help="csv or xlsx.")] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", help="The file to write (CSV: standard output).")
    ] = None,
    data_dir: DataDirOption = None, by: ByOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Export the trust's concerns that you may read, one row each, with names, telephone
    numbers, e-mail addresses and the person's own details taken out of the words."""
    from caresignal._cli_common import _day
    from caresignal.workflow.concerns_export import check_format, export

    check_format(kind)
    if kind == "xlsx" and out is None:
        raise CaresignalError("an Excel workbook cannot go to the terminal",
                              hint="give --out FILE.xlsx")  # fmt: skip
    first = None if start is None else _day("--from", start)
    last = None if end is None else _day("--to", end)
    with _store(data_dir) as sessions:
        made = export(sessions, trust, actor=by or getpass.getuser(), clock=SystemClock(),
                      start=first, end=last, kind=kind)  # fmt: skip
    body = made.to_bytes(kind)
    if out is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    out.write_bytes(body)
    if as_json:
        _print_json({"trust": trust, "rows": len(made.rows), "format": kind, "file": str(out)})
    else:
        _stdout().print(f"Wrote {len(made.rows)} concerns of {trust}, redacted, to {out}.",
                        soft_wrap=True, markup=False)  # fmt: skip


def import_concerns(
    files: list[Path], *, data_dir: Path | None, by: str | None, as_json: bool
) -> None:
    """``caresignal import concerns FILE``: historical concerns into the store, all or none."""
    from caresignal.workflow.concerns_import import import_concerns as run_import

    if len(files) != 1:
        raise CaresignalError("import concerns takes one file", hint="import each file in turn")
    with _store(data_dir) as sessions:
        summary = run_import(sessions, files[0], actor=by or getpass.getuser(), clock=SystemClock())
    if as_json:
        _print_json({"status": "loaded" if summary.added else "unchanged", **summary.to_dict()})
    else:
        text = summary.describe()
        _stdout().print(text[:1].upper() + text[1:] + ".", soft_wrap=True)
