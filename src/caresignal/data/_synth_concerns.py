"""Synthetic data, part 14: historical ``concerns`` and ``recommendations``.

Concerns arrive month by month at every unit (Poisson, by channel), each coded with an HCAT
category (5 % left uncoded), acknowledged within a few days and mostly answered within weeks. The
failing paediatric ward's concerns rise and more of them are about not being listened to; its
complaints are exactly the ``complaints`` numerators of ``counts``. Recommendations are a few a
year per trust, plus the inspection's recommendations to the failing ward's trust.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
from numpy.typing import NDArray

from caresignal.data._synth_plan import Plan
from caresignal.data._synth_problems import WARD_CHANGES
from caresignal.data._synth_scales import epoch_days, stream
from caresignal.data._synth_texts import (
    CONCERN_CLOSINGS,
    CONCERN_CORES,
    CONCERN_DETAILS,
    CONCERN_OPENINGS,
    CONCERN_VAGUE,
    CONCERN_WHEN,
    CONCERN_WHO,
    OWNER_ROLES,
    RECOMMENDATION_TEXTS,
)
from caresignal.data._synth_wards import Grid, grid, paediatric_months
from caresignal.data.schema import CONCERNS, RECOMMENDATIONS

__all__ = ["concerns_table", "recommendations_table"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_CHANNELS = ("complaint", "pals", "online", "phone", "letter", "staff", "marthas_rule")
#: Concerns by other channels for each complaint.
_PER_COMPLAINT = np.array([1.0, 0.8, 0.3, 0.2, 0.1, 0.15, 0.1])
_CATEGORIES = tuple(CONCERN_CORES)
#: Shares of the categories other than listening (whose share is set apart, per ward and month).
_OTHER_SHARES = {
    "quality": 0.25,
    "safety": 0.17,
    "environment": 0.08,
    "institutional_processes": 0.14,
    "communication": 0.17,
    "respect_and_patient_rights": 0.08,
}
_LISTENING = WARD_CHANGES["concerns_listening_share"][0]
_UNCODED = 0.05
_MARTHAS_RULE = date(2024, 4, 1)
#: Complaints a month at an ordinary unit: per 1,000 births a year, per 1,000 ED attendances a
#: month, per adult ward.
_RATES = {"maternity": 0.4, "emergency_department": 0.25, "adult_ward": 1.0}


def _channel_counts(rng: np.random.Generator, cells: dict[str, FloatArray], g: Grid) -> IntArray:
    """Concerns per cell and channel: the complaints given, the other channels Poisson."""
    expected = np.outer(cells["rate"], _PER_COMPLAINT[1:])
    expected[g.day < epoch_days(_MARTHAS_RULE)[0], -1] = 0.0
    return np.column_stack([cells["complaints"], rng.poisson(expected)]).astype(np.int64)


def _categories(rng: np.random.Generator, listening: FloatArray) -> IntArray:
    others = np.array([_OTHER_SHARES.get(name, 0.0) for name in _CATEGORIES])
    others /= others.sum()
    shares = np.outer(1 - listening, others)
    shares[:, _CATEGORIES.index("listening")] = listening
    u = rng.random(listening.size)
    category = (u[:, None] > np.cumsum(shares, axis=1)[:, :-1]).sum(axis=1)
    uncoded = rng.random(listening.size) < _UNCODED
    return np.where(uncoded, len(_CATEGORIES), category).astype(np.int64)


def _pick_texts(
    rng: np.random.Generator, texts: dict[str, tuple[str, ...]], group: IntArray
) -> pl.Series:
    """One text per row, drawn from the texts of the row's group (a position in ``texts``)."""
    sizes = np.array([len(values) for values in texts.values()])
    offsets = np.cumsum(sizes) - sizes
    which = offsets[group] + np.floor(rng.random(group.size) * sizes[group]).astype(np.int64)
    flat = [text for values in texts.values() for text in values]
    return pl.Series(flat, dtype=pl.String).gather(which)


#: How often a text has each optional part: an opening, a detail, a second thing it is about,
#: an angry or a calm ending; and how often it is vague (nothing but a vague sentence).
_PARTS = {"opening": 0.4, "detail": 0.5, "second": 0.2, "angry": 0.25, "calm": 0.3, "vague": 0.05}
_LINKS = (
    "Another thing.",
    "And that was not all.",
    "There is something else too.",
    "One more thing.",
)


def _some(rng: np.random.Generator, values: pl.Series, n: int, share: float) -> pl.Series:
    """One of ``values`` for a share of ``n`` rows, null for the rest."""
    pick = pl.Series(np.floor(rng.random(n) * values.len()).astype(np.int64))
    return values.gather(pick).set(pl.Series(rng.random(n) >= share), None)


