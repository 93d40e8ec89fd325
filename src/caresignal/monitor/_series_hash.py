"""The baseline hash of a recorded fit (private; see :mod:`caresignal.monitor.series`).

Version 2 (``"v2:sha256:<hex>"``) is the SHA-256 of:

1. the tag ``caresignal-baseline-v2`` and a newline;
2. for each column of the baseline cases, in the frame's column order (``unit``, ``date``,
   ``record_id``, ``outcome``, then the model's covariates as the fit sees them): the line
   ``name:dtype``, the rows' missing-value bits (``numpy.packbits``, one bit per row) and the
   values' bytes. Text is the rows' UTF-8 lengths (little-endian int64) then their bytes joined
   (a missing text counts as empty); dates and times their integer value (little-endian int64);
   every other column its values as little-endian float64 (missing as 0).

The rows are taken in the series order (unit, date, record): the record id is the births' key,
so that order is the same however the records were split into batches or read, and the hash
changes when any case in the window is added, removed or changed in a column the model reads.
Version 1 (``"sha256:<hex>"``, rows in record order, written by earlier versions of this module)
is no longer computed: a fit recorded with it cannot be compared (see ``docs/monitor-series.md``).
"""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl

#: What a hash of the current definition starts with.
PREFIX = "v2:sha256:"
_TAG = b"caresignal-baseline-v2\n"


def baseline_hash(baseline: pl.DataFrame) -> str:
    """The version-2 hash of ``baseline``, whose rows are in the series order (see above)."""
    digest = hashlib.sha256(_TAG)
    for name in baseline.columns:
        column = baseline.get_column(name)
        digest.update(f"{name}:{column.dtype}\n".encode())
        digest.update(np.packbits(column.is_null().to_numpy()).tobytes())
        digest.update(_value_bytes(column))
    return PREFIX + digest.hexdigest()


def comparable(recorded: str) -> bool:
    """Whether a recorded hash is of the current definition (else the baseline is unchecked)."""
    return recorded.startswith(PREFIX)


def _value_bytes(column: pl.Series) -> bytes:
    if isinstance(column.dtype, pl.String | pl.Categorical | pl.Enum):
        text = column.cast(pl.String).fill_null("")
        lengths = text.str.len_bytes().cast(pl.Int64).to_numpy().astype("<i8").tobytes()
        joined = text.str.join("").item() if text.len() else ""
        return lengths + str(joined).encode()
    if column.dtype.is_temporal():
        return column.to_physical().cast(pl.Int64).fill_null(0).to_numpy().astype("<i8").tobytes()
    return column.cast(pl.Float64).fill_null(0).to_numpy().astype("<f8").tobytes()
