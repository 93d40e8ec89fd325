"""The accountability commands beyond a single episode: ``caresignal escalate`` (the clock of the
escalation ladder), ``caresignal outbox list|deliver|retry`` (notifications) and ``caresignal
board meeting|meetings|present|show|history|agenda`` (the board ledger). Thin: each calls one use
case (docs/cli.md, docs/accountability.md)."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from caresignal._cli_common import (
    DataDirOption,
    _day,
    _print_json,
    _rules,
    _settings,
    _stdout,
    _translate_errors,
)
from caresignal.cli_store import ByOption, JsonOption, _store
from caresignal.clock import SystemClock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from caresignal.domain.board import BoardItem
    from caresignal.workflow.outbox import DeliveryResult

__all__ = ["board_app", "escalate", "outbox_app"]

outbox_app = typer.Typer(
    help="Notifications: what was sent, what waits, what failed.", no_args_is_help=True
)
board_app = typer.Typer(
    help="The board ledger: meetings, what was presented and what was decided.",
    no_args_is_help=True,
)

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="As of this day (YYYY-MM-DD) [default: today].", show_default=False
    ),
]
ReaderOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Read as this user: only what their roles reach [default: everything].",
        show_default=False,
    ),
]


def _as_of(text: str | None) -> date:
    return SystemClock().today() if text is None else _day("--as-of", text)


@_translate_errors
def escalate(
    data_dir: DataDirOption = None,
    as_of: AsOfOption = None,
    by: ByOption = None,
    deliver: Annotated[
        bool,
        typer.Option(
            "--deliver/--no-deliver",
            help="Send the notifications afterwards, if a mail server is set.",
        ),
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Run the escalation clock: move every overdue item one rung up the ladder per missed
    deadline and tell its new owner. Running it again changes nothing."""
    from caresignal.workflow.escalation import escalate as run_clock
    from caresignal.workflow.urgent_notify import paging_from

    day = _as_of(as_of)
    with _store(data_dir) as sessions:
        result = run_clock(
            sessions,
            day,
            actor=by or getpass.getuser(),
            clock=SystemClock(),
            rules=_rules(data_dir),
            paging=paging_from(_settings(data_dir)),
        )
        delivered = _deliver(data_dir, sessions) if deliver else None
    if as_json:
        payload = result.to_dict()
        payload["delivery"] = None if delivered is None else delivered.to_dict()
        _print_json(payload)
        return
    out = _stdout()
    if not result.climbed and not result.urgent:
        out.print(f"Nothing climbed the ladder as of {day.isoformat()}.")
    for call in result.urgent:
        out.print(
            f"Urgent review {call.reference} ({call.unit}): not begun within "
            f"{call.limit_minutes} minutes; escalated to the on-call senior of {call.site}.",
            soft_wrap=True,
        )
    for item in result.climbed:
        out.print(
            f"{_entity(item.entity)} #{item.entity_id} ({item.organisation}): "
            f"{item.from_role} -> {item.to_role}; missed {item.missed.isoformat()}, "
            f"now due {item.deadline.isoformat()}.",
            soft_wrap=True,
        )
    if result.overdue_at_top:
        ids = ", ".join(f"#{entity_id}" for _, entity_id in result.overdue_at_top)
        out.print(
            f"Overdue at the top of the ladder, with nowhere higher to go: {ids}.", soft_wrap=True
        )
    out.print(_delivery_line(delivered), soft_wrap=True)


def _entity(entity: str) -> str:
    return entity.replace("_", " ").capitalize()


def _deliver(data_dir: Path | None, sessions: sessionmaker[Session]) -> DeliveryResult | None:
    from caresignal.workflow.outbox import deliver, mailer_from
    from caresignal.workflow.webhook import webhook_from

    settings = _settings(data_dir)
    mailer, webhook = mailer_from(settings), webhook_from(settings)
    if mailer is None and webhook is None:
        return None
    return deliver(sessions, mailer, clock=SystemClock(), webhook=webhook)


def _delivery_line(result: DeliveryResult | None) -> str:
    if result is None:
        return (
            "Notifications wait in the outbox: no mail server is set (CARESIGNAL_SMTP_HOST); "
            "see `caresignal outbox list`."
        )
    return (
        f"Notifications: {result.sent} sent, {result.retrying} to be retried, "
        f"{result.failed} failed, {result.waiting} waiting."
    )


