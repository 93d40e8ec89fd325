"""The ``--backend`` and ``--master`` options of ``caresignal scan`` and ``replay``: where the
per-series tasks run (docs/spark.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from caresignal._cli_common import _fail

if TYPE_CHECKING:
    from caresignal.monitor.scan import Backend

__all__ = ["BACKENDS", "BackendOption", "DataUriOption", "MasterOption", "chosen_backend"]

#: The backends a command can run on.
BACKENDS = ("local", "spark")

BackendOption = Annotated[
    str,
    typer.Option(
        "--backend",
        help="Where the charts are computed: local (this process) or spark (docs/spark.md).",
    ),
]
MasterOption = Annotated[
    str | None,
    typer.Option(
        "--master",
        help="The Spark master URL, with --backend spark [default: local[2]].",
        show_default=False,
    ),
]
DataUriOption = Annotated[
    str | None,
    typer.Option(
        "--data-uri",
        help="Where Spark's executors read the data directory, as a URI such as "
        "dbfs:/Volumes/nhs/caresignal/data, with --backend spark "
        "[default: the data directory's own path].",
        show_default=False,
    ),
]


@contextmanager
def chosen_backend(
    name: str, master: str | None, data_uri: str | None = None
) -> Iterator[tuple[Backend | None, int]]:
    """The backend named on the command line (None for the local one) and the processes that
    design missing thresholds on this machine; a Spark session is stopped when the block ends.
    ``data_uri`` is where Spark's executors read the data directory (docs/spark.md).

    With Spark the designs are made by the tasks on Spark's executors, so no local worker
    processes are started.
    """
    if name not in BACKENDS:
        _fail(f"--backend {name!r} is not a backend", "choose local or spark")
    if name == "local":
        for option, value in (("--master", master), ("--data-uri", data_uri)):
            if value is not None:
                _fail(f"{option} is only used with --backend spark", "add --backend spark")
        yield None, os.cpu_count() or 1
        return
    from caresignal.monitor.spark import (
        DEFAULT_MASTER,
        SparkBackend,
        SparkUnavailableError,
        spark_session,
    )

    with ExitStack() as stack:
        try:
            session = stack.enter_context(spark_session(master or DEFAULT_MASTER))
        except SparkUnavailableError as error:  # the hint holds brackets: not rich markup
            _fail(error.message, None if error.hint is None else escape(error.hint))
        yield SparkBackend(session, location=data_uri), 1
