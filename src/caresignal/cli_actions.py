"""The recommendation and action commands: ``caresignal actions recommend|add|list|show|start|
done|verify|reopen|close-recommendation``, and ``caresignal import recommendations`` into the
store (docs/cli.md, docs/recommendations.md). Thin: each calls one use case of
:mod:`caresignal.workflow.actions`."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from caresignal._cli_common import DataDirOption, _print_json, _stdout, _translate_errors
from caresignal.cli_store import ByOption, JsonOption, _store
from caresignal.clock import SystemClock
from caresignal.errors import CaresignalError

if TYPE_CHECKING:
    from caresignal.domain.actions import Action, RecommendationDetail
    from caresignal.workflow.actions_import import ImportSummary

__all__ = ["actions_app", "for_the_data_directory", "import_recommendations"]

actions_app = typer.Typer(
    help="Recommendations and their actions: owners, due dates, evidence and four-eyes checks.",
    no_args_is_help=True,
)

ActionId = Annotated[int, typer.Argument(help="The action's number (see `actions list`).")]
RecommendationId = Annotated[
    int, typer.Argument(help="The recommendation's number (see `actions list`).")
]
IfVersionOption = Annotated[
    int | None,
    typer.Option(
        "--if-version",
        help="Refuse the change unless it is still at this version (from `show`).",
        show_default=False,
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Count overdue actions as of this day [default: today].", show_default=False
    ),
]


def _day(option: str, text: str | None) -> date:
    """The day ``text`` (YYYY-MM-DD), or today when it is None."""
    if text is None:
        return SystemClock().today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CaresignalError(
            f"{option} {text!r} is not a date", hint="write it as YYYY-MM-DD, e.g. 2026-03-01"
        ) from None


@actions_app.command("recommend")
@_translate_errors
def actions_recommend(
    organisation: Annotated[
        str, typer.Option("--organisation", help="The trust, site or unit it was made to.")
    ],
    reference: Annotated[
        str, typer.Option("--reference", help="Its reference, unique in the organisation.")
    ],
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="signal_review, inspection, prevention_of_future_deaths, "
            "independent_investigation, internal_review or complaint.",
        ),
    ],
    title: Annotated[str, typer.Option("--title", help="What is recommended, in a line.")],
    detail: Annotated[str, typer.Option("--detail", help="The recommendation in full.")] = "",
    received_on: Annotated[
        str | None,
        typer.Option(
            "--received-on", help="The day it was received [default: today].", show_default=False
        ),
    ] = None,
    episode: Annotated[
        int | None,
        typer.Option(
            "--episode", help="The signal episode whose review made it.", show_default=False
        ),
    ] = None,
    data_dir: DataDirOption = None,
    by: ByOption = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, recorded in the audit log.")
    ] = "new recommendation",
    as_json: JsonOption = False,
) -> None:
    """Add a recommendation; break it into actions with `actions add`."""
    from caresignal.workflow.action_rules import parse_source
    from caresignal.workflow.actions import add_recommendation

    chosen = parse_source(source)
    with _store(data_dir) as sessions:
        made = add_recommendation(
            sessions, organisation, reference, chosen, title,
            received_on=_day("--received-on", received_on), detail=detail, episode_id=episode,
            actor=by or getpass.getuser(), clock=SystemClock(), reason=reason,
        )  # fmt: skip
    if as_json:
        _print_json(made.to_dict())
    else:
        _stdout().print(
            f"Added recommendation {made.id}: {made.organisation} {made.reference}.",
            soft_wrap=True,
        )


@actions_app.command("add")
@_translate_errors
def actions_add(
    recommendation_id: RecommendationId,
    title: Annotated[str, typer.Option("--title", help="What will be done.")],
    owner: Annotated[str, typer.Option("--owner", help="The user who will do it.")],
    due_on: Annotated[str, typer.Option("--due-on", help="The day it is due (YYYY-MM-DD).")],
    data_dir: DataDirOption = None,
    by: ByOption = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, recorded in the audit log.")
    ] = "new action",
    as_json: JsonOption = False,
) -> None:
    """Add an action to a recommendation, with an owner and a due date."""
    from caresignal.workflow.actions import add_action

    due = _day("--due-on", due_on)
    with _store(data_dir) as sessions:
        action = add_action(
            sessions, recommendation_id, title, owner, due,
            actor=by or getpass.getuser(), clock=SystemClock(), reason=reason,
        )  # fmt: skip
    _done(action, as_json)


@actions_app.command("list")
@_translate_errors
def actions_list(
    owner: Annotated[
        str | None, typer.Option("--owner", help="Only this user's actions.", show_default=False)
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only actions past their deadline, still to do.")
    ] = False,
    as_of: AsOfOption = None,
    organisation: Annotated[
        str | None,
        typer.Option(
            "--organisation",
            help="Only actions of this organisation and those below it.",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the actions: recommendation, owner, status, due date, and whether overdue."""
    from caresignal.workflow.actions import list_actions

    day = _day("--as-of", as_of)
    with _store(data_dir) as sessions:
        found = list_actions(
            sessions, owner=owner, overdue_on=day if overdue else None, organisation=organisation
        )
    if as_json:
        _print_json([{**action.to_dict(), "overdue": action.is_overdue(day)} for action in found])
        return
    if not found:
        _stdout().print("No actions" + (" overdue." if overdue else "."))
        return
    for action in found:
        _stdout().print(_line(action, day), soft_wrap=True)


