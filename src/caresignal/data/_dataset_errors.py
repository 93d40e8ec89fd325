"""The errors of the data directory (:mod:`caresignal.data.dataset`), each with a hint.

They are re-exported by :mod:`caresignal.data.dataset`; import them from there.
"""

from __future__ import annotations

from caresignal.errors import CaresignalError

__all__ = [
    "BatchFileMissingError",
    "DatasetBusyError",
    "DatasetError",
    "DuplicateRecordsError",
    "EmptyBatchError",
    "LedgerCorruptError",
    "LedgerMissingError",
    "UnknownRecordsError",
    "UnknownTableError",
]


class DatasetError(CaresignalError):
    """Something about the data directory or a batch stopped a read or an import."""


class LedgerCorruptError(DatasetError):
    """The import ledger cannot be read: it is not the JSON this version of caresignal writes."""


class LedgerMissingError(DatasetError):
    """Batch files are present but the import ledger that says which of them count is not."""


class BatchFileMissingError(DatasetError):
    """The ledger names a batch file that is not in the data directory."""


class DatasetBusyError(DatasetError):
    """Another process is writing to the data directory and did not finish in time."""


class UnknownTableError(DatasetError, LookupError):
    """A table was asked for by a name that is not one of the declared input tables."""


class EmptyBatchError(DatasetError):
    """A batch with no rows was offered: there is nothing to load."""


class DuplicateRecordsError(DatasetError):
    """A batch holds a record twice, or a record that is already loaded (without correcting it)."""


class UnknownRecordsError(DatasetError):
    """A correction names records that are not loaded, so there is nothing for it to replace."""
