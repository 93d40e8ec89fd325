"""Scoring every set of bedside observations (private; see :mod:`caresignal.monitor.wardcare`).

Each set is scored on its stay's age at admission: NEWS2 from 16 years (192 months), the
paediatric score below. The tables record no pregnancy, so NEWS2 cannot leave out pregnant
patients here (docs/wardcare.md says so). The columns go to :mod:`caresignal.stats.ews` as
numbers and category codes, so that nothing is matched as text row by row.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.data.schema import ACVPU, CARER_ANSWERS
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


def _numbers(frame: pl.DataFrame, name: str) -> NDArray[np.float64]:
    if name not in frame.columns:
        return np.full(frame.height, np.nan)
    return frame.get_column(name).cast(pl.Float64).fill_null(np.nan).to_numpy()


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


def _oxygen(frame: pl.DataFrame) -> NDArray[np.float64]:
    return frame.get_column("on_oxygen").cast(pl.Float64).fill_null(np.nan).to_numpy()


def score_observations(
    frame: pl.DataFrame, ages: NDArray[np.float64], table: PewsTable | None
) -> pl.DataFrame:
    """``score``, ``aggregate``, ``level``, ``carer_worse`` and ``reason`` for each row of
    ``frame`` (observations; ``ages`` their stays' ages at admission in months), in order."""
    n = frame.height
    adult = ages >= ADULT_MONTHS
    aggregate = np.full(n, np.nan)
    level = np.full(n, ews.NOT_DETERMINED, dtype=np.int8)
    reason = np.zeros(n, dtype=np.int8)
    values = {name: _numbers(frame, name) for name in _MEASURED}
    values["on_oxygen"] = _oxygen(frame)
    consciousness = _codes(frame, "consciousness", ACVPU)
    carer = _codes(frame, "carer_answer", CARER_ANSWERS)
    if adult.any():
        scale = frame.get_column("spo2_scale").fill_null(1).cast(pl.Int8).to_numpy()
        result = ews.news2(
            values["respiration_rate"][adult],
            values["spo2"][adult],
            spo2_scale=scale[adult],
            on_oxygen=values["on_oxygen"][adult],
            systolic_bp=values["systolic_bp"][adult],
            pulse=values["pulse"][adult],
            consciousness=consciousness[adult],
            temperature=values["temperature"][adult],
        )
        aggregate[adult], level[adult], reason[adult] = (
            result.aggregate,
            result.trigger,
            result.reason,
        )
    child = ~adult
    if child.any():
        aggregate[child], level[child], reason[child] = _children(
            ages[child],
            {name: column[child] for name, column in values.items()},
            consciousness[child],
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


_MEASURED = (
    "respiration_rate", "spo2", "systolic_bp", "pulse", "temperature", "capillary_refill_s",
)  # fmt: skip


def _children(
    ages: NDArray[np.float64],
    values: dict[str, NDArray[np.float64]],
    consciousness: NDArray[np.int8],
    table: PewsTable | None,
) -> tuple[NDArray[np.float64], NDArray[np.int8], NDArray[np.int8]]:
    """The paediatric score of the children's rows: aggregate, escalation by the score alone
    (the carer's answer is audited as a trigger of its own) and reason code.

    The tables record no work of breathing, so it is given as not recorded; the shipped table
    requires it, so children's rows have no aggregate and escalate only on what the recorded
    values already reach (docs/wardcare.md).
    """
    table = ews.default_pews_table() if table is None else table
    labels = table.parameters["consciousness"].labels if "consciousness" in table.parameters else ()
    # ACVPU position -> the table's label position; "C" has no place on the paediatric chart.
    lookup = np.array([labels.index(c) if c in labels else -1 for c in ACVPU] + [-1], np.int8)
    given = {
        "respiration_rate": values["respiration_rate"],
        "work_of_breathing": np.full(len(ages), -1, dtype=np.int8),
        "spo2": values["spo2"],
        "on_oxygen": values["on_oxygen"],
        "heart_rate": values["pulse"],
        "systolic_bp": values["systolic_bp"],
        "capillary_refill": values["capillary_refill_s"],
        "consciousness": lookup[consciousness],  # -1 (not recorded) indexes the final -1
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
