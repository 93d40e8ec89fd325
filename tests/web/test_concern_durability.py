"""A concern whose reference was shown is in the store even if the server is killed: the core of
benchmarks/bench_concern_durability.py with 200 concerns from 16 clients and one SIGKILL of the
real server (``caresignal serve``) part-way, on SQLite and on PostgreSQL (docs/performance.md).

The kill comes when a seeded number of references have been handed out, not at a time, so the
run is the same whatever the machine's speed: one kill, every concern sent until it gets a
reference, and every reference handed out found in the store with its words and its link.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_concern_durability.py"


def _benchmark() -> ModuleType:
    """The benchmark script as a module (benchmarks/ is not a package)."""
    name = "bench_concern_durability"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BENCHMARK)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while it loads
        spec.loader.exec_module(module)
    return sys.modules[name]


bench = _benchmark()


def test_the_kill_points_are_seeded_and_one_falls_in_each_part_of_the_middle_of_the_run() -> None:
    plan = bench.Plan(count=10_000, kills=2, seed=1)
    points = plan.kill_points()
    assert points == bench.Plan(count=10_000, kills=2, seed=1).kill_points()
    assert points != bench.Plan(count=10_000, kills=2, seed=2).kill_points()
    assert 1_000 < points[0] <= 5_000 < points[1] <= 9_000
    assert 20 < bench.Plan(count=200, kills=1, seed=1).kill_points()[0] <= 180
    assert bench.Plan(count=200, kills=0).kill_points() == []


def test_every_concern_given_a_reference_survives_a_kill_of_the_server(
    database_url: str, tmp_path: Path
) -> None:
    plan = bench.Plan(count=200, clients=16, kills=1, seed=3)
    outcome = bench.run(plan, tmp_path / "data", database_url)
    progress, checked = outcome.progress, outcome.checked
    assert outcome.kills == 1
    # The kill cut the load short: requests were refused or cut off, and sent again.
    assert sum(progress.errors.values()) >= 1, progress.errors
    assert progress.attempts > plan.count
    # 200 concerns from one address: the limit per connection was raised by its setting.
    assert "status 429" not in progress.errors
    assert progress.gave_up == 0
    assert len(progress.handed) == plan.count
    assert sorted(h.number for h in progress.handed) == list(range(plan.count))
    assert len({h.reference for h in progress.handed}) == plan.count
    # Every reference handed out is stored, with its words, and its link opens it.
    assert checked.ok, checked
    assert checked.missing == checked.mismatched == checked.unopened == checked.duplicates == ()
    assert checked.strangers == 0
    assert checked.stored == plan.count + checked.stored_without_reference
    summary = outcome.summary()
    assert summary["missing"] == 0
    assert summary["references"] == plan.count
    assert summary["every_reference_stored"] is True

    # The check finds a reference that is not stored, and words that are not the ones sent.
    url = bench.database_url(bench.Settings(data_dir=tmp_path / "data", database_url=database_url))
    first = progress.handed[0]
    lost = replace(first, reference="CON-2026-999999")
    changed = replace(progress.handed[1], words=progress.handed[1].words + " more")
    caught = bench.check(url, [*progress.handed[2:], lost, changed])
    assert caught.missing == ("CON-2026-999999",)
    assert caught.mismatched == (changed.reference,)
    assert not caught.ok
