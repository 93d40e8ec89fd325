"""What every route is given: the app's state (store, clock, rules) and the person viewing,
with the roles they hold (docs/web.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain import RoleGrant, User
from caresignal.settings import Settings
from caresignal.store import repo
from caresignal.web.errors import WebError, wants_json
from caresignal.web.security import LoginLimiter
from caresignal.workflow.rules import Rules

__all__ = [
    "AppState",
    "CurrentViewer",
    "SignInRequiredError",
    "State",
    "Viewer",
    "app_state",
    "viewer",
]


@dataclass(frozen=True, slots=True)
class AppState:
    """What the app was built with."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    rules: Rules
    limiter: LoginLimiter


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person and the roles they hold."""

    user: User
    grants: tuple[RoleGrant, ...]

    @property
    def name(self) -> str:
        """Their user name."""
        return self.user.name


class SignInRequiredError(Exception):
    """Nobody is signed in; a page sends them to sign in, the API answers 401."""


def app_state(request: Request) -> AppState:
    """The app's state."""
    state: AppState = request.app.state.caresignal
    return state


State = Annotated[AppState, Depends(app_state)]


def viewer(request: Request, state: State) -> Viewer:
    """The signed-in person; pages without one send them to sign in, the API answers 401."""
    name = request.session.get("user")
    if isinstance(name, str):
        with state.sessions() as session:
            user = repo.find_user(session, name)
            if user is not None and repo.password_hash(session, name) is not None:
                return Viewer(user, tuple(repo.grants_of(session, user)))
        request.session.clear()
    if wants_json(request):
        raise WebError(401, "sign in first", "POST your user name and password to /login")
    raise SignInRequiredError


CurrentViewer = Annotated[Viewer, Depends(viewer)]
