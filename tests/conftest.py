"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def _directory_state(directory: Path) -> dict[str, bytes]:
    """Every file below ``directory`` with its bytes: what "changes nothing" is checked against."""
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def directory_state() -> Callable[[Path], dict[str, bytes]]:
    """A function giving every file of a directory and its bytes, to compare before and after."""
    return _directory_state


@pytest.fixture(scope="session")
def small_pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic ``small`` dataset (seed 1), imported once per session. Never written to:
    tests use :func:`small_copy`, which gives each module a copy of its own."""
    from datetime import UTC, datetime

    from caresignal.clock import FixedClock
    from caresignal.data.dataset import Dataset
    from caresignal.data.imports import import_synthetic
    from caresignal.monitor.catalogue import load_catalogue

    directory = tmp_path_factory.mktemp("small-pristine") / "data"
    import_synthetic(
        Dataset(directory),
        "small",
        1,
        clock=FixedClock(datetime(2026, 11, 23, tzinfo=UTC)),
        exposure_indicators=load_catalogue().exposure_indicators(),
    )
    return directory


@pytest.fixture(scope="session")
def small_copy(
    small_pristine: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[], Path]:
    """A function returning a new copy of the ``small`` dataset, free to write to."""

    def copy() -> Path:
        target = tmp_path_factory.mktemp("small") / "data"
        shutil.copytree(small_pristine, target)
        return target

    return copy
