"""Benchmark: concerns sent while the server is killed are never lost once their reference is
shown (prints one JSON line; exits with 1 if any is).

Run: ``.venv/bin/python benchmarks/bench_concern_durability.py [--count 10000] [--clients 16]
[--kills 2] [--seed 1] [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]``.

A fresh data directory is made in a temporary directory, holding the example organisations
(``docs/examples/organisations.csv``, imported and copied into the store as ``caresignal import
organisations`` and ``caresignal store sync`` do), so that the public concern form accepts each
of them. The store is the data directory's SQLite file; with ``--database-url`` it is a new
database made on that PostgreSQL server for the run and dropped afterwards, so that nothing else
on the server is touched.

``caresignal serve`` then runs in a process of its own on 127.0.0.1 (development mode with a
secret key of its own, so that the clients' sessions outlive a restart; no escalation clock;
``CARESIGNAL_CONCERN_SUBMISSIONS_PER_HOUR`` raised so that the limit per connection lets the
load through). ``--clients`` clients (16), each with a session of its own, send ``--count``
concerns (10,000) to ``POST /api/v1/concerns`` as fast as they are answered, each with a marker
of its own in its words. When the number of references handed out reaches each of ``--kills``
points (2; seeded, one in each equal part of the middle 80% of the run) the server's process is
killed with SIGKILL, whatever it is doing, and started again. A client whose request fails
(refused, cut off, or answered with an error) sends the concern again with a new marker, until
it gets a reference.

Afterwards the store is read with caresignal's own functions (the concerns, and the person's own
view through each private link) and checked: every concern whose reference was handed out must
be there, under that reference, with the words that were sent, and its link must open it. A
concern stored while its client saw no reference (the server was killed after the commit and
before the answer) is allowed, and counted; a marker stored twice is not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import httpx2
import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from caresignal.clock import SystemClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import import_files
from caresignal.settings import Settings
from caresignal.store import concerns as concern_repo
from caresignal.store import database_url, open_store
from caresignal.store.service import UnknownError, sync_organisations
from caresignal.workflow import concerns

ROOT = Path(__file__).resolve().parent.parent
ORGANISATIONS = ROOT / "docs" / "examples" / "organisations.csv"
CARESIGNAL = Path(sys.executable).with_name("caresignal")
#: How the words of each concern end: its submission's number and the attempt's.
MARKER = re.compile(r"\[load test (\d{6})/(\d+)\]$")
WORDS = (
    "Nobody came when the alarm on my son's monitor kept going off.",
    "My mother waited nine hours in a corridor and no one told us why.",
    "The midwife said the scan was fine but the doctor said something else the next day.",
    "We asked three times for pain relief and it never came.",
    "I was discharged without my medicines and had to come back the same night.",
    "Staff were kind but the ward was short of people all weekend.",
)
#: A client waits this long, in seconds, before it sends a concern again after a failure.
RETRY_PAUSE = 0.1
#: A concern sent this many times without a reference is given up (and reported).
MOST_ATTEMPTS = 200


@dataclass(frozen=True, slots=True)
class Plan:
    """What to send, from how many clients, and when to kill the server."""

    count: int = 10_000
    clients: int = 16
    kills: int = 2
    seed: int = 1
    timeout: float = 30.0
    workers: int = 1

    def kill_points(self) -> list[int]:
        """The numbers of references handed out at which the server is killed: one, chosen with
        the seed, in each of ``kills`` equal parts of the middle 80% of the run."""
        if self.kills == 0:
            return []
        random = Random(self.seed)
        low, high = self.count // 10, self.count - self.count // 10
        edges = [low + (high - low) * k // self.kills for k in range(self.kills + 1)]
        return [random.randrange(edges[k], max(edges[k + 1], edges[k] + 1)) + 1
                for k in range(self.kills)]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Handed:
    """A concern whose client was given a reference."""

    number: int
    words: str
    reference: str
    token: str
    seconds: float


@dataclass
class Progress:
    """What the clients have been given and what went wrong, as the run goes."""

    handed: list[Handed] = field(default_factory=list)
    attempts: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    gave_up: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def got(self, handed: Handed) -> None:
        self.handed.append(handed)
        self.changed.set()

    async def reached(self, references: int) -> None:
        """Wait until ``references`` references have been handed out."""
        while len(self.handed) < references:
            self.changed.clear()
            await self.changed.wait()


@dataclass(frozen=True, slots=True)
class Checked:
    """What the store holds, against what the clients were given."""

    stored: int
    missing: tuple[str, ...]
    mismatched: tuple[str, ...]
    unopened: tuple[str, ...]
    stored_without_reference: int
    duplicates: tuple[str, ...]
    strangers: int

    @property
    def ok(self) -> bool:
        return not (self.missing or self.mismatched or self.unopened or self.duplicates
                    or self.strangers)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Outcome:
    """A run: the progress, the kills and the check."""

    plan: Plan
    progress: Progress
    kill_points: list[int]
    kills: int
    downtime: float
    elapsed: float
    checked: Checked

    def summary(self) -> dict[str, Any]:
        times = np.array([h.seconds for h in self.progress.handed]) * 1000
        p50, p95, p99 = (np.percentile(times, q) if times.size else float("nan")
                         for q in (50, 95, 99))  # fmt: skip
        references = len(self.progress.handed)
        return {
            "submissions": self.plan.count,
            "clients": self.plan.clients,
            "attempts": self.progress.attempts,
            "references": references,
            "gave_up": self.progress.gave_up,
            "failed_attempts": dict(self.progress.errors),
            "kills": self.kills,
            "kill_points": self.kill_points,
            "stored": self.checked.stored,
            "missing": len(self.checked.missing),
            "mismatched": len(self.checked.mismatched),
            "links_not_opening": len(self.checked.unopened),
            "stored_without_reference": self.checked.stored_without_reference,
            "duplicates": len(self.checked.duplicates),
            "not_sent_by_the_run": self.checked.strangers,
            "throughput_per_s": round(references / self.elapsed, 1) if self.elapsed else None,
            "latency_ms": {
                "p50": round(float(p50), 1),
                "p95": round(float(p95), 1),
                "p99": round(float(p99), 1),
                "max": round(float(times.max()), 1) if times.size else None,
            },
            "elapsed_s": round(self.elapsed, 1),
            "downtime_s": round(self.downtime, 1),
            "every_reference_stored": self.checked.ok,
        }


def prepare(directory: Path, url: str | None) -> list[str]:
    """A data directory holding the example organisations, copied into its store (``url``, or
    its SQLite file); the codes a concern may be about."""
    clock = SystemClock()
    dataset = Dataset(directory)
    import_files(dataset, "organisations", [ORGANISATIONS], clock=clock, imported_by="bench")
    engine, sessions = open_store(database_url(Settings(data_dir=directory, database_url=url)))
    try:
        result = sync_organisations(
            sessions, dataset, actor="bench", clock=clock, reason="durability benchmark"
        )
    finally:
        engine.dispose()
    return sorted(result.added)


class Server:
    """``caresignal serve`` on 127.0.0.1, in a process group of its own, killed and started
    again at will."""

    def __init__(self, directory: Path, url: str | None, workers: int) -> None:
        self.directory = directory
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.environment = {
            **os.environ,
            "CARESIGNAL_DEVELOPMENT": "1",
            "CARESIGNAL_SECRET_KEY": secrets.token_urlsafe(48),
            "CARESIGNAL_ESCALATION_MINUTES": "0",
            "CARESIGNAL_CONCERN_SUBMISSIONS_PER_HOUR": str(10**9),
        }
        self.environment.pop("CARESIGNAL_DATABASE_URL", None)
        if url is not None:
            self.environment["CARESIGNAL_DATABASE_URL"] = url
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        """Start the server and return once it answers."""
        self.process = subprocess.Popen(
            [str(CARESIGNAL), "serve", "--data-dir", str(self.directory), "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(self.workers)],
            env=self.environment, stdout=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        async with httpx2.AsyncClient(base_url=self.base, timeout=5) as probe:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise SystemExit(
                        f"caresignal serve stopped with code {self.process.returncode}"
                    )
                try:
                    if (await probe.get("/api/v1/concerns/new")).status_code == 200:
                        return
                except httpx2.TransportError:
                    pass
                await asyncio.sleep(0.05)
        self.stop()
        raise SystemExit("caresignal serve did not answer within two minutes")

    def kill(self) -> None:
        """SIGKILL to the server's process group: no chance to finish anything."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        """Stop the server the ordinary way (SIGTERM), if it runs."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def words(number: int, attempt: int, random: Random) -> str:
    """The words of submission ``number``'s ``attempt``: a sentence and the marker."""
    return f"{random.choice(WORDS)} [load test {number:06d}/{attempt}]"


