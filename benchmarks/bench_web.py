"""Benchmark: the web app's pages under 32 concurrent signed-in clients (prints JSON lines).

Run: ``.venv/bin/python benchmarks/bench_web.py [--data-dir DIR]``. The data directory (the
national demo that ``caresignal demo`` builds, with its history of signals in the store) is
copied to a temporary directory first, since signing in sets new passwords; without
``--data-dir``, ``caresignal demo`` builds it there (about a minute and a half). The trust with
the most open signals is chosen, and its executive safety champion gets a new password
(:func:`caresignal.demo.logins.demo_logins`).

``caresignal serve`` then runs in its own process on 127.0.0.1 (development mode, no escalation
clock; ``--workers`` server processes, 1), and each route is measured in turn: ``--clients``
sessions (32) sign in through the form, then each asks for the route ``--requests`` times (8) or
until ``--seconds`` (20) have passed since the route's turn began, whichever comes first; the
requests in flight then finish. The routes are the overview, a unit's page, the inbox and a
signal's page, each as a page and as its JSON twin, and the charts a signal's page and a unit's
indicator page fetch after loading; the unit and the signal are the champion's signals' own,
taken in turn. The first request of each route (by one client) is not measured: it computes
what is kept afterwards (with several server processes, each example is asked four times a
process first, so that every process has kept it).

How the 32 people ask: with ``--pause 0`` each client sends its next request the moment the
last is answered (a closed loop, the harshest reading: 32 requests always in flight); with
``--pause S`` each waits a random time between 0.5 and 1.5 times S seconds before each request
(a person reading the page), the clients' first requests spread over S seconds.

Who asks (``--tool``): ``wrk`` (the default when it is installed: Debian's ``wrk`` package) holds
32 connections with the signed-in session's cookie, each sending its next request when the
last is answered, for ``--seconds`` per route, taking the route's examples in turn, and asking
for gzip as a browser does; it runs in C on one thread, so the two cores are mostly the
server's. Any answer but 200 is an error. ``python`` uses 32 signed-in httpx clients in this
process instead, which can also pause (``--pause``) but spend much of the machine themselves:
reading and unzipping a chart's answer costs the client more than the server.

One line per route gives the requests, the errors (any answer but 200, or no answer within
``--timeout`` seconds) and the 50th, 95th and 99th percentiles and the maximum of the response
time in milliseconds; the last line says whether every route met the targets: p95 under 100 ms,
p99 under 250 ms, and no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import numpy as np

TARGET_P95_MS = 100.0
TARGET_P99_MS = 250.0
CARESIGNAL = Path(sys.executable).with_name("caresignal")


@dataclass
class Measured:
    """One route's response times (seconds) and errors."""

    route: str
    example: str
    seconds: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, object]:
        times = np.array(self.seconds) * 1000
        p50, p95, p99 = (
            np.percentile(times, q) if times.size else float("nan") for q in (50, 95, 99)
        )
        return {
            "route": self.route,
            "example": self.example,
            "requests": len(self.seconds),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "p50_ms": round(float(p50), 1),
            "p95_ms": round(float(p95), 1),
            "p99_ms": round(float(p99), 1),
            "max_ms": round(float(times.max()), 1) if times.size else None,
            "met": bool(
                times.size and not self.errors and p95 < TARGET_P95_MS and p99 < TARGET_P99_MS
            ),
        }