def _texts(rng: np.random.Generator, category: IntArray) -> pl.Series:
    """What each person wrote, composed from parts: an opening (some), the main thing (of the
    row's category; any category's if uncoded), a detail (some), a second thing of another
    category (a few), an angry or calm ending (some); a few are vague. Whole columns at a time."""
    n = category.size
    topic = np.where(category == len(_CATEGORIES), rng.integers(0, len(_CATEGORIES), n), category)
    other = (topic + rng.integers(1, len(_CATEGORIES), n)) % len(_CATEGORIES)
    core = _pick_texts(rng, CONCERN_CORES, topic)
    vague = rng.random(n) < _PARTS["vague"]
    tone = rng.random(n)
    angry = pl.Series(CONCERN_CLOSINGS["angry"], dtype=pl.String)
    calm = pl.Series(CONCERN_CLOSINGS["calm"], dtype=pl.String)
    parts = pl.DataFrame(
        {
            "opening": _some(
                rng, pl.Series(CONCERN_OPENINGS, dtype=pl.String), n, _PARTS["opening"]
            ),
            "core": core.zip_with(pl.Series(~vague), _some(rng, pl.Series(CONCERN_VAGUE), n, 1.0)),
            "detail": _pick_texts(rng, CONCERN_DETAILS, topic).set(
                pl.Series((rng.random(n) >= _PARTS["detail"]) | vague), None
            ),
            "link": _some(rng, pl.Series(_LINKS), n, 1.0),
            "second": _pick_texts(rng, CONCERN_CORES, other).set(
                pl.Series((rng.random(n) >= _PARTS["second"]) | vague), None
            ),
            "closing": _some(rng, angry, n, 1.0).zip_with(
                pl.Series(tone < _PARTS["angry"]),
                _some(rng, calm, n, 1.0).set(
                    pl.Series(tone >= _PARTS["angry"] + _PARTS["calm"]), None
                ),
            ),
            "who": _some(rng, pl.Series(CONCERN_WHO), n, 1.0),
            "when": _some(rng, pl.Series(CONCERN_WHEN), n, 1.0),
        }
    )
    second = pl.when(pl.col("second").is_not_null()).then(
        pl.concat_str("link", "second", separator=" ")
    )
    text = pl.concat_str(
        "opening", "core", "detail", second, "closing", separator=" ", ignore_nulls=True
    )
    who = pl.col("who")
    capital = who.str.slice(0, 1).str.to_uppercase() + who.str.slice(1)
    text = (
        text.str.replace_all("{who}", who, literal=True)
        .str.replace_all("{Who}", capital, literal=True)
        .str.replace_all("{when}", pl.col("when"), literal=True)
    )
    return parts.select(text.alias("text")).to_series()


def _dates(rng: np.random.Generator, received: IntArray, last: int) -> tuple[pl.Series, ...]:
    n = received.size
    quick = rng.random(n) < 0.9
    acknowledged = received + np.where(quick, rng.integers(0, 4, n), rng.integers(4, 15, n))
    answered = received + np.round(rng.lognormal(np.log(35.0), 0.5, n))
    answered = np.where(rng.random(n) < 0.03, last + 1, answered)
    return tuple(
        pl.Series(np.where(day > last, np.nan, day), nan_to_null=True).cast(pl.Int32).cast(pl.Date)
        for day in (received, acknowledged, answered)
    )


def _concerns(
    rng: np.random.Generator,
    plan: Plan,
    codes: tuple[str, ...],
    g: Grid,
    cells: dict[str, FloatArray],
) -> pl.DataFrame:
    counts = _channel_counts(rng, cells, g)
    cell = np.repeat(np.repeat(np.arange(g.unit.size), counts.shape[1]), counts.ravel())
    channel = np.tile(np.arange(counts.shape[1]), g.unit.size).repeat(counts.ravel())
    received = g.day[cell] + np.floor(rng.random(cell.size) * g.length[cell]).astype(np.int64)
    category = _categories(rng, cells["listening"][cell])
    received_date, acknowledged, answered = _dates(rng, received, int(epoch_days(plan.end)[0]))
    return pl.DataFrame(
        {
            "received_date": received_date,
            "unit_code": pl.Series(codes, dtype=pl.String).gather(g.unit[cell]),
            "channel": pl.Series(_CHANNELS, dtype=pl.String).gather(channel),
            "text": _texts(rng, category),
            "category": pl.Series([*_CATEGORIES, None], dtype=pl.String).gather(category),
            "acknowledged_date": acknowledged,
            "answered_date": answered,
        }
    )


