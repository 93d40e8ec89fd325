"""Fixtures shared by the monitor tests."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def session() -> Iterator[Any]:
    """One Spark session on two local cores for the whole test module, stopped at its end.

    PySpark is an optional extra: outside CI the module's tests are skipped when it is not
    installed; in CI (the environment variable ``CI`` set, as ``.ci/run`` does) its absence is a
    failure, so the Spark parity tests cannot go unchecked there."""
    if importlib.util.find_spec("pyspark") is None:
        message = "PySpark is not installed: pip install -e '.[dev,spark]'"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must run the Spark parity tests)")
        pytest.skip(message)
    from caresignal.monitor.spark import spark_session

    with spark_session("local[2]", "caresignal-tests") as running:
        yield running
