"""Security by default: response headers, CSRF tokens on every form and API change, and a limit
on sign-in attempts (docs/web.md)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from caresignal.web.errors import WebError

__all__ = [
    "CSP",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "ConnectionLimiter",
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


_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """Adds the security headers to every response (and HSTS when served over https).

    A plain ASGI middleware: it only adds headers as the response starts, so it costs next to
    nothing per request (Starlette's ``BaseHTTPMiddleware`` runs each request through extra
    tasks and streams)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(_HEADERS)
        if scope.get("scheme") == "https":
            extra.append(_HSTS)
        if not str(scope.get("path", "")).startswith("/static/"):
            extra.append(_NO_STORE)
        names = {name for name, _ in extra}

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": [*kept, *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


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


class ConnectionLimiter(LoginLimiter):
    """A :class:`LoginLimiter` counted per connection, for pages anyone may use without signing
    in (a concern, an urgent review). A connection is known by a keyed hash of its address, the
    key made new for each process, so the memory holds no address."""

    def __init__(self, attempts: int, window: float) -> None:
        super().__init__(attempts, window)
        self._key = secrets.token_bytes(32)

    def keys(self, request: Request) -> tuple[str]:
        """The key of the connection ``request`` came from."""
        address = request.client.host if request.client else "unknown"
        return (hmac.new(self._key, address.encode(), hashlib.sha256).hexdigest(),)
