"""Signal episodes: the inbox, the list, one signal, and the moves on it (acknowledge, move on,
close, comment), each page beside its JSON twin under ``/api/v1`` (docs/web.md).

A signal's page shows the charts of its unit and indicator: every method's chart as the scan
computed it (:func:`caresignal.monitor.unit_charts.unit_charts`), each a Vega-Lite
specification (:mod:`caresignal.web.charts`) that ``static/charts.js`` fetches from the signal's
chart route after the page has loaded, and draws; they are kept until the data changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.responses import Response

from caresignal.data.dataset import Dataset
from caresignal.domain.episodes import Episode, EpisodeFinding
from caresignal.monitor.catalogue import Catalogue, load_catalogue
from caresignal.monitor.scan import last_day
from caresignal.monitor.unit_charts import UnitCharts, unit_charts
from caresignal.web.charts import kept
from caresignal.web.data_state import Kept, json_response
from caresignal.web.deps import AppState, CurrentViewer, State
from caresignal.web.pages import back_to, lines, render
from caresignal.web.security import check_csrf
from caresignal.workflow import actions, board, service, views
from caresignal.workflow.service import EpisodeDetail
from caresignal.workflow.signals import parse_state
from caresignal.workflow.views import Clocked

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(check_csrf)])


#: What each person's inbox and signal pages hold, kept until the store changes or a day passes.
_INBOXES = Kept(1024)
_SIGNALS = Kept(1024)
#: Which signal each person may see, with its findings and history, kept until the store changes.
_VISIBLE = Kept(1024)


def _inbox(state: AppState, viewer: CurrentViewer) -> list[Clocked]:
    """The person's inbox, kept until the store changes (or the day, and so the clocks, do)."""
    today = state.clock.today()
    version = (viewer.store, today)
    found: list[Clocked] = _INBOXES.get(
        (viewer.name, viewer.grants),
        version,
        lambda: views.inbox(state.sessions, viewer.name, today),
    )
    return found


def _signal(state: AppState, viewer: CurrentViewer, episode_id: int) -> dict[str, Any]:
    """Everything the signal page shows, as JSON-ready data (its charts come from
    :func:`signal_charts`, which ``charts_href`` names); kept for the person until the store
    changes or a day passes. Not shared: the page only reads it."""
    version = (viewer.store, state.clock.today())
    found: dict[str, Any] = _SIGNALS.get(
        (viewer.name, viewer.grants, episode_id),
        version,
        lambda: _signal_now(state, viewer, episode_id),
    )
    return found


def _visible(state: AppState, viewer: CurrentViewer, episode_id: int) -> EpisodeDetail:
    """The signal with its findings and history, if the person may see it (else "not found"),
    kept until the store changes: the signal page and its charts' route both need it."""
    found: EpisodeDetail = _VISIBLE.get(
        (viewer.name, viewer.grants, episode_id),
        viewer.store,
        lambda: views.visible_detail(state.sessions, viewer.name, episode_id),
    )
    return found


def _signal_now(state: AppState, viewer: CurrentViewer, episode_id: int) -> dict[str, Any]:
    detail = _visible(state, viewer, episode_id)
    episode = detail.episode
    today = state.clock.today()
    history = board.board_history(
        state.sessions, "signal_episode", episode.id, actor=viewer.name, as_of=today
    )
    recommendations = actions.list_recommendations(state.sessions, episode_id=episode.id)
    clocked = views.clocked(episode, today)
    return {
        **clocked.to_dict(),
        "findings": [finding.to_dict() for finding in detail.findings],
        "charts_href": f"/api/v1/signals/{episode.id}/charts",
        "history": [event.to_dict() for event in detail.events],
        "board": history.to_dict(),
        "recommendations": [r.to_dict(today) for r in recommendations],
        "allowed": views.allowed_moves(state.sessions, viewer.name, episode),
    }


