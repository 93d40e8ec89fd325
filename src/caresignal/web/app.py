"""The web app, built by :func:`create_app` from the settings (docs/web.md).

Pages are rendered on the server; each has a JSON twin under ``/api/v1`` described by the
OpenAPI schema at ``/api/v1/openapi.json``. Session cookies are signed with the secret key and
are HttpOnly, SameSite=Lax and (outside development mode) Secure; every change needs the
session's CSRF token; every response carries the security headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from caresignal import __version__
from caresignal.clock import Clock, SystemClock
from caresignal.errors import CaresignalError
from caresignal.settings import Settings
from caresignal.store import database_url, open_store
from caresignal.web import errors
from caresignal.web.clock_task import run_clock_forever, run_urgent_forever
from caresignal.web.deps import AppState, SignInRequiredError
from caresignal.web.pages import STATIC
from caresignal.web.routes import (
    actions,
    audit,
    auth,
    bedside,
    board,
    concerns_public,
    concerns_trust,
    organisations,
    overview,
    pack,
    signals,
    urgent_calls,
)
from caresignal.web.routes import admin as admin_routes
from caresignal.web.routes import public as public_routes
from caresignal.web.routes import urgent as urgent_routes
from caresignal.web.security import LoginLimiter, SecurityHeaders
from caresignal.workflow.rules import Rules, load_rules

__all__ = ["SESSION_COOKIE", "SESSION_HOURS", "create_app"]

SESSION_COOKIE = "caresignal_session"
#: A session ends this many hours after sign-in.
SESSION_HOURS = 8


def secret_key(settings: Settings) -> str:
    """The key that signs session cookies; a random one for this process in development mode.

    Outside development mode there is no default: starting without one is refused.
    """
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value()
        if len(key) < 32:
            raise CaresignalError(
                "CARESIGNAL_SECRET_KEY is too short to sign session cookies safely",
                hint="use at least 32 random characters, e.g. from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`",
            )
        return key
    if settings.development:
        return secrets.token_urlsafe(48)
    raise CaresignalError(
        "the web app needs CARESIGNAL_SECRET_KEY to sign session cookies",
        hint="set it to a long random string (docs/settings.md), or set "
        "CARESIGNAL_DEVELOPMENT=1 on your own machine",
    )


def create_app(
    settings: Settings, *, clock: Clock | None = None, rules: Rules | None = None
) -> FastAPI:
    """The web app on the store the settings name (its schema migrated first)."""
    key = secret_key(settings)
    engine, sessions = open_store(database_url(settings))
    state = AppState(
        settings=settings,
        sessions=sessions,
        clock=clock or SystemClock(),
        rules=rules or load_rules(settings.workflow_rules),
        limiter=LoginLimiter(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = None
        if settings.escalation_minutes > 0:
            task = asyncio.create_task(run_clock_forever(state, settings.escalation_minutes))
        urgent = None
        if settings.escalation_minutes > 0 and settings.urgent_clock_seconds > 0:
            urgent = asyncio.create_task(run_urgent_forever(state, settings.urgent_clock_seconds))
        app.state.clock_task = task
        try:
            yield
        finally:
            for running in (task, urgent):
                if running is not None:
                    running.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await running
            engine.dispose()

    app = FastAPI(
        title="caresignal",
        version=__version__,
        description="Signals of harm among noise in hospital data, and who acts on them.",
        docs_url=None,  # the interactive docs load scripts from a CDN; the schema is enough
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
        telemetry={
            "tracing": settings.telemetry,
            "metrics": settings.telemetry,
            "logs": settings.telemetry,
        },
    )
    app.state.caresignal = state
    app.state.concern_limiter = concerns_public.SubmissionLimiter(
        settings.concern_submissions_per_hour
    )
    app.state.urgent_limiter = urgent_routes.CallLimiter()
    app.add_middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=not settings.development,
    )
    app.add_middleware(SecurityHeaders)
    errors.install(app)

    @app.exception_handler(SignInRequiredError)
    async def sign_in_first(request: Request, _: SignInRequiredError) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(auth.router)
    app.include_router(signals.router)
    app.include_router(board.router)
    app.include_router(pack.router)
    app.include_router(actions.router)
    app.include_router(audit.router)
    app.include_router(overview.router)
    app.include_router(organisations.router)
    app.include_router(bedside.router)
    app.include_router(admin_routes.router)
    app.include_router(public_routes.router)
    app.include_router(urgent_routes.router)
    app.include_router(urgent_calls.router)
    app.include_router(concerns_public.router)
    app.include_router(concerns_trust.router)
    return app
