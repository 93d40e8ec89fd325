"""Running the web app from the command line: ``caresignal serve``, and ``caresignal demo --serve``
(what ``make run`` runs), which first prints a sign-in for each role (docs/cli.md)."""

from __future__ import annotations

import ipaddress
import os
import socket

from rich.markup import escape

from caresignal._cli_common import _fail, _stdout
from caresignal.clock import SystemClock
from caresignal.settings import Settings

__all__ = ["run_server", "serve_demo"]


def run_server(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Serve the web app on ``host:port`` until Ctrl+C, in ``workers`` processes.

    Several processes are each built from the environment
    (:func:`caresignal.web.serve_app.app_from_environment`): the settings that did not come
    from it (the data directory, development mode, the development secret key, which every
    process must share to read each other's session cookies) are put there first.
    """
    import uvicorn

    from caresignal.web.app import create_app, secret_key
    from caresignal.web.serve_app import warm

    _check_port(host, port)
    options = {"host": host, "port": port, "log_level": "warning", "proxy_headers": True}
    shown = f"caresignal is at http://{_shown(host)}:{port}/ (Ctrl+C stops it)."
    if workers <= 1:
        app = create_app(settings)
        warm(app)
        _stdout().print(shown)
        uvicorn.run(app, **options)  # type: ignore[arg-type]
        return
    os.environ["CARESIGNAL_DATA_DIR"] = str(settings.data_dir)
    os.environ["CARESIGNAL_SECRET_KEY"] = secret_key(settings)
    if settings.development:
        os.environ["CARESIGNAL_DEVELOPMENT"] = "1"
    _stdout().print(f"{shown} {workers} processes answer.")
    uvicorn.run(
        "caresignal.web.serve_app:app_from_environment",
        factory=True,
        workers=workers,
        **options,  # type: ignore[arg-type]
    )


def serve_demo(
    settings: Settings, trust: str | None, host: str, port: int, workers: int = 1
) -> None:
    """Print a sign-in for each role of ``trust`` (new passwords), then serve the web app.

    Without ``CARESIGNAL_SECRET_KEY`` the demo serves in development mode, which is only for this
    machine: another address is refused.
    """
    from caresignal.demo.logins import demo_logins
    from caresignal.store import database_url, open_store

    if settings.secret_key is None and not settings.development:
        if not _loopback(host):
            _fail(
                f"the demo serves {host} only with CARESIGNAL_SECRET_KEY set",
                "without a key it runs in development mode, for this machine only "
                "(--host 127.0.0.1)",
            )
        settings = settings.model_copy(update={"development": True})
    if trust is None:
        _fail("the demo's history has no trust whose board saw its signals", None)
    _check_port(host, port)
    engine, sessions = open_store(database_url(settings))
    try:
        logins = demo_logins(sessions, trust, clock=SystemClock())
    finally:
        engine.dispose()
    address = f"http://{_shown(host)}:{port}"
    out = _stdout()
    out.print(f"Sign in at {address}/login as any of these (passwords new this run):")
    for login in logins:
        # One line each, never cut short to fit the terminal: a password must be whole.
        out.print(
            f"  {login.role.value.replace('_', ' ')} ({escape(login.scope)}): user "
            f"[bold]{escape(login.user)}[/] password [bold]{escape(login.password)}[/]; "
            f"start at {login.start}, {login.what}",
            soft_wrap=True,
            highlight=False,
        )
    run_server(settings, host, port, workers)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _check_port(host: str, port: int) -> None:
    """Refuse at once, with a hint, a port that something else already listens on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host, port))
        except OSError as error:
            _fail(
                f"cannot listen on {_shown(host)}:{port}: {error.strerror or error}",
                "stop what is using it, or choose another port with --port",
            )