def _charts(directory: Path, episode: Episode, findings: Sequence[EpisodeFinding]) -> kept.Drawn:
    """The charts of the episode's unit and indicator as of its last finding's scan (or the
    data's last day), kept until the data directory changes (:mod:`caresignal.web.charts.kept`)."""
    as_of = max((f.seen_as_of for f in findings), default=None)
    key = (episode.unit, episode.indicator, as_of)
    return kept.drawn(directory, key, lambda: _draw(directory, episode, as_of))


def _draw(directory: Path, episode: Episode, as_of: dt.date | None) -> UnitCharts | str:
    """The unit's charts, or why there are none."""
    none = "No charts: the server's data directory holds no data."
    if not directory.is_dir():  # never made here: the store may be used without data
        return none
    snapshot = Dataset(directory).snapshot()
    if not snapshot.history("organisations"):
        return none
    catalogue = _catalogue(directory)
    as_of = as_of or last_day(snapshot, catalogue)
    if as_of is None:
        return none
    return unit_charts(snapshot, catalogue, episode.unit, episode.indicator, as_of)


def _catalogue(directory: Path) -> Catalogue:
    """The shipped indicators and the data directory's own, as the command line reads them."""
    own = directory / "catalogue"
    return load_catalogue(own) if own.is_dir() else load_catalogue()


@router.get("/inbox", include_in_schema=False)
def inbox_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """The signals the person owns, overdue first."""
    return render(request, "inbox.html", {"items": _inbox(state, viewer), "viewer": viewer})


@router.get("/api/v1/inbox", tags=["signals"])
def inbox(state: State, viewer: CurrentViewer) -> Response:
    """The signal episodes the person owns (their role, where the episode is), overdue first,
    with each clock in working days."""
    return json_response([item.to_dict() for item in _inbox(state, viewer)])


@router.get("/signals", include_in_schema=False)
def signals_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Every signal episode the person's roles reach."""
    items = views.visible_episodes(state.sessions, viewer.name, state.clock.today())
    return render(request, "signals.html", {"items": items, "viewer": viewer})


@router.get("/api/v1/signals", tags=["signals"])
def signals(state: State, viewer: CurrentViewer, status: str | None = None) -> list[dict[str, Any]]:
    """Every signal episode the person's roles reach (or those in one ``status``), overdue first."""
    chosen = None if status is None else parse_state(status)
    found = views.visible_episodes(state.sessions, viewer.name, state.clock.today(), chosen)
    return [item.to_dict() for item in found]


@router.get("/signals/{episode_id}", include_in_schema=False)
def signal_page(request: Request, state: State, viewer: CurrentViewer, episode_id: int) -> Response:
    """One signal: what was found, where it stands, its history and what the person may do; its
    charts are drawn by the browser from :func:`signal_charts`."""
    data = _signal(state, viewer, episode_id)
    notice = request.session.pop("notice", None)
    context = {"signal": data, "viewer": viewer, "notice": notice}
    return render(request, "signal.html", context)


@router.get("/api/v1/signals/{episode_id}", tags=["signals"])
def signal(state: State, viewer: CurrentViewer, episode_id: int) -> Response:
    """One signal episode: its fields and clock, findings, where its charts are (``charts_href``),
    history, board history, recommendations and actions, and the moves the person may make."""
    return json_response(_signal(state, viewer, episode_id))


@router.get("/api/v1/signals/{episode_id}/charts", tags=["signals"])
def signal_charts(
    request: Request, state: State, viewer: CurrentViewer, episode_id: int
) -> Response:
    """The charts of the signal's unit and indicator, as the scan saw them: ``charts``, each
    ``{"method", "title", "description", "spec"}`` (a Vega-Lite specification), the day
    ``charts_as_of``, and ``charts_note``, why there are none."""
    detail = _visible(state, viewer, episode_id)
    drawn = _charts(state.settings.data_dir, detail.episode, detail.findings)
    return kept.charts_response(request, drawn, detail.findings)