def _line(action: Action, day: date) -> str:
    """One action in a line."""
    late = ", overdue" if action.is_overdue(day) else ""
    climbed = (
        f", escalated to rung {action.rung}, deadline {action.deadline.isoformat()}"
        if action.rung
        else ""
    )
    return (
        f"#{action.id} {action.title} (recommendation {action.recommendation_id}, "
        f"{action.organisation}): {action.status.value}, owner {action.owner}, "
        f"due {action.due_on.isoformat()}{late}{climbed}"
    )


@actions_app.command("show")
@_translate_errors
def actions_show(
    recommendation_id: RecommendationId,
    as_of: AsOfOption = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a recommendation: how far it has got, and each action with its evidence."""
    from caresignal.workflow.actions import get_recommendation

    day = _day("--as-of", as_of)
    with _store(data_dir) as sessions:
        detail = get_recommendation(sessions, recommendation_id)
    if as_json:
        _print_json(detail.to_dict(day))
    else:
        _print_detail(detail, day)


def _print_detail(detail: RecommendationDetail, day: date) -> None:
    out, made = _stdout(), detail.recommendation
    out.print(
        f"#{made.id} {made.organisation} {made.reference} ({made.source.value}, received "
        f"{made.received_on.isoformat()}): {made.title}",
        soft_wrap=True,
    )
    if made.detail:
        out.print(made.detail, soft_wrap=True)
    episode = "" if made.episode_id is None else f"; from signal episode {made.episode_id}"
    out.print(f"{detail.summary(day).capitalize()} (version {made.version}){episode}.")
    if detail.closed_without_verification:
        out.print("Closed without all actions verified.")
    if made.closing_reason:
        out.print(f"Closed by {made.closed_by}: {made.closing_reason}", soft_wrap=True)
    out.print("Actions:")
    for action in detail.actions:
        out.print(f"  {_line(action, day)} (version {action.version})", soft_wrap=True)
        if action.evidence:
            out.print(f"    Evidence: {'; '.join(action.evidence)}.", soft_wrap=True)
        if action.done_by:
            out.print(f"    Done by {action.done_by} on {_iso(action.done_on)}.")
        if action.verified_by:
            out.print(f"    Verified by {action.verified_by} on {_iso(action.verified_on)}.")


def _iso(day: date | None) -> str:
    return "" if day is None else day.isoformat()


@actions_app.command("start")
@_translate_errors
def actions_start(
    action_id: ActionId,
    data_dir: DataDirOption = None,
    by: ByOption = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, recorded in the audit log.")
    ] = "started",
    if_version: IfVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a planned action: its owner, or a unit lead or above."""
    from caresignal.workflow.actions import start_action

    with _store(data_dir) as sessions:
        action = start_action(
            sessions, action_id, actor=by or getpass.getuser(), clock=SystemClock(),
            reason=reason, expected_version=if_version,
        )  # fmt: skip
    _done(action, as_json)


@actions_app.command("done")
@_translate_errors
def actions_done(
    action_id: ActionId,
    evidence: Annotated[
        list[str],
        typer.Option("--evidence", help="What shows it was done; give it once for each."),
    ],
    data_dir: DataDirOption = None,
    by: ByOption = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, recorded in the audit log.")
    ] = "done",
    if_version: IfVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Mark an action in progress done, with evidence: its owner, or a unit lead or above."""
    from caresignal.workflow.actions import complete_action

    with _store(data_dir) as sessions:
        action = complete_action(
            sessions, action_id, evidence, actor=by or getpass.getuser(), clock=SystemClock(),
            reason=reason, expected_version=if_version,
        )  # fmt: skip
    _done(action, as_json)


@actions_app.command("verify")
@_translate_errors
def actions_verify(
    action_id: ActionId,
    data_dir: DataDirOption = None,
    by: ByOption = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, recorded in the audit log.")
    ] = "verified",
    if_version: IfVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verify a done action: a second person, divisional director or above."""
    from caresignal.workflow.actions import verify_action

    with _store(data_dir) as sessions:
        action = verify_action(
            sessions, action_id, actor=by or getpass.getuser(), clock=SystemClock(),
            reason=reason, expected_version=if_version,
        )  # fmt: skip
    _done(action, as_json)


@actions_app.command("reopen")
@_translate_errors
def actions_reopen(
    action_id: ActionId,
    reason: Annotated[str, typer.Option("--reason", help="Why the work is not yet enough.")],
    data_dir: DataDirOption = None,
    by: ByOption = None,
    if_version: IfVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send a done action back to in progress, with a reason: a verifier's rejection."""
    from caresignal.workflow.actions import reopen_action

    with _store(data_dir) as sessions:
        action = reopen_action(
            sessions, action_id, actor=by or getpass.getuser(), clock=SystemClock(),
            reason=reason, expected_version=if_version,
        )  # fmt: skip
    _done(action, as_json)


@actions_app.command("close-recommendation")
@_translate_errors
def actions_close_recommendation(
    recommendation_id: RecommendationId,
    reason: Annotated[str, typer.Option("--reason", help="The written reason for closing.")],
    data_dir: DataDirOption = None,
    by: ByOption = None,
    if_version: IfVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close a recommendation with a reason: divisional director or above. Allowed with actions
    not verified, and then shown as closed without all actions verified."""
    from caresignal.workflow.actions import close_recommendation

    clock = SystemClock()
    with _store(data_dir) as sessions:
        detail = close_recommendation(
            sessions, recommendation_id, actor=by or getpass.getuser(), clock=clock,
            reason=reason, expected_version=if_version,
        )  # fmt: skip
    if as_json:
        _print_json(detail.to_dict(clock.today()))
        return
    made = detail.recommendation
    _stdout().print(
        f"Recommendation {made.id} ({made.organisation} {made.reference}) "
        f"{detail.summary(clock.today())}.",
        soft_wrap=True,
    )


def _done(action: Action, as_json: bool) -> None:
    if as_json:
        _print_json(action.to_dict())
    else:
        _stdout().print(_line(action, SystemClock().today()) + ".", soft_wrap=True)


def for_the_data_directory(files: Sequence[Path]) -> bool:
    """Whether ``files`` hold the data directory's historical ``recommendations`` table (a
    ``record_id`` column, docs/data.md) rather than recommendations and actions for the store."""
    from caresignal.data._load_read import read_file

    try:
        frame = read_file(files[0], source=files[0].name, table="recommendations")
    except CaresignalError:  # the store's import reads it again and says why it cannot
        return False
    return "record_id" in frame.columns


def import_recommendations(
    files: Sequence[Path],
    *,
    data_dir: Path | None,
    by: str | None,
    correction: bool = False,
    as_json: bool = False,
) -> None:
    """``caresignal import recommendations FILE...``: check the files, then add their
    recommendations and actions to the store in one transaction, or refuse them all
    (:class:`~caresignal.errors.ImportRejectedError`, which the import command shows)."""
    from caresignal.workflow.actions_import import import_recommendations as run_import

    if correction:
        raise CaresignalError(
            "--correction does not apply to recommendations in the store",
            hint="change a recommendation's actions with `caresignal actions` instead",
        )

    with _store(data_dir) as sessions:
        summary = run_import(sessions, files, actor=by or getpass.getuser(), clock=SystemClock())
    _imported(summary, as_json)


def _imported(summary: ImportSummary, as_json: bool) -> None:
    if as_json:
        _print_json({"status": "loaded" if summary.added else "unchanged", **summary.to_dict()})
    else:
        text = summary.describe()
        _stdout().print(text[:1].upper() + text[1:] + ".", soft_wrap=True)
