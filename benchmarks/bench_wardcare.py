"""Benchmark: scoring 10 million bedside observation sets and auditing their responses.

Run: ``.venv/bin/python benchmarks/bench_wardcare.py``. Prints one JSON line. The figure is the
best of three calls of :func:`caresignal.monitor.wardcare.audit` end to end (checks and joins of
the three tables, NEWS2 and the paediatric score, triggers and episodes, the response to each,
sepsis and weight audits, and the monthly indicators) on the same synthetic tables, drawn with a
fixed seed: one million stays on 200 wards (one in five a child's), ten sets of observations
each four hours apart with normal spreads around typical values (1 % of each value missing; a
child's work of breathing graded, one adult in a hundred pregnant), and after about one set in
twelve a response of a random kind some minutes later.

Issue 8's target is under 3 seconds for scoring 10 million observation sets and auditing their
responses on this project's machine.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from _timing import best_of
from caresignal.data.schema import CARER_ANSWERS, RESPONSE_KINDS, WORK_OF_BREATHING
from caresignal.monitor.wardcare import audit

STAYS = 1_000_000
SETS_PER_STAY = 10
ROWS = STAYS * SETS_PER_STAY
ISSUE_TARGET_SECONDS = 3.0
_START_US = int(dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp()) * 1_000_000


def _tables(seed: int = 8) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    stay = np.arange(STAYS)
    admitted = rng.integers(0, 365 * 24 * 60, STAYS)  # minutes into the year
    child = rng.random(STAYS) < 0.2
    age = np.where(child, rng.integers(0, 192, STAYS), rng.integers(192, 1100, STAYS))
    ids = pl.Series("encounter_id", stay).cast(pl.String).str.zfill(7)
    encounters = pl.DataFrame(
        {
            "encounter_id": ids,
            "patient_id": ids,
            "unit_code": pl.Series(rng.integers(0, 200, STAYS)).cast(pl.String),
            "admission_datetime": _times(admitted),
            "discharge_datetime": _times(admitted + SETS_PER_STAY * 240 + 60),
            "age_months": age,
            "sex": pl.Series(rng.choice(["female", "male"], STAYS)),
            # Recorded for adults (one in a hundred pregnant), not for children.
            "pregnant": pl.Series(rng.random(STAYS) < 0.01).zip_with(
                pl.Series(~child), pl.repeat(None, STAYS, eager=True, dtype=pl.Boolean)
            ),
        }
    )
    observations = _observations(rng, ids, admitted, child)
    return encounters, observations, _responses(rng, ids, admitted)


def _times(minutes: NDArray[np.int64]) -> pl.Series:
    """Minutes after the start of 2024 as date and time."""
    return pl.Series(_START_US + minutes.astype(np.int64) * 60_000_000).cast(pl.Datetime("us"))


def _measured(rng: np.random.Generator, centre: Any, spread: float, low: float, high: float,
              decimals: int = 0) -> NDArray[np.float64]:  # fmt: skip
    values = np.clip(np.round(rng.normal(centre, spread, ROWS), decimals), low, high)
    values[rng.random(ROWS) < 0.01] = np.nan
    return values


def _observations(
    rng: np.random.Generator, ids: pl.Series, admitted: NDArray[np.int64], child: NDArray[Any]
) -> pl.DataFrame:
    stay = np.repeat(np.arange(STAYS), SETS_PER_STAY)
    step = np.tile(np.arange(SETS_PER_STAY), STAYS)
    young = child[stay]
    # Every third set is weighed; three stays in ten lose 1 % of the first weight a set.
    losing = (rng.random(STAYS) < 0.3)[stay]
    weight = np.where(young, 15.0, 75.0) * (1 - 0.01 * step * losing)
    return pl.DataFrame(
        {
            "encounter_id": ids.gather(stay),
            "observation_datetime": _times(admitted[stay] + 30 + step * 240),
            "respiration_rate": _measured(rng, np.where(young, 30.0, 17.0), 4.0, 4, 100),
            "spo2": _measured(rng, 96.0, 2.5, 70, 100),
            "spo2_scale": np.where(rng.random(ROWS) < 0.05, 2, 1),
            "on_oxygen": rng.random(ROWS) < 0.12,
            "systolic_bp": _measured(rng, np.where(young, 95.0, 128.0), 20.0, 50, 250),
            "pulse": _measured(rng, np.where(young, 120.0, 82.0), 16.0, 30, 250),
            "consciousness": pl.Series(
                rng.choice(np.array(list("ACVPU")), ROWS, p=[0.96, 0.02, 0.01, 0.007, 0.003])
            ).cast(pl.Enum(list("ACVPU"))),
            "temperature": _measured(rng, 37.0, 0.6, 32, 42, decimals=1),
            "weight_kg": np.where(step % 3 == 0, np.round(weight, 1), np.nan),
            "capillary_refill_s": np.where(young, rng.choice([1.0, 2.0, 3.0], ROWS), np.nan),
        },
        nan_to_null=True,
    ).with_columns(
        pl.when(pl.Series(young))
        .then(pl.Series(rng.choice(np.array(WORK_OF_BREATHING), ROWS, p=[0.85, 0.1, 0.04, 0.01])))
        .cast(pl.Enum(list(WORK_OF_BREATHING)))
        .alias("work_of_breathing"),
        pl.when(pl.Series(young))
        .then(
            pl.Series(rng.choice(np.array(["worse", "same", "better"]), ROWS, p=[0.03, 0.8, 0.17]))
        )
        .cast(pl.Enum(list(CARER_ANSWERS)))
        .alias("carer_answer"),
    )


def _responses(
    rng: np.random.Generator, ids: pl.Series, admitted: NDArray[np.int64]
) -> pl.DataFrame:
    stay = np.repeat(np.arange(STAYS), SETS_PER_STAY)
    step = np.tile(np.arange(SETS_PER_STAY), STAYS)
    chosen = rng.random(ROWS) < 1 / 12
    stay, step = stay[chosen], step[chosen]
    delay = np.minimum(rng.exponential(40.0, len(stay)).astype(np.int64), 200)
    kinds = rng.choice(np.array(RESPONSE_KINDS), len(stay))
    return pl.DataFrame(
        {
            "encounter_id": ids.gather(stay),
            "response_datetime": _times(admitted[stay] + 30 + step * 240 + delay),
            "kind": pl.Series(kinds),
        }
    )


def main() -> None:
    encounters, observations, responses = _tables()
    seconds, result = best_of(3, lambda: audit(encounters, observations, responses))
    triggers = result.triggers
    print(
        json.dumps(
            {
                "benchmark": "wardcare.audit",
                "observation_sets": ROWS,
                "encounters": STAYS,
                "responses": responses.height,
                "seconds": round(seconds, 3),
                "rows_per_second": round(ROWS / seconds),
                "triggers": triggers.height,
                "episodes": int(triggers.get_column("first_in_episode").sum()),
                "sepsis_episodes": result.sepsis.height,
                "weight_flags": result.weight.height,
                "issue_target_seconds": ISSUE_TARGET_SECONDS,
                "meets_target": seconds < ISSUE_TARGET_SECONDS,
                "load_average_1min": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