class Move(BaseModel):
    """A move of an episode: to ``state`` (acknowledged, under_review, action_planned,
    monitoring), why, and the version the person saw."""

    state: str
    reason: str = Field(min_length=1)
    version: int | None = None


class Closing(BaseModel):
    """Closing an episode: the written rationale, the evidence, and the version seen."""

    reason: str
    evidence: list[str]
    version: int | None = None


class Comment(BaseModel):
    """A comment on an episode."""

    text: str


def _move(state: State, viewer: CurrentViewer, episode_id: int, move: Move) -> Episode:
    views.visible_detail(state.sessions, viewer.name, episode_id)  # not found unless visible
    return service.transition(
        state.sessions,
        episode_id,
        parse_state(move.state),
        actor=viewer.name,
        clock=state.clock,
        reason=move.reason,
        expected_version=move.version,
        rules=state.rules,
    )


def _close(state: State, viewer: CurrentViewer, episode_id: int, closing: Closing) -> Episode:
    views.visible_detail(state.sessions, viewer.name, episode_id)
    return service.close(
        state.sessions,
        episode_id,
        actor=viewer.name,
        clock=state.clock,
        reason=closing.reason,
        evidence=closing.evidence,
        expected_version=closing.version,
    )


def _comment(state: State, viewer: CurrentViewer, episode_id: int, comment: Comment) -> None:
    views.visible_detail(state.sessions, viewer.name, episode_id)
    service.comment(state.sessions, episode_id, comment.text, actor=viewer.name, clock=state.clock)


@router.post("/api/v1/signals/{episode_id}/moves", tags=["signals"])
def move_signal(state: State, viewer: CurrentViewer, episode_id: int, move: Move) -> dict[str, Any]:
    """Move the episode on (acknowledging is a move to ``acknowledged``)."""
    return _move(state, viewer, episode_id, move).to_dict()


@router.post("/api/v1/signals/{episode_id}/close", tags=["signals"])
def close_signal(
    state: State, viewer: CurrentViewer, episode_id: int, closing: Closing
) -> dict[str, Any]:
    """Close the episode with a written rationale and evidence."""
    return _close(state, viewer, episode_id, closing).to_dict()


@router.post("/api/v1/signals/{episode_id}/comments", tags=["signals"])
def comment_signal(
    state: State, viewer: CurrentViewer, episode_id: int, comment: Comment
) -> dict[str, Any]:
    """Add a comment to the episode's history."""
    _comment(state, viewer, episode_id, comment)
    return {"episode": episode_id, "comment": comment.text.strip()}


@router.post("/signals/{episode_id}/moves", include_in_schema=False)
def move_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    episode_id: int,
    target: Annotated[str, Form(alias="state")],
    reason: Annotated[str, Form()],
    version: Annotated[int, Form()],
) -> RedirectResponse:
    """The form twin of moving an episode on."""
    episode = _move(state, viewer, episode_id, Move(state=target, reason=reason, version=version))
    return back_to(
        request,
        f"/signals/{episode_id}",
        f"The signal is now {episode.state.value.replace('_', ' ')}.",
    )


@router.post("/signals/{episode_id}/close", include_in_schema=False)
def close_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    episode_id: int,
    reason: Annotated[str, Form()],
    evidence: Annotated[str, Form()],
    version: Annotated[int, Form()],
) -> RedirectResponse:
    """The form twin of closing: one piece of evidence per line."""
    items = lines(evidence)
    _close(state, viewer, episode_id, Closing(reason=reason, evidence=items, version=version))
    return back_to(request, f"/signals/{episode_id}", "The signal is closed.")


@router.post("/signals/{episode_id}/comments", include_in_schema=False)
def comment_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    episode_id: int,
    text: Annotated[str, Form()],
) -> RedirectResponse:
    """The form twin of commenting."""
    _comment(state, viewer, episode_id, Comment(text=text))
    return back_to(request, f"/signals/{episode_id}", "Your comment was added.")