def _prepare(source: Path | None, work: Path) -> Path:
    """The data directory to serve: a copy of ``source``, or the demo built in ``work``."""
    target = work / "data"
    if source is None:
        subprocess.run(
            [str(CARESIGNAL), "demo", "--data-dir", str(target)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    else:
        shutil.copytree(source, target)
    return target


def _champion(directory: Path) -> tuple[str, str, str]:
    """The trust with the most open signals, and a new sign-in for its executive safety
    champion: (trust, user name, password)."""
    from caresignal.clock import SystemClock
    from caresignal.demo.logins import demo_logins
    from caresignal.domain import Role
    from caresignal.settings import Settings
    from caresignal.store import database_url, open_store, repo
    from caresignal.store import episodes as episode_repo

    engine, sessions = open_store(database_url(Settings(data_dir=directory)))
    try:
        with sessions() as session:
            trusts = Counter(
                repo.chain(session, episode.unit)[-1][0]
                for episode in episode_repo.episodes(session, None)
                if episode.closed_on is None
            )
        if not trusts:
            raise SystemExit(f"{directory} holds no open signal: run `caresignal demo` first")
        trust = trusts.most_common(1)[0][0]
        logins = demo_logins(sessions, trust, clock=SystemClock())
    finally:
        engine.dispose()
    champion = next(x for x in logins if x.role is Role.EXECUTIVE_SAFETY_CHAMPION)
    return trust, champion.user, champion.password


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(directory: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """``caresignal serve`` on 127.0.0.1:``port``, answering once it does."""
    environment = {
        **os.environ,
        "CARESIGNAL_DEVELOPMENT": "1",
        "CARESIGNAL_ESCALATION_MINUTES": "0",
    }
    environment.pop("CARESIGNAL_SECRET_KEY", None)
    environment.pop("CARESIGNAL_DATABASE_URL", None)
    server = subprocess.Popen(
        [str(CARESIGNAL), "serve", "--data-dir", str(directory), "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers)],
        env=environment,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"caresignal serve stopped with exit code {server.returncode}")
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200:
                return server
        except httpx2.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("caresignal serve did not answer within two minutes")


async def _signed_in(base: str, user: str, password: str, timeout: float) -> httpx2.AsyncClient:
    """A client of its own (its own cookies) signed in through the form."""
    client = httpx2.AsyncClient(base_url=base, timeout=timeout)
    page = (await client.get("/login")).text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = await client.post(
        "/login",
        data={"username": user, "password": password, "csrf_token": token, "next": "/inbox"},
    )
    if answer.status_code != 303:
        raise SystemExit(f"signing in as {user} answered {answer.status_code}")
    return client


async def _hammer(
    client: httpx2.AsyncClient,
    paths: list[str],
    measured: Measured,
    stop_at: float,
    pauses: list[float],
) -> None:
    for path, pause in zip(paths, pauses, strict=True):
        await asyncio.sleep(pause)
        if time.monotonic() >= stop_at:
            return
        start = time.perf_counter()
        try:
            answer = await client.get(path)
            kind = None if answer.status_code == 200 else f"status {answer.status_code}"
        except httpx2.TimeoutException:
            kind = "timeout"
        except httpx2.HTTPError as error:
            kind = type(error).__name__
        measured.seconds.append(time.perf_counter() - start)
        if kind is not None:
            measured.errors[kind] += 1


async def _measure(
    clients: list[httpx2.AsyncClient],
    route: str,
    examples: list[str],
    args: argparse.Namespace,
    random: np.random.Generator,
) -> Measured:
    measured = Measured(route, examples[0])
    for example in examples:  # warm: the first request of each example is not measured
        await clients[0].get(example)
    stop_at = time.monotonic() + args.seconds
    await asyncio.gather(
        *(
            _hammer(
                client,
                [examples[(number + k) % len(examples)] for k in range(args.requests)],
                measured,
                stop_at,
                _pauses(random, args.pause, args.requests),
            )
            for number, client in enumerate(clients)
        )
    )
    return measured


_WRK_SCRIPT = """
local paths = {%s}
local count = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) other = 0 end
function request()
  count = count + 1
  return wrk.format("GET", paths[(count %% #paths) + 1])
end
function response(status, headers, body)
  if status ~= 200 then other = other + 1 end
end
function done(summary, latency, requests)
  local wrong = 0
  for _, thread in ipairs(threads) do wrong = wrong + thread:get("other") end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "not_200": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"timeout": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"duration_us": %%d}\\n',
    summary.requests, wrong, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    summary.duration))
end
"""


def _wrk(
    base: str, cookie: str, route: str, examples: list[str], args: argparse.Namespace
) -> dict[str, object]:
    """One route under wrk: its figures as :meth:`Measured.summary` gives them."""
    paths = ", ".join(json.dumps(path) for path in examples)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT % paths)
    try:
        answer = subprocess.run(
            ["wrk", "-t1", f"-c{args.clients}", f"-d{args.seconds:g}s",
             f"--timeout={args.timeout:g}s", "-H", f"Cookie: {cookie}",
             "-H", "Accept-Encoding: gzip", "-s", script.name, base],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    finally:
        os.unlink(script.name)
    found = json.loads(answer.stdout.strip().splitlines()[-1])
    errors = {k: found[k] for k in ("not_200", "connect", "read", "write", "timeout") if found[k]}
    p95, p99 = found["p95_us"] / 1000, found["p99_us"] / 1000
    return {
        "route": route,
        "example": examples[0],
        "requests": found["requests"],
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "p50_ms": round(found["p50_us"] / 1000, 1),
        "p95_ms": round(p95, 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(found["max_us"] / 1000, 1),
        "per_second": round(found["requests"] / (found["duration_us"] / 1e6), 1),
        "met": bool(found["requests"] and not errors and p95 < TARGET_P95_MS
                    and p99 < TARGET_P99_MS),
    }  # fmt: skip


def _pauses(random: np.random.Generator, pause: float, requests: int) -> list[float]:
    """A client's pause before each request: none in a closed loop; else the first anywhere in
    ``pause`` seconds, the others between 0.5 and 1.5 times ``pause``."""
    if pause <= 0:
        return [0.0] * requests
    return [float(random.uniform(0, pause))] + [
        float(random.uniform(0.5 * pause, 1.5 * pause)) for _ in range(requests - 1)
    ]


async def _run(base: str, user: str, password: str, args: argparse.Namespace) -> None:
    clients = [await _signed_in(base, user, password, args.timeout) for _ in range(args.clients)]
    try:
        signals = (await clients[0].get("/api/v1/signals?status=open")).json()
        if not signals:
            raise SystemExit(f"{user} has no open signal to look at")
        ids = [str(s["id"]) for s in signals[:8]]
        units = list(dict.fromkeys(s["unit"] for s in signals))[:8]
        pairs = list(dict.fromkeys((s["unit"], s["indicator"]) for s in signals))[:8]
        routes = {
            "overview page": ["/overview"],
            "overview JSON": ["/api/v1/overview"],
            "unit page": [f"/organisations/{u}" for u in units],
            "unit JSON": [f"/api/v1/organisations/{u}" for u in units],
            "inbox page": ["/inbox"],
            "inbox JSON": ["/api/v1/inbox"],
            "signal page": [f"/signals/{i}" for i in ids],
            "signal JSON": [f"/api/v1/signals/{i}" for i in ids],
            "signal charts": [f"/api/v1/signals/{i}/charts" for i in ids],
            "indicator page": [f"/organisations/{u}/indicators/{i}" for u, i in pairs],
            "indicator charts": [
                f"/api/v1/organisations/{u}/indicators/{i}/charts" for u, i in pairs
            ],
        }
        random = np.random.default_rng(args.seed)
        cookie = "; ".join(f"{k}={v}" for k, v in clients[0].cookies.items())
        met = True
        for route, examples in routes.items():
            start = time.perf_counter()
            if args.tool == "wrk":
                # Warm: what the first request computes is kept, by each server process (whose
                # turn it is to answer is the operating system's choice: ask a few times each).
                for example in examples * (4 * args.workers if args.workers > 1 else 1):
                    await clients[0].get(example)
                line = await asyncio.to_thread(_wrk, base, cookie, route, examples, args)
            else:
                measured = await _measure(clients, route, examples, args, random)
                line = measured.summary()
            line |= {"wall_s": round(time.perf_counter() - start, 1)}
            met = met and bool(line["met"])
            print(json.dumps(line), flush=True)
        print(
            json.dumps(
                {
                    "clients": args.clients,
                    "tool": args.tool,
                    "pause_s": args.pause if args.tool == "python" else 0.0,
                    "workers": args.workers,
                    "targets": {"p95_ms": TARGET_P95_MS, "p99_ms": TARGET_P99_MS, "errors": 0},
                    "every_route_met": met,
                }
            )
        )
    finally:
        for client in clients:
            await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a data directory `caresignal demo` made")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=8, help="per client and route, at most")
    parser.add_argument("--seconds", type=float, default=20.0, help="per route, to start new ones")
    parser.add_argument("--timeout", type=float, default=120.0, help="per request")
    parser.add_argument(
        "--pause", type=float, default=0.0,
        help="seconds a client waits, on average, before each request (0: none, a closed loop)",
    )  # fmt: skip
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--seed", type=int, default=1, help="of the pauses")
    parser.add_argument(
        "--tool", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python",
        help="who asks: wrk (a closed loop, in C) or httpx clients in this process",
    )  # fmt: skip
    args = parser.parse_args()
    if args.tool == "wrk" and args.pause > 0:
        parser.error("--pause needs --tool python: wrk asks in a closed loop")
    with tempfile.TemporaryDirectory(prefix="caresignal-bench-web-") as work:
        directory = _prepare(args.data_dir, Path(work))
        trust, user, password = _champion(directory)
        port = _free_port()
        started = {"data_dir": str(args.data_dir or "demo"), "trust": trust, "user": user,
                   "load_average": os.getloadavg()}  # fmt: skip
        print(json.dumps(started))
        server = _serve(directory, port, args.workers)
        try:
            asyncio.run(_run(f"http://127.0.0.1:{port}", user, password, args))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
