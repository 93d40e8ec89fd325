"""Scoring every set of bedside observations (private; see :mod:`caresignal.monitor.wardcare`).

Each set is scored on its stay's age at admission: NEWS2 from 16 years (192 months), except for
a stay flagged pregnant, and the paediatric score below. The columns go to
:mod:`caresignal.stats.ews` as numbers and category codes, so that nothing is matched as text
row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.data.schema import ACVPU, CARER_ANSWERS, WORK_OF_BREATHING
from caresignal.stats import ews
from caresignal.stats.ews import PewsTable

__all__ = ["ADULT_MONTHS", "REASONS", "SCORES", "score_observations"]

#: NEWS2 is for people aged 16 and over (RCP 2017): 192 months.
ADULT_MONTHS = 192
#: The score of each row: its code is its position.
SCORES = ("NEWS2", "PEWS")
#: Why a row has no aggregate (or "scored"): its code is its position.
REASONS = (
    ews.REASONS[ews.SCORED],
    ews.REASONS[ews.MISSING_VALUE],
    ews.REASONS[ews.UNDER_16],
    ews.REASONS[ews.PREGNANT],
    "new confusion (C) is not on the paediatric chart; consciousness is taken as not recorded",
)
_CONFUSION_UNSCORED = 4


def _codes(frame: pl.DataFrame, name: str, labels: Sequence[str]) -> NDArray[np.int8]:
    """A text column as positions in ``labels`` (-1 where null or absent)."""
    if name not in frame.columns:
        return np.full(frame.height, -1, dtype=np.int8)
    column = frame.get_column(name)
    enum = pl.Enum(list(labels))
    if column.dtype != enum:
        text = column.cast(pl.String)
        bad = text.is_not_null() & ~text.is_in(list(labels))
        if bad.any():
            row = int(bad.arg_true()[0])
            raise ValueError(
                f"observations: row {row + 1}, column {name}: {text[row]!r} is not allowed; "
                f"expected one of {', '.join(labels)}, or empty where not recorded"
            )
        column = text.cast(enum)
    return column.to_physical().cast(pl.Int8).fill_null(-1).to_numpy()


def _oxygen(frame: pl.DataFrame) -> NDArray[np.float64] | NDArray[np.bool_]:
    """On oxygen as booleans, or as 1.0/0.0 with NaN where not recorded."""
    column = frame.get_column("on_oxygen")
    if column.dtype == pl.Boolean and not column.null_count():
        return column.to_numpy()
    return column.cast(pl.Float64).fill_null(np.nan).to_numpy()


def score_observations(
    frame: pl.DataFrame,
    ages: NDArray[np.float64],
    pregnant: NDArray[np.bool_],
    table: PewsTable | None,
) -> pl.DataFrame:
    """``score``, ``aggregate``, ``level``, ``carer_worse`` and ``reason`` for each row of
    ``frame`` (observations; ``ages`` their stays' ages at admission in months, ``pregnant``
    whether their stays are flagged pregnant), in order.

    NEWS2 is computed on every row, which is quicker than picking out the adults' rows when
    most rows are adults'; the children's rows then take the paediatric score instead.
    """
    n = frame.height
    adult = ages >= ADULT_MONTHS
    child = ~adult
    values = _measured(frame)
    values["on_oxygen"] = _oxygen(frame)
    consciousness = _codes(frame, "consciousness", ACVPU)
    carer = _codes(frame, "carer_answer", CARER_ANSWERS)
    if adult.any():
        result = ews.news2(
            values["respiration_rate"],
            values["spo2"],
            spo2_scale=frame.get_column("spo2_scale").fill_null(1).cast(pl.Int8).to_numpy(),
            on_oxygen=values["on_oxygen"],
            systolic_bp=values["systolic_bp"],
            pulse=values["pulse"],
            consciousness=consciousness,
            temperature=values["temperature"],
            pregnant=pregnant if pregnant.any() else None,
        )
        aggregate = result.aggregate.copy()
        level, reason = result.trigger.copy(), result.reason.copy()
    else:
        aggregate = np.full(n, np.nan)
        level = np.full(n, ews.NOT_DETERMINED, dtype=np.int8)
        reason = np.zeros(n, dtype=np.int8)
    if child.any():
        rows = np.flatnonzero(child)
        aggregate[rows], level[rows], reason[rows] = _children(
            ages[rows],
            {name: column[rows] for name, column in values.items()},
            consciousness[rows],
            _codes(frame, "work_of_breathing", WORK_OF_BREATHING)[rows],
            table,
        )
    worse = carer == CARER_ANSWERS.index("worse")
    return pl.DataFrame(
        {
            "score": pl.Series(SCORES, dtype=pl.Enum(SCORES)).gather(child.view(np.int8)),
            "aggregate": pl.Series(aggregate, nan_to_null=True),
            "level": level,
            "carer_worse": worse,
            "reason": pl.Series(REASONS, dtype=pl.Enum(REASONS)).gather(reason),
        }
    )


def _measured(frame: pl.DataFrame) -> dict[str, NDArray[Any]]:
    """The measured columns as float64 with NaN where not recorded (NaN throughout if absent),
    converted together so that polars spreads them over the cores."""
    present = [name for name in _MEASURED if name in frame.columns]
    floats = frame.select(pl.col(present).cast(pl.Float64).fill_null(np.nan))
    return {
        name: floats.get_column(name).to_numpy() if name in present else np.full(len(frame), np.nan)
        for name in _MEASURED
    }


_MEASURED = (
    "respiration_rate", "spo2", "systolic_bp", "pulse", "temperature", "capillary_refill_s",
)  # fmt: skip


def _children(
    ages: NDArray[np.float64],
    values: dict[str, NDArray[Any]],
    consciousness: NDArray[np.int8],
    breathing: NDArray[np.int8],
    table: PewsTable | None,
) -> tuple[NDArray[np.float64], NDArray[np.int8], NDArray[np.int8]]:
    """The paediatric score of the children's rows: aggregate, escalation by the score alone
    (the carer's answer is audited as a trigger of its own) and reason code.

    ``consciousness`` and ``breathing`` are positions in ACVPU and in the observations table's
    work-of-breathing grades (-1 where not recorded); each is matched to the table's own labels
    by name, and a grade the table does not have counts as not recorded.
    """
    table = ews.default_pews_table() if table is None else table
    given = {
        "respiration_rate": values["respiration_rate"],
        "work_of_breathing": _relabel(breathing, WORK_OF_BREATHING, table, "work_of_breathing"),
        "spo2": values["spo2"],
        "on_oxygen": values["on_oxygen"],
        "heart_rate": values["pulse"],
        "systolic_bp": values["systolic_bp"],
        "capillary_refill": values["capillary_refill_s"],
        "consciousness": _relabel(consciousness, ACVPU, table, "consciousness"),
        "temperature": values["temperature"],
    }
    scored = {name: value for name, value in given.items() if name in table.parameters}
    result = ews.pews(
        ages,
        **{"respiration_rate": None, **scored},
        carer_concern=None,  # the carer's "worse" is a trigger of its own, not the score's
        table=table,
    )
    reason = np.asarray(result.reason).copy()
    if "consciousness" in table.parameters:
        reason[consciousness == ACVPU.index("C")] = _CONFUSION_UNSCORED
    return np.asarray(result.aggregate), np.asarray(result.escalation), reason


def _relabel(
    codes: NDArray[np.int8], labels: Sequence[str], table: PewsTable, parameter: str
) -> NDArray[np.int8]:
    """Positions in ``labels`` as positions in the table's labels for ``parameter`` (-1 where
    not recorded, or where the table has no such label: "C" has no place on the paediatric
    chart)."""
    own = table.parameters[parameter].labels if parameter in table.parameters else ()
    lookup = np.array([own.index(name) if name in own else -1 for name in labels] + [-1], np.int8)
    relabelled: NDArray[np.int8] = lookup[codes]  # -1 (not recorded) indexes the final -1
    return relabelled
