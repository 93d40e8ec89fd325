"""Synthetic data, part 19b: the bedside simulation's sets and responses as the observations and
responses tables (see :mod:`caresignal.data._synth_bedside`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.data._synth_vitals import CARER_ANSWERS
from caresignal.data.schema import RESPONSE_KINDS, WORK_OF_BREATHING
from caresignal.stats import ews

__all__ = ["datetimes", "encounter_ids", "observations_frame", "responses_frame"]

IntArray = NDArray[np.int64]


def observations_frame(parts: list[dict[str, NDArray[Any]]]) -> pl.DataFrame:
    """The observations table from the simulation's sets, one dict of columns per step."""
    columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    stay, time = columns.pop("stay"), columns.pop("time")
    consciousness = columns.pop("consciousness")
    carer = columns.pop("carer_answer")
    breathing = columns.pop("work_of_breathing")
    integers = ("respiration_rate", "spo2", "systolic_bp", "pulse")
    frame = pl.DataFrame(
        {
            "encounter_id": encounter_ids(stay),
            "observation_datetime": datetimes(time),
            **{name: pl.Series(columns[name]).fill_nan(None).cast(pl.Int64) for name in integers},
            "spo2_scale": pl.repeat(1, stay.size, eager=True, dtype=pl.Int64),
            "on_oxygen": pl.Series(columns["on_oxygen"], dtype=pl.Boolean),
            "consciousness": pl.Series(ews.CONSCIOUSNESS_LABELS, dtype=pl.String).gather(
                consciousness
            ),
            **{
                name: pl.Series(columns[name]).fill_nan(None)
                for name in ("temperature", "weight_kg", "capillary_refill_s")
            },
            "work_of_breathing": _labels(WORK_OF_BREATHING, breathing),
            "carer_answer": _labels(CARER_ANSWERS, carer),
        }
    )
    return frame.sort("encounter_id", "observation_datetime")


def responses_frame(parts: list[tuple[IntArray, IntArray, IntArray]]) -> pl.DataFrame:
    """The responses table from the simulation's responses: (stays, minutes, kinds) each."""
    stay, time, kind = (np.concatenate([part[k] for part in parts]) for k in range(3))
    frame = pl.DataFrame(
        {
            "encounter_id": encounter_ids(stay),
            "response_datetime": datetimes(time),
            "kind": pl.Series(RESPONSE_KINDS, dtype=pl.String).gather(kind),
        }
    )
    return frame.unique(maintain_order=True).sort("encounter_id", "response_datetime", "kind")


def _labels(labels: tuple[str, ...], codes: NDArray[np.int8]) -> pl.Series:
    """Labels by position; -1 (not recorded) becomes empty."""
    named = pl.Series(labels, dtype=pl.String).gather(np.maximum(codes, 0))
    empty = pl.repeat(None, codes.size, eager=True, dtype=pl.String)
    return named.zip_with(pl.Series(codes >= 0), empty)


def datetimes(minutes: IntArray) -> pl.Series:
    """Minutes since 1970 as date-times."""
    return pl.Series(minutes * 60_000_000).cast(pl.Datetime("us"))


def encounter_ids(stay: IntArray) -> pl.Series:
    """Encounter ids: ``E`` and the stay's position (stays are in order of admission)."""
    numbers = pl.DataFrame({"n": stay})
    return numbers.select(pl.format("E{}", pl.col("n").cast(pl.String).str.zfill(9))).to_series()
