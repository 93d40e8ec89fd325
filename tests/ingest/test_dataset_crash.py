"""The crash test: imports killed with SIGKILL leave exactly the old or the new data, never a mix.

Two kinds of kill point (docs/data-directory.md, "After a crash"):

* **every durable step of a write**: ``crash_import.py`` pauses an import at a named step (after
  the temporary batch file is written, after it is synced, after the rename, …, after the ledger
  replaces the old one) and this test kills it there with SIGKILL, for a batch of new records and
  for a correction, for a first ledger in a new directory, and during the clean-up of a crashed
  import's leftovers. Each kill is then checked: the ledger parses, the table is exactly the state
  before the import (kills before the ledger is replaced) or after it (kills after), no leftover
  file is read, and the next writer removes the leftovers and imports normally.
* **anywhere**: a loop of imports and corrections is killed after varied delays (from a seeded
  generator), again and again in the same directory, and every time the table is exactly the state
  after some whole number of batches, at least as many as the loop reported committed.

The child processes are started together where they can be, so the whole test takes seconds.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from crash_import import KEY, expected, load
from polars.testing import assert_frame_equal

from caresignal.data.dataset import STEPS, Dataset

SCRIPT = Path(__file__).with_name("crash_import.py")
WRITE_STEPS = tuple(step for step in STEPS if step != "orphan_removed")
COMMIT_STEP = STEPS.index("ledger_replaced")  # from this step on, the import has happened
# Batch 3 is a correction, batch 4 a new month (crash_import.is_correction).
NEXT_BATCHES = (3, 4)


def _child(*arguments: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "POLARS_MAX_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), *arguments],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


def _kill_when(child: subprocess.Popen[str], line: str) -> None:
    """Wait for ``child`` to print ``line``, then kill it with SIGKILL."""
    assert child.stdout is not None
    said = child.stdout.readline().strip()
    if said != line:
        child.kill()
        _, errors = child.communicate()
        pytest.fail(f"expected {line!r} from the import, got {said!r}; stderr:\n{errors}")
    child.send_signal(signal.SIGKILL)
    child.communicate()
    assert child.returncode == -signal.SIGKILL


def _batch_files(directory: Path) -> set[str]:
    return {
        path.relative_to(directory).as_posix()
        for path in (directory / "batches").rglob("*")
        if path.is_file()
    }


def _leftovers(directory: Path, dataset: Dataset) -> set[str]:
    """Files an interrupted write left: batch files the ledger does not name, a temporary ledger."""
    named = {entry.file for entry in dataset.history()}
    temporary = {path.name for path in directory.glob(".ledger.json*")}
    return (_batch_files(directory) - named) | temporary


def _check_state(killed: Path, count: int, scratch: Path) -> None:
    """``killed`` holds exactly batches 1 to ``count``; a copy of it can be tidied and added to.

    The copy (in ``scratch``) leaves ``killed`` as the kill left it for other tests.
    """
    directory = scratch / "checked"
    shutil.copytree(killed, directory)
    dataset = Dataset(directory, wait=0)  # the ledger parses
    assert len(dataset.history()) == count
    assert_frame_equal(dataset.table("counts").collect().sort(KEY), expected(count))
    leftovers = _leftovers(directory, dataset)
    with dataset.writer() as writer:
        assert set(writer.removed) == leftovers
    assert _leftovers(directory, dataset) == set()
    load(dataset, count + 1)
    assert_frame_equal(dataset.table("counts").collect().sort(KEY), expected(count + 1))


@dataclass(frozen=True)
class Killed:
    directory: Path
    before: int  # batches loaded before the killed import
    step: str


CREATE_STEPS = ("ledger_temp_written", "ledger_temp_synced", "ledger_replaced")


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Data directories holding the batches before each of NEXT_BATCHES."""
    result = {}
    for number in NEXT_BATCHES:
        directory = tmp_path_factory.mktemp(f"base{number}")
        dataset = Dataset(directory)
        for earlier in range(1, number):
            load(dataset, earlier)
        result[number] = directory
    return result


