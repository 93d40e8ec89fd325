"""The signal episode commands: ``caresignal signals list|show|ack|transition|close|comment``
(docs/cli.md, docs/accountability.md), and the merge that ``caresignal scan`` runs. Thin: each
calls one use case of :mod:`caresignal.workflow.service`."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from caresignal._cli_common import (
    DataDirOption,
    _print_json,
    _rules,
    _stdout,
    _translate_errors,
)
from caresignal.cli_store import ByOption, JsonOption, _store
from caresignal.clock import SystemClock

if TYPE_CHECKING:
    from caresignal.domain.episodes import Episode
    from caresignal.monitor.scan import ScanResult
    from caresignal.workflow.service import EpisodeDetail, MergeResult

__all__ = ["merge_scan", "signals_app"]

signals_app = typer.Typer(
    help="Signal episodes: who owns each signal, by when, and its decisions.",
    no_args_is_help=True,
)

IdArgument = Annotated[int, typer.Argument(help="The episode's number (see `signals list`).")]
IfVersionOption = Annotated[
    int | None,
    typer.Option(
        "--if-version",
        help="Refuse the change unless the episode is still at this version (from `show`).",
        show_default=False,
    ),
]


def merge_scan(data_dir: Path | None, result: ScanResult, by: str | None) -> MergeResult:
    """Merge a scan's findings into the store's signal episodes (``caresignal scan`` calls it)."""
    from caresignal.workflow.service import merge_findings

    with _store(data_dir) as sessions:
        return merge_findings(
            sessions,
            result,
            actor=by or getpass.getuser(),
            clock=SystemClock(),
            rules=_rules(data_dir),
        )


def merge_line(merged: MergeResult) -> str:
    """The one line ``caresignal scan`` prints about the merge."""
    return (
        f"Signal episodes: {len(merged.opened):,} opened, {len(merged.extended):,} extended, "
        f"{len(merged.reopened):,} reopened (see `caresignal signals list`)."
    )


@signals_app.command("list")
@_translate_errors
def signals_list(
    data_dir: DataDirOption = None,
    state: Annotated[
        str | None,
        typer.Option("--state", help="Only episodes in this state, e.g. open.", show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the signal episodes: state, level, owner and deadline."""
    from caresignal.workflow.service import list_episodes
    from caresignal.workflow.signals import parse_state

    chosen = None if state is None else parse_state(state)
    with _store(data_dir) as sessions:
        found = list_episodes(sessions, chosen)
    if as_json:
        _print_json([episode.to_dict() for episode in found])
        return
    out = _stdout()
    if not found:
        out.print("No signal episodes" + ("" if state is None else f" in state {chosen}") + ".")
        return
    for episode in found:
        out.print(_summary(episode), soft_wrap=True)


def _summary(episode: Episode) -> str:
    due = "" if episode.deadline is None else f", due {episode.deadline.isoformat()}"
    owner = "" if episode.owner_role is None else f", owner {episode.owner_role.value}"
    return (
        f"#{episode.id} {episode.unit} {episode.indicator} ({episode.direction}, "
        f"{episode.level}): {episode.state.value}{owner}{due}; "
        f"closed {episode.times_closed} time{'' if episode.times_closed == 1 else 's'} before"
    )


@signals_app.command("show")
@_translate_errors
def signals_show(
    episode_id: IdArgument, data_dir: DataDirOption = None, as_json: JsonOption = False
) -> None:
    """Show one episode: its state, owner, deadline, findings and history."""
    from caresignal.workflow.service import get_episode

    with _store(data_dir) as sessions:
        detail = get_episode(sessions, episode_id)
    if as_json:
        _print_json(detail.to_dict())
    else:
        _print_detail(detail)


def _print_detail(detail: EpisodeDetail) -> None:
    out, episode = _stdout(), detail.episode
    out.print(_summary(episode) + f" (version {episode.version}).", soft_wrap=True)
    out.print(
        f"Findings from {episode.first_finding.isoformat()} to "
        f"{episode.last_finding.isoformat()}; opened on {episode.opened_on.isoformat()}.",
        soft_wrap=True,
    )
    out.print("Findings:")
    for finding in detail.findings:
        out.print(
            f"  {finding.first_crossed.isoformat()} {finding.method} {finding.level}: "
            f"{finding.explanation}",
            soft_wrap=True,
        )
    out.print("History:")
    for event in detail.events:
        evidence = f" Evidence: {'; '.join(event.evidence)}." if event.evidence else ""
        out.print(
            f"  {event.at.isoformat()} {event.actor} {event.action} -> "
            f"{event.to_state.value}: {event.reason}.{evidence}",
            soft_wrap=True,
        )


@signals_app.command("ack")
@_translate_errors
def signals_ack(
    episode_id: IdArgument,
    data_dir: DataDirOption = None,
    by: ByOption = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, recorded in the audit log.")
    ] = "acknowledged",
    if_version: IfVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Acknowledge an open episode: you have seen it and own its next step."""
    from caresignal.workflow.service import acknowledge

    with _store(data_dir) as sessions:
        episode = acknowledge(
            sessions,
            episode_id,
            actor=by or getpass.getuser(),
            clock=SystemClock(),
            reason=reason,
            expected_version=if_version,
            rules=_rules(data_dir),
        )
    _done(episode, as_json)


@signals_app.command("transition")
@_translate_errors
def signals_transition(
    episode_id: IdArgument,
    state: Annotated[str, typer.Argument(help="The new state, e.g. under_review.")],
    data_dir: DataDirOption = None,
    by: ByOption = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, recorded in the audit log.")
    ] = "moved on",
    if_version: IfVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move an episode on: under_review, action_planned, monitoring (close with `close`)."""
    from caresignal.workflow.service import transition
    from caresignal.workflow.signals import parse_state

    with _store(data_dir) as sessions:
        episode = transition(
            sessions,
            episode_id,
            parse_state(state),
            actor=by or getpass.getuser(),
            clock=SystemClock(),
            reason=reason,
            expected_version=if_version,
            rules=_rules(data_dir),
        )
    _done(episode, as_json)


@signals_app.command("close")
@_translate_errors
def signals_close(
    episode_id: IdArgument,
    reason: Annotated[str, typer.Option("--reason", help="The written rationale for closing.")],
    evidence: Annotated[
        list[str],
        typer.Option("--evidence", help="A review or action done; give it once for each."),
    ],
    data_dir: DataDirOption = None,
    by: ByOption = None,
    if_version: IfVersionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close an episode, with a rationale and evidence; needs a role with authority."""
    from caresignal.workflow.service import close

    with _store(data_dir) as sessions:
        episode = close(
            sessions,
            episode_id,
            actor=by or getpass.getuser(),
            clock=SystemClock(),
            reason=reason,
            evidence=evidence,
            expected_version=if_version,
        )
    _done(episode, as_json)


@signals_app.command("comment")
@_translate_errors
def signals_comment(
    episode_id: IdArgument,
    text: Annotated[str, typer.Option("--text", help="The comment.")],
    data_dir: DataDirOption = None,
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a comment to an episode's history (anyone with a role in its unit or above)."""
    from caresignal.workflow.service import comment

    with _store(data_dir) as sessions:
        event = comment(
            sessions, episode_id, text, actor=by or getpass.getuser(), clock=SystemClock()
        )
    if as_json:
        _print_json(event.to_dict())
    else:
        _stdout().print(f"Comment added to episode #{episode_id}.")


def _done(episode: Episode, as_json: bool) -> None:
    if as_json:
        _print_json(episode.to_dict())
    else:
        _stdout().print(_summary(episode) + ".", soft_wrap=True)
