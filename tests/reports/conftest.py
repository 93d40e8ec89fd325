"""The board pack tests' store: the small synthetic dataset scanned, with a history in the
store (see :mod:`pack_helpers`), made once for the module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pack_helpers import Store, build


@pytest.fixture(scope="module")
def store(small_copy: Callable[[], Path]) -> Iterator[Store]:
    data = small_copy()
    made = build(data, f"sqlite:///{(data / 'caresignal.db').as_posix()}")
    yield made
    made.sessions.kw["bind"].dispose()
