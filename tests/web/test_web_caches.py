"""What the web app keeps between requests (docs/web.md, "What is kept"): the data directory's
fingerprint changes with every import and scan, a kept value is computed once however many
requests ask for it at once, and the least recently used goes first."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from caresignal.web import data_state
from caresignal.web.data_state import WATCH_SECONDS, WATCHED, Kept, data_version, fingerprint
from caresignal.web.serve_app import app_from_environment


def test_the_fingerprint_changes_when_a_watched_file_is_replaced_or_added(tmp_path: Path) -> None:
    (tmp_path / "ledger.json").write_text("[]")
    before = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == before  # nothing changed: the same
    replacement = tmp_path / "ledger.json.new"
    replacement.write_text("[]")  # the same size, written as an import writes: by renaming
    replacement.replace(tmp_path / "ledger.json")
    after_import = fingerprint(tmp_path)
    assert after_import != before
    (tmp_path / "findings.parquet").write_bytes(b"PAR1")  # a scan's findings
    after_scan = fingerprint(tmp_path)
    assert after_scan != after_import
    (tmp_path / "cache" / "scan").mkdir(parents=True)
    (tmp_path / "cache" / "scan" / "manifest.json").write_text("{}")  # its kept state
    assert fingerprint(tmp_path) != after_scan
    (tmp_path / "unwatched.txt").write_text("x")  # anything else: no change
    assert len(fingerprint(tmp_path)) == len(WATCHED)


def test_requests_take_the_fingerprint_again_once_a_quarter_second_has_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(data_state, "_now", lambda: now[0])
    (tmp_path / "ledger.json").write_text("[]")
    before = data_version(tmp_path)
    assert before == fingerprint(tmp_path)
    (tmp_path / "findings.parquet").write_bytes(b"PAR1")  # a scan, within the quarter second
    now[0] += WATCH_SECONDS / 2
    assert data_version(tmp_path) == before  # not yet seen
    now[0] += WATCH_SECONDS / 2
    assert data_version(tmp_path) == fingerprint(tmp_path) != before  # seen


def test_a_value_is_computed_once_while_others_wait_for_it() -> None:
    kept = Kept(2)
    calls: list[int] = []
    started = threading.Barrier(8)

    def compute() -> int:
        calls.append(1)
        time.sleep(0.05)  # long enough for every thread to ask while it is computed
        return 42

    def ask() -> None:
        started.wait()
        assert kept.get("standings", "v1", compute) == 42

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]
    assert kept.get("standings", "v2", lambda: 43) == 43  # a new version: computed again


def test_the_least_recently_used_goes_first() -> None:
    kept = Kept(2)
    kept.get("a", 1, lambda: "A")
    kept.get("b", 1, lambda: "B")
    kept.get("a", 1, lambda: "not again")  # used: now the most recent
    kept.get("c", 1, lambda: "C")  # "b" goes
    assert len(kept) == 2
    assert kept.get("a", 1, lambda: "again") == "A"
    assert kept.get("b", 1, lambda: "B again") == "B again"
    with pytest.raises(ValueError, match="size must be at least 1"):
        Kept(0)


def test_of_several_server_processes_only_one_runs_the_escalation_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``caresignal serve --workers N`` builds each process's app from the environment; the
    first to take the clock's lock runs the escalation clock, the others leave it."""
    environment = {
        "CARESIGNAL_DATA_DIR": str(tmp_path),
        "CARESIGNAL_DEVELOPMENT": "1",
        "CARESIGNAL_SECRET_KEY": "k" * 48,
        "CARESIGNAL_ESCALATION_MINUTES": "5",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CARESIGNAL_DATABASE_URL", raising=False)
    first = app_from_environment()
    assert first.state.caresignal.settings.escalation_minutes == 5
    other = subprocess.run(
        [sys.executable, "-c", "from caresignal.web.serve_app import app_from_environment; "
         "print(app_from_environment().state.caresignal.settings.escalation_minutes)"],
        env={**os.environ, **environment}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert other.stdout.split()[-1] == "0"
