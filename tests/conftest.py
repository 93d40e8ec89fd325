"""Fixtures shared by the whole test suite."""

from __future__ import annotations

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
