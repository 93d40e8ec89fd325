"""The one error shape of the web app, for pages and their JSON twins alike.

A JSON error is ``{"error": {"status": 404, "title": "Not found", "message": "...", "hint": ...}}``;
a page shows the same words in the site's layout. Project errors map to statuses here, and only
here: an unknown thing, or one the user may not see, is 404; a move the rules refuse is 400; a
role that may not do it is 403; a change that lost a race is 409.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from caresignal.errors import CaresignalError
from caresignal.store.actions import StaleChangeError
from caresignal.store.episodes import StaleEpisodeError
from caresignal.store.service import ConflictError, UnknownError
from caresignal.workflow.access import NotAllowedError

__all__ = ["TITLES", "WebError", "error_payload", "install", "status_of"]

TITLES = {
    400: "That cannot be done",
    401: "Sign in to continue",
    403: "Your role does not allow this",
    404: "Page not found",
    405: "That cannot be done here",
    409: "Someone else changed this",
    422: "Some of what was sent is not right",
    429: "Too many attempts",
    500: "Sorry, something went wrong",
}


class WebError(Exception):
    """An error with an HTTP status, raised by routes (the project's errors are mapped)."""

    def __init__(self, status: int, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint


def status_of(error: CaresignalError) -> int:
    """The HTTP status of a project error."""
    if isinstance(error, UnknownError):
        return 404
    if isinstance(error, NotAllowedError):
        return 403
    if isinstance(error, StaleEpisodeError | StaleChangeError | ConflictError):
        return 409
    return 400


def error_payload(status: int, message: str, hint: str | None = None) -> dict[str, Any]:
    """The JSON body of an error."""
    return {
        "error": {
            "status": status,
            "title": TITLES.get(status, "Error"),
            "message": message,
            "hint": hint,
        }
    }


def wants_json(request: Request) -> bool:
    """Whether the request is for the JSON API rather than a page."""
    return request.url.path.startswith("/api/")


def _respond(request: Request, status: int, message: str, hint: str | None) -> Response:
    if wants_json(request):
        return JSONResponse(error_payload(status, message, hint), status_code=status)
    from caresignal.web.pages import render

    return render(
        request,
        "error.html",
        {"status": status, "title": TITLES.get(status, "Error"), "message": message, "hint": hint},
        status_code=status,
    )


def install(app: FastAPI) -> None:
    """Answer every error with the one shape."""

    @app.exception_handler(CaresignalError)
    async def project_error(request: Request, error: CaresignalError) -> Response:
        return _respond(request, status_of(error), error.message, error.hint)

    @app.exception_handler(WebError)
    async def web_error(request: Request, error: WebError) -> Response:
        return _respond(request, error.status, error.message, error.hint)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        message = (
            "there is nothing at this address" if error.status_code == 404 else str(error.detail)
        )
        return _respond(request, error.status_code, message, None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'][1:]) or 'request'}: {item['msg']}"
            for item in error.errors()
        )
        return _respond(request, 422, problems, "check the values and send them again")
