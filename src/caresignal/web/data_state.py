"""What the web app keeps between requests, and when it must compute it again (docs/web.md).

The standings and a unit's charts depend only on the data directory's contents: the import
ledger (every accepted batch), the latest scan's findings and kept state, the data directory's
own catalogue and the recorded risk models. :func:`fingerprint` sums them up in a few ``stat``
calls, so that a request can check whether what was computed before still holds; an import or a
scan changes the fingerprint, and the next request computes afresh. :func:`data_version` is the
fingerprint that requests use: taken again at most every :data:`WATCH_SECONDS` (a quarter of a
second) in each server process, because under load each ``stat`` call hands the interpreter lock
to another thread and back, and twenty of them a request cost more than the page. So an import
or a scan shows on the pages within a quarter of a second.

:class:`Kept` holds the computed values, a bounded number, each under the fingerprint it was
computed for; the first request to need one computes it while any other request for the same
key waits for it, rather than computing it too.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import Response

from caresignal.data._dataset_files import LEDGER
from caresignal.monitor.scan import FINDINGS
from caresignal.store import audit

__all__ = [
    "WATCHED",
    "WATCH_SECONDS",
    "Kept",
    "StoreVersion",
    "data_version",
    "fingerprint",
    "json_response",
    "store_version",
]

#: The files and folders of a data directory whose contents the standings and charts depend on.
WATCHED = (LEDGER, FINDINGS, "cache/scan", "cache/thresholds.json", "catalogue", "models")


def fingerprint(directory: Path) -> tuple[object, ...]:
    """The state of ``directory``'s :data:`WATCHED` files: each file's (and each file's in the
    folders) name, size, modification time and inode, so that a file replaced by renaming
    (as imports and scans write) changes it even within the same second."""
    return tuple(_stamp(os.path.join(directory, name)) for name in WATCHED)


def _stamp(path: str) -> object:
    try:
        found = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(found.st_mode):
        return (found.st_size, found.st_mtime_ns, found.st_ino)
    with os.scandir(path) as entries:
        return tuple(sorted((entry.name, _stamp(entry.path)) for entry in entries))


#: Seconds for which a server process takes the data directory's fingerprint as it last was.
WATCH_SECONDS = 0.25
_taken: dict[str, tuple[float, tuple[object, ...]]] = {}
_taking = threading.Lock()
_now = time.monotonic


def data_version(directory: Path) -> tuple[object, ...]:
    """:func:`fingerprint` of ``directory``, taken again once :data:`WATCH_SECONDS` have passed
    since it was last taken in this process (by one request; the others meanwhile use the last)."""
    key = str(directory)
    now = _now()
    last = _taken.get(key)
    if last is not None and now - last[0] < WATCH_SECONDS:
        return last[1]
    with _taking:
        last = _taken.get(key)
        if last is None or _now() - last[0] >= WATCH_SECONDS:
            last = (_now(), fingerprint(directory))
            _taken[key] = last
        return last[1]


class Kept:
    """Up to ``size`` values, each under a key and the version it was computed for; the least
    recently used goes first. Safe to share between threads: the value of a key is computed
    once per version, whoever asks first, while the others asking wait."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, not {size}")
        self.size = size
        self._values: OrderedDict[Hashable, tuple[object, Any]] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Hashable, version: object, compute: Callable[[], Any]) -> Any:
        """The value kept under ``key`` if it was computed for ``version``; else ``compute()``'s,
        kept from now on."""
        found = self._found(key, version)
        if found is not None:
            return found[0]
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            found = self._found(key, version)
            if found is not None:
                return found[0]
            value = compute()
            with self._guard:
                self._values[key] = (version, value)
                self._values.move_to_end(key)
                while len(self._values) > self.size:
                    oldest, _ = self._values.popitem(last=False)
                    self._locks.pop(oldest, None)
            return value

    def _found(self, key: Hashable, version: object) -> tuple[Any] | None:
        with self._guard:
            kept = self._values.get(key)
            if kept is None or kept[0] != version:
                return None
            self._values.move_to_end(key)
            return (kept[1],)

    def __len__(self) -> int:
        with self._guard:
            return len(self._values)


#: The state of a store: its URL, and its audit log's last position and hash.
StoreVersion = tuple[str, tuple[int, str]]


def store_version(sessions: sessionmaker[Session]) -> StoreVersion:
    """The state of the store: its URL and its audit log's last entry (position and hash).
    Every change to the store appends to the log in the same transaction, so what was read
    from the store under one version holds until the version changes."""
    with sessions() as session:
        return str(sessions.kw.get("bind")), audit.last(session)


def json_response(data: Any) -> Response:
    """``data`` as a JSON answer, serialised once with orjson (FastAPI's own encoder walks every
    value first, and the standard library's is several times slower; either costs more than the
    work behind a kept page). A number that is not finite is written as null."""
    body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    return Response(body, media_type="application/json")
