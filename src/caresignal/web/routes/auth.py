"""Signing in and out, and who is signed in (``/login``, ``/logout``, ``/api/v1/me``)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from caresignal.store.service import sign_in
from caresignal.web.deps import CurrentViewer, State
from caresignal.web.errors import WebError
from caresignal.web.pages import render
from caresignal.web.security import check_csrf

__all__ = ["router"]

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/inbox"
    return target


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    """The home page is the inbox."""
    return RedirectResponse("/inbox", status_code=303)


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(request, "login.html", {"next": _safe_next(next), "problem": None})


@router.post("/login", dependencies=[Depends(check_csrf)], include_in_schema=False)
def login(
    request: Request,
    state: State,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/inbox",
) -> Response:
    """Sign in: a new session on success; the form again, with the reason, otherwise."""
    name = username.strip()
    address = request.client.host if request.client else "unknown"
    keys = (f"user:{name.lower()}", f"address:{address}")
    wait = state.limiter.wait(keys)
    if wait > 0:
        minutes = math.ceil(wait / 60)
        raise WebError(
            429,
            "too many failed attempts to sign in",
            f"try again in {minutes} minute{'s' if minutes != 1 else ''}",
        )
    user = sign_in(state.sessions, name, password)
    if user is None:
        state.limiter.failed(keys)
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "problem": "The user name or password is not right."},
            status_code=401,
        )
    state.limiter.succeeded(keys)
    request.session.clear()  # a new session, and a new CSRF token, for the person signed in
    request.session["user"] = user.name
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)], include_in_schema=False)
def logout(request: Request) -> RedirectResponse:
    """Sign out: the session is emptied."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/api/v1/me", tags=["session"])
def me(viewer: CurrentViewer) -> dict[str, Any]:
    """The person signed in and the roles they hold."""
    return {**viewer.user.to_dict(), "roles": [grant.to_dict() for grant in viewer.grants]}
