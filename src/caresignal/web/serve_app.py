"""The web app as ``caresignal serve`` runs it: built from the environment's settings, so that
each of several server processes (``--workers``) builds its own (docs/web.md, "Serving").

Every process computes the standings of the data directory as it starts, in the background,
so that the first person to open the overview does not wait for them. Only one process on the
machine runs the escalation clock: the one holding a lock named after the data directory; the
others leave the clock to it.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import tempfile
import threading
from pathlib import Path
from typing import IO

from fastapi import FastAPI

from caresignal.settings import Settings
from caresignal.store import database_url
from caresignal.web.app import create_app
from caresignal.web.deps import AppState
from caresignal.web.standings import computed

__all__ = ["app_from_environment", "warm"]

#: The lock file this process holds while it runs the escalation clock (kept open until exit).
_CLOCK: list[IO[bytes]] = []


def app_from_environment() -> FastAPI:
    """The web app on the settings of the environment (``CARESIGNAL_*``), its standings being
    computed in the background; the escalation clock runs only if no other process runs it."""
    settings = Settings()
    if settings.escalation_minutes > 0 and not _take_clock(settings):
        settings = settings.model_copy(update={"escalation_minutes": 0})
    app = create_app(settings)
    warm(app)
    return app


def warm(app: FastAPI) -> None:
    """Compute the standings of the app's data directory in a background thread (a request
    that needs them meanwhile waits for them rather than computing them again)."""
    state: AppState = app.state.caresignal
    threading.Thread(target=computed, args=(state,), name="warm-standings", daemon=True).start()


def _take_clock(settings: Settings) -> bool:
    """Whether this process took the escalation clock's lock for the settings' store."""
    if _CLOCK:
        return True
    name = hashlib.sha256(database_url(settings).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"caresignal-clock-{name}.lock"
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _CLOCK.append(handle)  # held, and so locked, for the life of the process
    atexit.register(handle.close)
    return True