@pytest.fixture(scope="module")
def killed(bases: dict[int, Path], tmp_path_factory: pytest.TempPathFactory) -> list[Killed]:
    """Imports killed at each write step (a correction, new records), and new directories.

    The children run side by side: each waits at its step until it is killed.
    """
    started = []
    for number in NEXT_BATCHES:
        for step in WRITE_STEPS:
            directory = tmp_path_factory.mktemp(f"kill{number}-{step}") / "data"
            shutil.copytree(bases[number], directory)
            child = _child("pause", str(directory), step, str(number))
            started.append((Killed(directory, number - 1, step), child))
    for step in CREATE_STEPS:
        directory = tmp_path_factory.mktemp(f"create-{step}") / "new" / "data"
        started.append((Killed(directory, -1, step), _child("create", str(directory), step)))
    for case, child in started:
        _kill_when(child, f"PAUSED {case.step}")
    return [case for case, _ in started]


def test_every_write_step_is_a_kill_point(killed: list[Killed]) -> None:
    assert {case.step for case in killed} == set(WRITE_STEPS)
    assert len(killed) == len(WRITE_STEPS) * len(NEXT_BATCHES) + len(CREATE_STEPS)


@pytest.mark.parametrize("number", NEXT_BATCHES)
@pytest.mark.parametrize("step", WRITE_STEPS)
def test_a_killed_import_leaves_the_old_or_the_new_state(
    killed: list[Killed], number: int, step: str, tmp_path: Path
) -> None:
    case = next(c for c in killed if c.step == step and c.before == number - 1)
    committed = STEPS.index(step) >= COMMIT_STEP
    _check_state(case.directory, case.before + int(committed), tmp_path)


@pytest.mark.parametrize("step", CREATE_STEPS)
def test_a_kill_while_creating_a_directory_leaves_a_usable_one(
    killed: list[Killed], step: str, tmp_path: Path
) -> None:
    case = next(c for c in killed if c.step == step and c.before == -1)
    _check_state(case.directory, 0, tmp_path)


def test_a_kill_during_clean_up_leaves_the_old_state(killed: list[Killed], tmp_path: Path) -> None:
    # An import killed after renaming its batch file left that file behind, unnamed.
    renamed = next(c for c in killed if c.step == "batch_renamed" and c.before == 3)
    directory = tmp_path / "data"
    shutil.copytree(renamed.directory, directory)
    assert "batches/counts/000004.parquet" in _batch_files(directory)
    _kill_when(_child("pause", str(directory), "orphan_removed", "4"), "PAUSED orphan_removed")
    assert "batches/counts/000004.parquet" not in _batch_files(directory)
    _check_state(directory, 3, tmp_path)


def test_imports_killed_anywhere_leave_whole_batches(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    last, delays, count = 24, random.Random(20250106), 0
    for _ in range(6):
        child = _child("loop", str(directory), str(last))
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "READY"
        time.sleep(delays.uniform(0.0, 0.15))  # where the kill lands varies; the check does not
        child.send_signal(signal.SIGKILL)
        output, _ = child.communicate()
        reported = [int(line.split()[1]) for line in output.splitlines() if "COMMITTED" in line]
        at_least = max([count, *reported])
        dataset = Dataset(directory, wait=0)
        count = len(dataset.history())
        # At most one import was under way: it happened or it did not.
        assert at_least <= count <= min(at_least + 1, last)
        assert_frame_equal(dataset.table("counts").collect().sort(KEY), expected(count))
    assert count > 0  # the loop made progress between kills
    dataset = Dataset(directory)
    for number in range(count + 1, last + 1):
        load(dataset, number)
    assert [int(entry.batch_id) for entry in dataset.history()] == list(range(1, last + 1))
    assert_frame_equal(dataset.table("counts").collect().sort(KEY), expected(last))
    assert _leftovers(directory, dataset) == set()


def test_each_import_changes_the_state_the_checks_compare() -> None:
    # The checks above could not fail if an import left the table as it was.
    correction, new = expected(3), expected(4)
    assert correction.height == expected(2).height
    assert not correction.equals(expected(2))
    assert new.height > correction.height
