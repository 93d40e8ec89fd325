"""Durable file operations of the data directory: the lock, atomic replacement, orphan clean-up.

Every write follows the same order: write a temporary file, flush it to disk (``fsync``), rename
it into place (``os.replace``, atomic on POSIX) and flush the directory that holds it, so that a
crash at any moment leaves either the old file or the new one. Each durable step calls
``on_step`` with its name (:data:`STEPS`) once it is done; the crash test stops the process there.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Collection
from pathlib import Path

import polars as pl

from caresignal.data._dataset_errors import DatasetBusyError

__all__ = [
    "LEDGER",
    "LOCK",
    "STEPS",
    "OnStep",
    "acquire_lock",
    "ensure_directory",
    "release_lock",
    "remove_orphans",
    "write_atomic",
    "write_batch_file",
]

LEDGER = "ledger.json"
LOCK = "dataset.lock"
BATCHES = "batches"
OnStep = Callable[[str], None]

#: The durable steps of a write, in the order an import takes them.
STEPS = (
    "orphan_removed",
    "batch_temp_written",
    "batch_temp_synced",
    "batch_renamed",
    "batch_dir_synced",
    "ledger_temp_written",
    "ledger_temp_synced",
    "ledger_replaced",
    "ledger_dir_synced",
)
_POLL_SECONDS = 0.05


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


def _sync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def ensure_directory(path: Path) -> None:
    """Create ``path`` and any missing parents, each flushed into the directory that holds it."""
    if path.is_dir():
        return
    ensure_directory(path.parent)
    with contextlib.suppress(FileExistsError):
        path.mkdir()
    _sync_directory(path.parent)


def write_atomic(path: Path, data: bytes, on_step: OnStep, step_prefix: str) -> None:
    """Replace ``path`` by a file holding ``data``: write a temporary file, sync, rename, sync.

    The steps reported are ``<step_prefix>_temp_written``, ``_temp_synced``, ``_replaced`` and
    ``_dir_synced``.
    """
    temporary = _temporary(path)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        on_step(f"{step_prefix}_temp_written")
        os.fsync(descriptor)
        on_step(f"{step_prefix}_temp_synced")
    finally:
        os.close(descriptor)
    os.replace(temporary, path)
    on_step(f"{step_prefix}_replaced")
    _sync_directory(path.parent)
    on_step(f"{step_prefix}_dir_synced")


def write_batch_file(frame: pl.DataFrame, path: Path, on_step: OnStep) -> None:
    """Write ``frame`` as the Parquet file ``path`` (zstd), which must not yet be in the ledger."""
    ensure_directory(path.parent)
    temporary = _temporary(path)
    frame.write_parquet(temporary, compression="zstd", statistics=True)
    on_step("batch_temp_written")
    _sync_file(temporary)
    on_step("batch_temp_synced")
    os.replace(temporary, path)
    on_step("batch_renamed")
    _sync_directory(path.parent)
    on_step("batch_dir_synced")


def remove_orphans(directory: Path, named: Collection[str], on_step: OnStep) -> tuple[str, ...]:
    """Delete the files an interrupted write left behind; return their paths (relative, sorted).

    Those are the ledger's temporary file and every file under ``batches/<table>/`` that the
    ledger does not name (``named`` holds the named paths, relative to ``directory``).
    """
    candidates = [_temporary(directory / LEDGER)]
    batches = directory / BATCHES
    if batches.is_dir():
        for folder in sorted(path for path in batches.iterdir() if path.is_dir()):
            candidates.extend(sorted(path for path in folder.iterdir() if path.is_file()))
    removed = []
    for path in candidates:
        relative = path.relative_to(directory).as_posix()
        if relative in named or not path.is_file():
            continue
        path.unlink()
        _sync_directory(path.parent)
        removed.append(relative)
        on_step("orphan_removed")
    return tuple(removed)


def acquire_lock(path: Path, wait: float | None) -> int:
    """Take the exclusive lock on the file ``path``; return its descriptor.

    Waits for another holder for up to ``wait`` seconds (for ever if ``None``), then raises
    :class:`DatasetBusyError` naming the process that holds the lock.
    """
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _lock(descriptor, path, wait)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _lock(descriptor: int, path: Path, wait: float | None) -> None:
    if wait is None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise _busy(descriptor, path, wait) from None
            time.sleep(_POLL_SECONDS)


def _busy(descriptor: int, path: Path, wait: float) -> DatasetBusyError:
    holder = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
    who = f"process {holder}" if holder.isdigit() else "another process"
    return DatasetBusyError(
        f"{who} is writing to the data directory {path.parent} (it holds {path.name}); "
        f"waited {wait:g} s",
        hint="wait for the other import to finish, then try again",
    )


def release_lock(descriptor: int) -> None:
    """Release the lock taken by :func:`acquire_lock`."""
    try:
        os.ftruncate(descriptor, 0)
    finally:
        os.close(descriptor)