def _ordinary(rng: np.random.Generator, rate: FloatArray) -> dict[str, FloatArray]:
    return {
        "rate": rate,
        "complaints": rng.poisson(rate).astype(np.float64),
        "listening": np.full(rate.size, _LISTENING),
    }


def _by_kind(plan: Plan) -> list[pl.DataFrame]:
    frames = []
    months = paediatric_months(plan)
    g = months.grid
    cells = {
        "rate": months.complaints_rate,
        "complaints": months.counts["complaints"][0],
        "listening": months.levels["concerns_listening_share"],
    }
    rng = stream(plan.seed, "concerns", "paediatric_ward")
    frames.append(_concerns(rng, plan, plan.paediatric.code, g, cells))
    sizes = {
        "maternity": (plan.sites.unit, plan.sites.births / 1000),
        "emergency_department": (plan.emergency.code, plan.emergency.size / 1000),
        "adult_ward": (plan.adult.code, np.ones(len(plan.adult.code))),
    }
    for kind, (codes, size) in sizes.items():
        rng = stream(plan.seed, "concerns", kind)
        g = grid(plan, len(codes))
        cells = _ordinary(rng, _RATES[kind] * np.asarray(size, dtype=np.float64)[g.unit])
        frames.append(_concerns(rng, plan, codes, g, cells))
    return frames


def concerns_table(plan: Plan) -> pl.DataFrame:
    """Concerns about every unit, numbered ``C0000000`` onwards in the order received."""
    frame = pl.concat(_by_kind(plan)).sort("received_date", "unit_code", maintain_order=True)
    number = pl.int_range(pl.len(), dtype=pl.Int64).cast(pl.String).str.zfill(7)
    return frame.with_columns(record_id=pl.format("C{}", number)).select(CONCERNS.names)


_SOURCES = {"inspection": 0.2, "review": 0.2, "coroners_report": 0.2, "investigation": 0.3}
_SOURCES_MORE = {"signal_check": 0.1}
_PER_TRUST_YEAR = 0.3
_SOURCE_TEXTS = {name: RECOMMENDATION_TEXTS[name] for name in (*_SOURCES, *_SOURCES_MORE)}


def _routine(rng: np.random.Generator, plan: Plan) -> pl.DataFrame:
    first, last = (int(epoch_days(day)[0]) for day in (plan.start, plan.end))
    per_trust = rng.poisson(_PER_TRUST_YEAR * plan.spec.years, len(plan.trusts.code))
    trust = np.repeat(np.arange(per_trust.size), per_trust)
    n = trust.size
    shares = np.array([*_SOURCES.values(), *_SOURCES_MORE.values()])
    source = rng.choice(shares.size, size=n, p=shares)
    day = rng.integers(first, last + 1, n)
    return pl.DataFrame(
        {
            "source": pl.Series([*_SOURCES, *_SOURCES_MORE], dtype=pl.String).gather(source),
            "date": day,
            "organisation_code": pl.Series(plan.trusts.code, dtype=pl.String).gather(trust),
            "text": _pick_texts(rng, _SOURCE_TEXTS, source),
            "owner_role": pl.Series(OWNER_ROLES, dtype=pl.String).gather(
                rng.integers(0, len(OWNER_ROLES), n)
            ),
            "due_date": day + rng.integers(30, 181, n),
        }
    )


def _inspection(plan: Plan) -> pl.DataFrame:
    problem = plan.problem("ward_decline")
    day = int(epoch_days(date.fromisoformat(problem.details["inspection_date"]))[0])
    texts = RECOMMENDATION_TEXTS["inspection"]
    return pl.DataFrame(
        {
            "source": ["inspection"] * len(texts),
            "date": [day] * len(texts),
            "organisation_code": [problem.trust_code] * len(texts),
            "text": list(texts),
            "owner_role": ["chief_nurse", "chief_nurse", "divisional_director", "medical_director"],
            "due_date": [day + 90] * len(texts),
        }
    )


def recommendations_table(plan: Plan) -> pl.DataFrame:
    """A few recommendations a year per trust, and the inspection of the failing ward's trust."""
    parts = [_routine(stream(plan.seed, "recommendations"), plan), _inspection(plan)]
    frame = pl.concat(parts).with_columns(pl.col("date", "due_date").cast(pl.Int32).cast(pl.Date))
    frame = frame.sort("date", "organisation_code", maintain_order=True)
    number = pl.int_range(1, pl.len() + 1, dtype=pl.Int64).cast(pl.String).str.zfill(5)
    frame = frame.with_columns(record_id=pl.format("REC-{}", number))
    return frame.select(RECOMMENDATIONS.names)
