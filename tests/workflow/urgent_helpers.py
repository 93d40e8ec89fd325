"""A store for the Martha's Rule tests: trust RZZ with two sites, each with a ward, and the
people who answer calls (imported by name: pytest puts this directory on the path)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.domain import Organisation, Role
from caresignal.store import repo, transaction
from caresignal.store.service import add_user, grant_role

WARD, OTHER_WARD = "RZZ01-W1", "RZZ02-W1"
#: Who holds which role where: the outreach team and on-call senior of site RZZ01, the outreach
#: team of site RZZ02, and people of RZZ01 who do not answer calls.
PEOPLE = {
    "nurse": (Role.OUTREACH_TEAM, "RZZ01"),
    "senior": (Role.ON_CALL_SENIOR, "RZZ01"),
    "elsewhere": (Role.OUTREACH_TEAM, "RZZ02"),
    "lead": (Role.UNIT_LEAD, "RZZ01"),
    "champion": (Role.EXECUTIVE_SAFETY_CHAMPION, "RZZ"),
    "admin": (Role.ADMINISTRATOR, "RZZ"),
}


def urgent_store(sessions: sessionmaker[Session], clock: FixedClock) -> sessionmaker[Session]:
    """``sessions`` holding the organisations and :data:`PEOPLE`."""
    with transaction(sessions) as session:
        for code, level, parent in (
            ("RZZ", "trust", None), ("RZZ01", "site", "RZZ"), ("RZZ02", "site", "RZZ"),
            (WARD, "unit", "RZZ01"), (OTHER_WARD, "unit", "RZZ02"),
        ):  # fmt: skip
            repo.put_organisation(
                session, Organisation(code, f"Org {code}", level, parent, None, None, "South East")
            )
    for name, (role, scope) in PEOPLE.items():
        add_user(sessions, name, f"{name}@nhs.net", actor="admin", clock=clock, reason="test")
        grant_role(sessions, name, role, scope, actor="admin", clock=clock, reason="test")
    return sessions


@dataclass
class Pager:
    """A paging system on this machine: keeps each request's body and headers, and answers
    ``status``."""

    status: int = 200
    received: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    url: str = ""


@contextmanager
def pager() -> Iterator[Pager]:
    """A real HTTP server on 127.0.0.1 (http.server in a thread) standing for a paging system."""
    found = Pager()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            found.received.append((self.rfile.read(length), dict(self.headers.items())))
            self.send_response(found.status)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: ARG002
            return  # quiet: http.server's name and arguments

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.url = f"http://127.0.0.1:{server.server_address[1]}/page"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