async def _session(client: httpx2.AsyncClient) -> str:
    """A CSRF token for the client's session, asked for until the server answers."""
    while True:
        try:
            answer = await client.get("/api/v1/concerns/new")
            if answer.status_code == 200:
                token: str = answer.json()["csrf_token"]
                return token
        except httpx2.TransportError:
            pass
        await asyncio.sleep(RETRY_PAUSE)


async def _client(
    base: str,
    numbers: Iterator[int],
    places: list[str],
    plan: Plan,
    progress: Progress,
    random: Random,
) -> None:
    """Send concerns, one at a time, until every number is taken."""
    async with httpx2.AsyncClient(base_url=base, timeout=plan.timeout) as client:
        csrf = await _session(client)
        for number in numbers:
            body = {"organisation": places[number % len(places)], "relationship": "relative"}
            for attempt in range(1, MOST_ATTEMPTS + 1):
                said = words(number, attempt, random)
                progress.attempts += 1
                start = time.perf_counter()
                try:
                    answer = await client.post(
                        "/api/v1/concerns", json={**body, "text": said},
                        headers={"X-CSRF-Token": csrf},
                    )  # fmt: skip
                except httpx2.TransportError as error:
                    progress.errors[type(error).__name__] += 1
                    await asyncio.sleep(RETRY_PAUSE)
                    continue
                seconds = time.perf_counter() - start
                if answer.status_code == 201:
                    made = answer.json()
                    progress.got(Handed(number, said, made["reference"], made["token"], seconds))
                    break
                progress.errors[f"status {answer.status_code}"] += 1
                if answer.status_code == 403:  # the session was lost: start a new one
                    csrf = await _session(client)
                else:
                    await asyncio.sleep(RETRY_PAUSE)
            else:
                progress.gave_up += 1


