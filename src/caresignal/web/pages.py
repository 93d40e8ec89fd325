"""Rendering pages: the Jinja2 templates (autoescaped), with what every page needs: the person
signed in, the CSRF token for its forms, and the site's navigation (with the urgent reviews for
the people who answer them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import RedirectResponse, Response

from caresignal import __version__
from caresignal.store import repo
from caresignal.web.security import csrf_token
from caresignal.workflow.urgent import HANDLERS

__all__ = ["STATIC", "TEMPLATES", "back_to", "lines", "render"]

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

_templates = Jinja2Templates(directory=TEMPLATES)
_templates.env.globals["version"] = __version__


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """The page ``template`` filled with ``context``, the signed-in user's name and a CSRF token."""
    user = request.session.get("user")
    name = user if isinstance(user, str) else None
    return _templates.TemplateResponse(
        request,
        template,
        {
            "signed_in": name,
            "csrf": csrf_token(request),
            "answers_urgent_calls": name is not None and _answers_urgent_calls(request, name),
            **context,
        },
        status_code=status_code,
    )


def _answers_urgent_calls(request: Request, name: str) -> bool:
    """Whether the person holds ``outreach_team`` or ``on_call_senior`` anywhere: their
    navigation leads to the urgent reviews (docs/concerns.md, "Martha's Rule"). The roles read
    for this request when the page checked who is asking serve; else they are looked up."""
    viewer = getattr(request.state, "viewer", None)
    if viewer is not None and viewer.name == name:
        return any(grant.role in HANDLERS for grant in viewer.grants)
    state = getattr(request.app.state, "caresignal", None)
    if state is None:
        return False
    with state.sessions() as session:
        found = repo.find_user(session, name)
        return found is not None and any(g.role in HANDLERS for g in repo.grants_of(session, found))


def back_to(request: Request, url: str, notice: str) -> RedirectResponse:
    """After a form's change: back to ``url`` (303), which shows ``notice`` once."""
    request.session["notice"] = notice
    return RedirectResponse(url, status_code=303)


def lines(text: str) -> list[str]:
    """A text box's lines, trimmed, blank ones left out (one piece of evidence per line)."""
    return [line.strip() for line in text.splitlines() if line.strip()]
