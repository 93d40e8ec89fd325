"""The Martha's Rule commands: ``caresignal urgent list|begin|outcome`` for a site's outreach
team and on-call senior (docs/cli.md, docs/concerns.md). Thin: each calls one use case of
:mod:`caresignal.workflow.urgent`."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Annotated

import typer

from caresignal._cli_common import DataDirOption, _print_json, _stdout, _translate_errors
from caresignal.cli_store import ByOption, JsonOption, _store
from caresignal.clock import SystemClock
from caresignal.errors import CaresignalError

if TYPE_CHECKING:
    from caresignal.domain.urgent import UrgentCall

__all__ = ["urgent_app"]

urgent_app = typer.Typer(
    help="Martha's Rule urgent reviews: the calls waiting, begin a review, record its outcome.",
    no_args_is_help=True,
)
CallId = Annotated[int, typer.Argument(help="The call's number (see `urgent list`).")]
VersionOption = Annotated[
    int | None,
    typer.Option("--if-version", help="Refuse if the call changed since this version."),
]


def _line(call: UrgentCall) -> str:
    from caresignal.workflow.urgent_notify import hhmm

    left = call.minutes_left(SystemClock().now())
    if left is None:
        when = call.state.value.replace("_", " ")
    elif left < 0:
        when = f"{call.state.value}, OVERDUE by {-left} min (due {hhmm(call.due_at)})"
    else:
        when = f"{call.state.value}, {left} min left (due {hhmm(call.due_at)})"
    return (
        f"#{call.id} {call.reference} {call.unit} {call.patient}: {call.worry} "
        f"[{call.caller.value}; {when}]"
    )


def _show(call: UrgentCall, as_json: bool, verb: str) -> None:
    if as_json:
        _print_json(call.to_dict(with_callback=True))
    else:
        _stdout().print(f"Urgent review {call.reference} {verb}.", soft_wrap=True)


@urgent_app.command("list")
@_translate_errors
def urgent_list(
    all_calls: Annotated[
        bool, typer.Option("--all", help="Closed calls too [default: open calls only].")
    ] = False,
    data_dir: DataDirOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the calls of the sites where you are in the outreach team or the on-call senior,
    with minutes left or overdue, and the call-back number while the call is open."""
    from caresignal.workflow.urgent import list_calls

    with _store(data_dir) as sessions:
        found = list_calls(sessions, actor=by or getpass.getuser(), open_only=not all_calls)
    if as_json:
        _print_json([call.to_dict(with_callback=True) for call in found])
        return
    out = _stdout()
    if not found:
        out.print("No urgent review calls where you answer them.")
    for call in found:
        out.print(_line(call), soft_wrap=True, markup=False)
        if call.callback:
            out.print(f"    call back: {call.callback}", soft_wrap=True, markup=False)


@urgent_app.command("begin")
@_translate_errors
def urgent_begin(
    call_id: CallId, if_version: VersionOption = None, data_dir: DataDirOption = None,
    by: ByOption = None, as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Record that the review has begun: the clock stops."""
    from caresignal.workflow.urgent import begin_review

    with _store(data_dir) as sessions:
        done = begin_review(
            sessions, call_id, actor=by or getpass.getuser(), clock=SystemClock(),
            expected_version=if_version,
        )  # fmt: skip
    _show(done, as_json, "review begun")


@urgent_app.command("outcome")
@_translate_errors
def urgent_outcome(
    call_id: CallId,
    outcome: Annotated[
        list[str],
        typer.Option(
            "--outcome", help="review_done, care_escalated or family_told (once per outcome)."
        ),
    ],
    note: Annotated[str, typer.Option("--note", help="What was found and done.")] = "",
    if_version: VersionOption = None,
    data_dir: DataDirOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record the outcome of a review and close the call; its call-back number is removed."""
    from caresignal.domain.urgent import Outcome
    from caresignal.workflow.urgent import record_outcome

    try:
        chosen = [Outcome(each.strip().lower().replace("-", "_")) for each in outcome]
    except ValueError:
        names = ", ".join(o.value for o in Outcome)
        raise CaresignalError("that is not an outcome", hint=f"choose from: {names}") from None
    with _store(data_dir) as sessions:
        done = record_outcome(
            sessions, call_id, chosen, note, actor=by or getpass.getuser(), clock=SystemClock(),
            expected_version=if_version,
        )  # fmt: skip
    _show(done, as_json, "outcome recorded (" + ", ".join(o.value for o in done.outcomes) + ")")