@dataclass
class Kills:
    """The server's kills so far, and the seconds from each kill until it answered again."""

    times: int = 0
    downtime: float = 0.0


async def _killer(server: Server, points: list[int], progress: Progress, kills: Kills) -> None:
    """Kill the server as each point is reached, and start it again."""
    for point in points:
        await progress.reached(point)
        down = time.perf_counter()
        server.kill()
        kills.times += 1
        try:
            await server.start()
        finally:
            kills.downtime += time.perf_counter() - down


async def _load(
    server: Server, places: list[str], plan: Plan, progress: Progress
) -> tuple[Kills, float]:
    """Send the load while killing the server: the kills, and the seconds the load took."""
    numbers = iter(range(plan.count))
    random = Random(plan.seed)
    points = plan.kill_points()
    kills = Kills()
    start = time.perf_counter()
    killer = asyncio.create_task(_killer(server, points, progress, kills))
    clients = [
        _client(server.base, numbers, places, plan, progress, Random(random.getrandbits(64)))
        for _ in range(plan.clients)
    ]
    await asyncio.gather(*clients)
    elapsed = time.perf_counter() - start
    if len(progress.handed) >= max(points, default=0):
        await killer  # every point was reached: its last start may still be under way
    else:  # concerns were given up and a point never reached: no more kills
        killer.cancel()
        with suppress(asyncio.CancelledError):
            await killer
    return kills, elapsed


def check(url: str, handed: list[Handed]) -> Checked:
    """Read the store with caresignal's own functions and compare it with what was handed out."""
    engine, sessions = open_store(url)
    try:
        with sessions() as session:
            stored = concern_repo.concerns(session)
        by_reference = {c.reference: c for c in stored}
        markers = Counter(c.text for c in stored if MARKER.search(c.text))
        strangers = sum(1 for c in stored if not MARKER.search(c.text))
        missing, mismatched, unopened = [], [], []
        for given in handed:
            found = by_reference.get(given.reference)
            if found is None:
                missing.append(given.reference)
                continue
            if found.text != given.words:
                mismatched.append(given.reference)
            try:
                view = concerns.view_by_token(sessions, given.token)
            except UnknownError:
                unopened.append(given.reference)
                continue
            if view.concern.reference != given.reference:
                unopened.append(given.reference)
    finally:
        engine.dispose()
    referenced = {given.words for given in handed}
    return Checked(
        stored=len(stored),
        missing=tuple(missing),
        mismatched=tuple(mismatched),
        unopened=tuple(unopened),
        stored_without_reference=sum(1 for said in markers if said not in referenced),
        duplicates=tuple(said for said, times in markers.items() if times > 1),
        strangers=strangers,
    )


def run(plan: Plan, directory: Path, url: str | None = None) -> Outcome:
    """The whole run on a new data directory ``directory`` and the empty store ``url`` (None:
    the data directory's SQLite file)."""
    places = prepare(directory, url)
    server = Server(directory, url, plan.workers)
    progress = Progress()

    async def load() -> tuple[Kills, float]:
        await server.start()
        return await _load(server, places, plan, progress)

    try:
        kills, elapsed = asyncio.run(load())
    finally:
        server.stop()
    checked = check(database_url(Settings(data_dir=directory, database_url=url)), progress.handed)
    return Outcome(
        plan, progress, plan.kill_points(), kills.times, kills.downtime, elapsed, checked
    )


@contextmanager
def new_database(server: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on ``server`` for the run, dropped afterwards."""
    name = f"caresignal_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        make_url(server).set(drivername="postgresql+psycopg", database="postgres"),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="concerns to send")
    parser.add_argument("--clients", type=int, default=16, help="clients sending at once")
    parser.add_argument("--kills", type=int, default=2, help="times the server is killed")
    parser.add_argument("--seed", type=int, default=1, help="of the kill points and the words")
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, in seconds")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (its URL) on which to make a new database for the run; "
        "unset: SQLite in the data directory",
    )
    args = parser.parse_args()
    if args.count < 10 or args.clients < 1 or args.kills < 0:
        parser.error("--count must be at least 10, --clients at least 1, --kills at least 0")
    plan = Plan(args.count, args.clients, args.kills, args.seed, args.timeout, args.workers)
    with tempfile.TemporaryDirectory(prefix="caresignal-bench-durability-") as work:
        directory = Path(work) / "data"
        if args.database_url:
            with new_database(args.database_url) as url:
                outcome = run(plan, directory, url)
        else:
            outcome = run(plan, directory)
    database = "postgresql" if args.database_url else "sqlite"
    print(json.dumps({"database": database, "seed": args.seed, **outcome.summary()}))
    if not outcome.checked.ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
