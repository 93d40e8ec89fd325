"""What every route is given: the app's state (store, clock, rules) and the person viewing,
with the roles they hold (docs/web.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import Clock
from caresignal.domain import RoleGrant, User
from caresignal.settings import Settings
from caresignal.store import repo
from caresignal.web.data_state import Kept, StoreVersion, store_version
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
    #: Who each signed-in person is, kept until the store changes (any change to a person,
    #: their password or their roles appends to the audit log, and so changes its version).
    viewers: Kept = field(default_factory=lambda: Kept(4096))


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person and the roles they hold, as the store stood at ``store`` (its
    version, :func:`~caresignal.web.data_state.store_version`): what the request's kept pages
    are checked against."""

    user: User
    grants: tuple[RoleGrant, ...]
    store: StoreVersion

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
    """The signed-in person; pages without one send them to sign in, the API answers 401.

    One look-up of the store's version on each request; the person and their roles are read
    again only after the store has changed."""
    name = request.session.get("user")
    if isinstance(name, str):
        version = store_version(state.sessions)
        found: Viewer | None = state.viewers.get(
            name, version, lambda: _read_viewer(state, name, version)
        )
        if found is not None:
            request.state.viewer = found  # the page rendered for this request reads it
            return found
        request.session.clear()
    if wants_json(request):
        raise WebError(401, "sign in first", "POST your user name and password to /login")
    raise SignInRequiredError


def _read_viewer(state: AppState, name: str, version: StoreVersion) -> Viewer | None:
    """The person called ``name`` with their roles, or None if there is none or they have no
    password (they cannot be signed in)."""
    with state.sessions() as session:
        user = repo.find_user(session, name)
        if user is None or repo.password_hash(session, name) is None:
            return None
        return Viewer(user, tuple(repo.grants_of(session, user)), version)


CurrentViewer = Annotated[Viewer, Depends(viewer)]