@outbox_app.command("list")
@_translate_errors
def outbox_list(
    data_dir: DataDirOption = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="Only messages in this status: pending, sent, failed, undeliverable.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the notifications, with where each stands and, for a failure, why."""
    from caresignal.domain.notifications import NotificationStatus
    from caresignal.errors import CaresignalError
    from caresignal.workflow.outbox import list_notifications

    chosen = None
    if status is not None:
        try:
            chosen = NotificationStatus(status.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in NotificationStatus)
            raise CaresignalError(
                f"there is no status called {status!r}", hint=f"choose one of: {names}"
            ) from None
    with _store(data_dir) as sessions:
        found = list_notifications(sessions, chosen)
    if as_json:
        _print_json([message.to_dict() for message in found])
        return
    out = _stdout()
    if not found:
        out.print("The outbox is empty.")
    for message in found:
        to = message.recipient or "nobody"
        error = f" ({message.last_error})" if message.last_error else ""
        out.print(
            f"#{message.id} {message.status.value} to {to}, {message.attempts} attempt(s): "
            f"{message.subject}{error}",
            soft_wrap=True,
        )


@outbox_app.command("deliver")
@_translate_errors
def outbox_deliver(data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Send the messages that are due, through the mail server the settings name."""
    from caresignal.workflow.outbox import SmtpMailer, deliver

    mailer = SmtpMailer(_settings(data_dir))
    with _store(data_dir) as sessions:
        result = deliver(sessions, mailer, clock=SystemClock())
    if as_json:
        _print_json(result.to_dict())
    else:
        _stdout().print(_delivery_line(result), soft_wrap=True)


@outbox_app.command("retry")
@_translate_errors
def outbox_retry(
    notification_id: Annotated[int, typer.Argument(help="The failed message's number.")],
    data_dir: DataDirOption = None,
    by: ByOption = None,
) -> None:
    """Send a failed message again at the next delivery."""
    from caresignal.workflow.outbox import retry

    with _store(data_dir) as sessions:
        message = retry(
            sessions, notification_id, actor=by or getpass.getuser(), clock=SystemClock()
        )
    _stdout().print(f"#{message.id} will be sent again: {message.subject}", soft_wrap=True)


@board_app.command("meeting")
@_translate_errors
def board_meeting(
    trust: Annotated[str, typer.Argument(help="The trust's code.")],
    held_on: Annotated[str, typer.Argument(help="The day of the meeting (YYYY-MM-DD).")],
    title: Annotated[str, typer.Option("--title", help="What the meeting is called.")] = (
        "Board meeting"
    ),
    data_dir: DataDirOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a meeting of a trust's board."""
    from caresignal.workflow.board import add_meeting

    with _store(data_dir) as sessions:
        meeting = add_meeting(
            sessions,
            trust,
            _day("DATE", held_on),
            title,
            actor=by or getpass.getuser(),
            clock=SystemClock(),
        )
    if as_json:
        _print_json(meeting.to_dict())
    else:
        _stdout().print(
            f"Board meeting #{meeting.id}: {meeting.trust} {meeting.held_on.isoformat()} "
            f"{meeting.title}.",
            soft_wrap=True,
        )


@board_app.command("meetings")
@_translate_errors
def board_meetings(
    trust: Annotated[str, typer.Argument(help="The trust's code.")],
    data_dir: DataDirOption = None,
    by: ReaderOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a trust's board meetings."""
    from caresignal.workflow.board import list_meetings

    with _store(data_dir) as sessions:
        found = list_meetings(sessions, trust, actor=by)
    if as_json:
        _print_json([meeting.to_dict() for meeting in found])
        return
    out = _stdout()
    if not found:
        out.print(f"No board meetings of {trust} are recorded.")
    for meeting in found:
        out.print(f"#{meeting.id} {meeting.held_on.isoformat()} {meeting.title}", soft_wrap=True)


SignalOption = Annotated[
    int | None, typer.Option("--signal", help="A signal episode.", show_default=False)
]
ActionOption = Annotated[
    int | None, typer.Option("--action", help="An action.", show_default=False)
]
RecommendationOption = Annotated[
    int | None,
    typer.Option("--recommendation", help="A recommendation.", show_default=False),
]
ConcernOption = Annotated[
    int | None,
    typer.Option(
        "--concern", help="A concern (the board sees how it stands, never its words).",
        show_default=False,
    ),
]  # fmt: skip


def _one_item(
    signal: int | None, action: int | None, recommendation: int | None, concern: int | None
) -> tuple[str, int]:
    """The one item named by ``--signal``, ``--action``, ``--recommendation`` or
    ``--concern``."""
    from caresignal.errors import CaresignalError

    named = [
        (entity, number)
        for entity, number in (
            ("signal_episode", signal),
            ("action", action),
            ("recommendation", recommendation),
            ("concern", concern),
        )
        if number is not None
    ]
    if len(named) != 1:
        raise CaresignalError(
            "name one item: --signal ID, --action ID, --recommendation ID or --concern ID",
            hint="e.g. --signal 4",
        )
    return named[0]


@board_app.command("present")
@_translate_errors
def board_present(
    meeting_id: Annotated[int, typer.Argument(help="The meeting's number.")],
    decision: Annotated[str, typer.Option("--decision", help="What the board decided.")],
    signal: SignalOption = None,
    action: ActionOption = None,
    recommendation: RecommendationOption = None,
    concern: ConcernOption = None,
    data_dir: DataDirOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that a signal, an action, a recommendation or a concern was presented at a
    meeting, and what the board decided."""
    from caresignal.workflow.board import present

    entity, number = _one_item(signal, action, recommendation, concern)
    with _store(data_dir) as sessions:
        item = present(
            sessions,
            meeting_id,
            entity,
            number,
            decision,
            actor=by or getpass.getuser(),
            clock=SystemClock(),
        )
    if as_json:
        _print_json(item.to_dict())
    else:
        _stdout().print(_item_line(item), soft_wrap=True)


def _item_line(item: BoardItem) -> str:
    return (
        f"{item.meeting.held_on.isoformat()} {item.meeting.title}: {item.summary}. "
        f"Decision: {item.decision}"
    )


@board_app.command("show")
@_translate_errors
def board_show(
    meeting_id: Annotated[int, typer.Argument(help="The meeting's number.")],
    data_dir: DataDirOption = None,
    by: ReaderOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a meeting: what was presented and what was decided."""
    from caresignal.workflow.board import get_meeting

    with _store(data_dir) as sessions:
        meeting, items = get_meeting(sessions, meeting_id, actor=by)
    if as_json:
        _print_json({**meeting.to_dict(), "items": [item.to_dict() for item in items]})
        return
    out = _stdout()
    out.print(f"#{meeting.id} {meeting.trust} {meeting.held_on.isoformat()} {meeting.title}")
    if not items:
        out.print("Nothing was recorded as presented.")
    for item in items:
        out.print(f"  {item.summary}. Decision: {item.decision}", soft_wrap=True)


@board_app.command("history")
@_translate_errors
def board_history(
    signal: SignalOption = None,
    action: ActionOption = None,
    recommendation: RecommendationOption = None,
    concern: ConcernOption = None,
    data_dir: DataDirOption = None,
    by: ReaderOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every time an item reached the board and what was decided, in one sentence and in full."""
    from caresignal.workflow.board import board_history as history

    entity, number = _one_item(signal, action, recommendation, concern)
    with _store(data_dir) as sessions:
        found = history(sessions, entity, number, actor=by, as_of=SystemClock().today())
    if as_json:
        _print_json(found.to_dict())
        return
    out = _stdout()
    name = {
        "signal_episode": "Signal",
        "action": "Action",
        "recommendation": "Recommendation",
        "concern": "Concern",
    }
    out.print(f"{name[entity]} #{number}: {found.sentence}.", soft_wrap=True)
    for item in found.items:
        out.print(f"  {_item_line(item)}", soft_wrap=True)


@board_app.command("agenda")
@_translate_errors
def board_agenda(
    trust: Annotated[str, typer.Argument(help="The trust's code.")],
    data_dir: DataDirOption = None,
    as_of: AsOfOption = None,
    by: ReaderOption = None,
    as_json: JsonOption = False,
) -> None:
    """What should go to the trust's board: red signals, everything escalated to it, and
    recommendations closed without all their actions verified."""
    from caresignal.workflow.board import agenda

    with _store(data_dir) as sessions:
        found = agenda(sessions, trust, _as_of(as_of), actor=by, rules=_rules(data_dir))
    if as_json:
        _print_json([item.to_dict() for item in found])
        return
    out = _stdout()
    if not found:
        out.print(f"Nothing is waiting for {trust}'s board.")
    for item in found:
        out.print(f"{item.summary}: {item.why}; {item.history}.", soft_wrap=True)
