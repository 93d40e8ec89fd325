"""Demo, part 5: the synthetic national dataset in the data directory, and the truth behind it.

On the demo's first run the data directory is empty: the synthetic dataset is generated and
imported through the same validated path as any user's file (:func:`import_synthetic`). Every run
then summarises what the directory holds: the records per table, the organisations, the births'
outcome rates beside the England rates the generator was calibrated to, and the problems hidden in
the data (from ``truth.json``) that caresignal's monitor must find.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from caresignal.clock import Clock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import TRUTH, import_synthetic
from caresignal.data.schema import SCHEMAS

if TYPE_CHECKING:
    from caresignal.data.synth import Scale


@dataclass(frozen=True, slots=True)
class Rate:
    """An outcome's rate in the loaded births beside England's, both per ``per`` of ``among``.

    ``observed`` is None when no births of that kind are loaded.
    """

    outcome: str
    among: str
    per: int
    observed: float | None
    england: float


@dataclass(frozen=True, slots=True)
class HiddenProblem:
    """One problem the generator put in the data (``truth.json``), for the monitor to find."""

    id: str
    where: str
    indicators: tuple[str, ...]
    start_date: str
    description: str


@dataclass(frozen=True, slots=True)
class SyntheticSection:
    """What the data directory holds and what is hidden in it."""

    data_dir: str
    loaded_now: bool
    records: dict[str, int]  # the tables holding records, with how many
    trusts: int
    sites: int
    units: int
    first_birth: str | None
    last_birth: str | None
    rates: tuple[Rate, ...]
    problems: tuple[HiddenProblem, ...]

    def to_dict(self) -> dict[str, Any]:
        """The section as JSON-ready values."""
        return asdict(self)


#: Every birth: a column condition (a literal True would be summed once, not once per row).
EVERY_BIRTH = pl.col("record_id").is_not_null()

#: England's rates the generator is calibrated to (issue 3; MBRRACE-UK, NMPA), per ``per``.
ENGLAND = (
    ("stillbirth", "births", 1000, 3.3, pl.col("stillbirth") != "no", EVERY_BIRTH),
    (
        "neonatal death",
        "live births",
        1000,
        1.5,
        pl.col("neonatal_death"),
        pl.col("stillbirth") == "no",
    ),
    (
        "HIE grade 2–3 at term",
        "term births",
        1000,
        1.0,
        pl.col("hie_grade_2_3"),
        pl.col("gestation_weeks") >= 37,
    ),
    ("haemorrhage ≥ 1,500 ml", "births", 100, 3.0, pl.col("haemorrhage_1500ml"), EVERY_BIRTH),
    (
        "3rd/4th-degree tear",
        "vaginal births",
        100,
        3.0,
        pl.col("tear_3rd_4th"),
        pl.col("birth_mode").is_in(["spontaneous_vaginal", "instrumental"]),
    ),
    (
        "5-minute Apgar < 7",
        "live births",
        100,
        1.0,
        pl.col("apgar5_below_7"),
        pl.col("stillbirth") == "no",
    ),
)


def ensure_loaded(
    dataset: Dataset,
    *,
    scale: Scale,
    seed: int,
    clock: Clock,
    exposure_indicators: Collection[str] = (),
    on_stage: Callable[[str], None] | None = None,
) -> bool:
    """Load the synthetic dataset if the data directory holds nothing yet; say whether it did."""
    if dataset.history():
        return False
    import_synthetic(
        dataset,
        scale,
        seed,
        clock=clock,
        exposure_indicators=exposure_indicators,
        on_stage=on_stage,
    )
    return True


def analyse_synthetic(dataset: Dataset, *, loaded_now: bool) -> SyntheticSection:
    """Summarise the records in the data directory and the truth file beside them."""
    snapshot = dataset.snapshot()
    counts = {name: snapshot.table(name).select(pl.len()).collect().item() for name in SCHEMAS}
    records = {name: count for name, count in counts.items() if count}  # tables with records
    levels = snapshot.table("organisations").group_by("level").len().collect()
    count = dict(zip(levels["level"].to_list(), levels["len"].to_list(), strict=True))
    births = snapshot.table("births")
    span = births.select(
        first=pl.col("birth_datetime").min(), last=pl.col("birth_datetime").max()
    ).collect()
    first, last = span["first"].item(), span["last"].item()
    return SyntheticSection(
        data_dir=str(dataset.directory),
        loaded_now=loaded_now,
        records=records,
        trusts=count.get("trust", 0),
        sites=count.get("site", 0),
        units=count.get("unit", 0),
        first_birth=None if first is None else first.date().isoformat(),
        last_birth=None if last is None else last.date().isoformat(),
        rates=_rates(births),
        problems=_problems(dataset),
    )


def _rates(births: pl.LazyFrame) -> tuple[Rate, ...]:
    columns = []
    for i, (_, _, _, _, event, among) in enumerate(ENGLAND):
        columns += [(event & among).sum().alias(f"e{i}"), among.sum().alias(f"n{i}")]
    totals = births.select(columns).collect().row(0)
    return tuple(
        Rate(outcome, population, per, _rate(totals[2 * i], totals[2 * i + 1], per), england)
        for i, (outcome, population, per, england, _, _) in enumerate(ENGLAND)
    )


def _rate(events: int | None, cases: int | None, per: int) -> float | None:
    return None if not cases else per * float(events or 0) / cases


def _problems(dataset: Dataset) -> tuple[HiddenProblem, ...]:
    path = dataset.directory / TRUTH
    if not path.exists():
        return ()
    truth = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        HiddenProblem(
            id=str(problem["id"]),
            where=str(problem.get("unit_code") or problem.get("site_code") or ""),
            indicators=tuple(problem.get("indicators", ())),
            start_date=str(problem.get("start_date") or ""),
            description=str(problem.get("description", "")),
        )
        for problem in truth.get("problems", ())
    )
