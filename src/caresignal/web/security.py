"""Security by default: response headers, CSRF tokens on every form and API change, and a limit
on sign-in attempts (docs/web.md)."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable

from fastapi import Request
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import Response

from caresignal.web.errors import WebError

__all__ = [
    "CSP",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LoginLimiter",
    "SecurityHeaders",
    "check_csrf",
    "csrf_token",
]

#: The content security policy: everything from this site only, no inline script, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SecurityHeaders(BaseHTTPMiddleware):
    """Adds the security headers to every response (and HSTS when served over https)."""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        headers = response.headers
        headers["Content-Security-Policy"] = CSP
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.url.scheme == "https":
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if not request.url.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        return response


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a change (POST, PUT, PATCH, DELETE) without the session's CSRF token, in the
    ``X-CSRF-Token`` header or the form's ``csrf_token`` field."""
    if request.method not in UNSAFE:
        return
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if (
        not isinstance(expected, str)
        or given is None
        or not secrets.compare_digest(given, expected)
    ):
        raise WebError(
            403,
            "this form has expired or did not come from caresignal",
            "go back, reload the page and try again",
        )


class LoginLimiter:
    """At most ``attempts`` failed sign-ins per user name and per address in ``window`` seconds.

    Kept in the memory of one process: a server with several worker processes allows that many
    times more, which still stops guessing.
    """

    def __init__(self, attempts: int = 5, window: float = 15 * 60) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def wait(self, keys: tuple[str, ...], now: float | None = None) -> float:
        """Seconds until another attempt is allowed for ``keys`` (0: allowed now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = [
                self.window - (now - times[0])
                for key in keys
                if len(times := self._recent(key, now)) >= self.attempts
            ]
        return max(waits, default=0.0)

    def failed(self, keys: tuple[str, ...], now: float | None = None) -> None:
        """Record a failed attempt for each of ``keys``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, keys: tuple[str, ...]) -> None:
        """Forget the failures of ``keys``."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
