"""Synthetic data, part 7: the plan: organisations, their sizes, case mix and random effects.

The plan is drawn first, from its own stream, and every table is generated from it: trusts with
one to three maternity sites, a maternity unit under each site (and a neonatal unit at level 2 and
3 sites), paediatric wards and emergency departments at some trusts, adult wards at every trust,
each site's case-mix profile and random effects, and where each injected problem happens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
from numpy.typing import NDArray

from caresignal.data._synth_casemix import AGE, DEPRIVATION, ETHNIC_SHARES, PRETERM_ODDS_BY_LEVEL
from caresignal.data._synth_changes import Problem
from caresignal.data._synth_coefficients import ADMISSION_MODEL, BIRTH_MODELS
from caresignal.data._synth_problems import (
    HARD_CASE_MIX,
    choose_sites,
    maternity_problems,
    ward_problem,
)
from caresignal.data._synth_scales import END_DATE, ScaleSpec, stream
from caresignal.data._synth_texts import SITE_KINDS, place_names, trust_codes
from caresignal.data._synth_vitals import with_bedside

__all__ = ["REGIONS", "Plan", "Sites", "Trusts", "Wards", "build_plan"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: NHS England regions and their share of trusts.
REGIONS = {
    "North East and Yorkshire": 0.17,
    "North West": 0.14,
    "Midlands": 0.19,
    "East of England": 0.11,
    "London": 0.16,
    "South East": 0.14,
    "South West": 0.09,
}
_LEVELS = ("level_1", "level_2", "level_3")


@dataclass(frozen=True, slots=True, eq=False)
class Trusts:
    """The trusts: code, name, region, and the positions of their sites."""

    code: tuple[str, ...]
    name: tuple[str, ...]
    region: tuple[str, ...]
    sites: tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True, eq=False)
class Sites:
    """The maternity sites, with their size, case-mix profile and random effects.

    ``births`` is births a year in the first year; ``deprivation_tilt`` shapes the IMD decile
    distribution (see ``DEPRIVATION``); ``ethnic_shares`` has one row per site in the order of
    ``ETHNIC_GROUPS``; ``effects`` maps each births outcome to the sites' log-odds effects.
    """

    code: tuple[str, ...]
    name: tuple[str, ...]
    trust: tuple[str, ...]
    region: tuple[str, ...]
    level: tuple[str, ...]
    births: IntArray
    age_mean: FloatArray
    deprivation_tilt: FloatArray
    ethnic_shares: FloatArray
    preterm_odds: FloatArray
    effects: Mapping[str, FloatArray]

    @property
    def unit(self) -> tuple[str, ...]:
        """The code of each site's maternity unit."""
        return tuple(f"{code}-MAT" for code in self.code)


@dataclass(frozen=True, slots=True, eq=False)
class Wards:
    """Units of one kind with a size (beds, stays or attendances) and a random effect."""

    kind: str
    code: tuple[str, ...]
    name: tuple[str, ...]
    site: tuple[str, ...]
    trust: tuple[str, ...]
    size: FloatArray
    effect: FloatArray


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """Everything drawn before any table: organisations, profiles, effects and problems."""

    spec: ScaleSpec
    seed: int
    trusts: Trusts
    sites: Sites
    paediatric: Wards
    emergency: Wards
    adult: Wards
    problems: tuple[Problem, ...]

    @property
    def start(self) -> date:
        """The first day of the data."""
        return self.spec.start

    @property
    def end(self) -> date:
        """The last day of the data."""
        return END_DATE

    def problem(self, id: str) -> Problem:
        """The injected problem called ``id``."""
        return next(problem for problem in self.problems if problem.id == id)


def _trusts(rng: np.random.Generator, spec: ScaleSpec, places: list[str]) -> Trusts:
    layout = np.repeat([1, 2, 3], spec.trusts_by_sites)
    if spec.site_births is None:
        layout = rng.permutation(layout)
    codes = trust_codes(rng, layout.size)
    regions = rng.choice(list(REGIONS), size=layout.size, p=list(REGIONS.values()))
    ends = np.cumsum(layout)
    sites = tuple(tuple(range(end - size, end)) for end, size in zip(ends, layout, strict=True))
    kinds = ("Hospitals NHS Foundation Trust", "NHS Trust", "University Hospitals NHS Trust")
    names = tuple(f"{places[first[0]]} {kinds[k % 3]}" for k, first in enumerate(sites))
    return Trusts(tuple(codes), names, tuple(str(r) for r in regions), sites)


def _sizes(rng: np.random.Generator, spec: ScaleSpec, count: int) -> IntArray:
    if spec.site_births is not None:
        return np.array(spec.site_births, dtype=np.int64)
    raw = np.clip(rng.lognormal(np.log(3_100.0), 0.45, count), 1_000, 8_000)
    scaled = np.clip(raw * spec.annual_births / raw.sum(), 1_000, 8_000)
    return np.asarray(np.round(scaled), dtype=np.int64)


def _levels(births: IntArray) -> tuple[str, ...]:
    share = (np.argsort(np.argsort(-births, kind="stable"), kind="stable") + 1) / births.size
    return tuple(_LEVELS[2] if s <= 0.2 else _LEVELS[1] if s <= 0.65 else _LEVELS[0] for s in share)


def _ethnic_shares(rng: np.random.Generator, regions: tuple[str, ...]) -> FloatArray:
    rows = [
        rng.dirichlet(25.0 * np.array(ETHNIC_SHARES["london" if r == "London" else "national"]))
        for r in regions
    ]
    return np.array(rows)


def _sites(rng: np.random.Generator, spec: ScaleSpec, trusts: Trusts, places: list[str]) -> Sites:
    owner = [trusts.code[t] for t, sites in enumerate(trusts.sites) for _ in sites]
    region = tuple(trusts.region[t] for t, sites in enumerate(trusts.sites) for _ in sites)
    count = len(owner)
    code = tuple(
        f"{trust}{k + 1:02d}"
        for t, trust in enumerate(trusts.code)
        for k in range(len(trusts.sites[t]))
    )
    births = _sizes(rng, spec, count)
    level = _levels(births)
    return Sites(
        code=code,
        name=tuple(f"{places[k]} {SITE_KINDS[k % len(SITE_KINDS)]}" for k in range(count)),
        trust=tuple(owner),
        region=region,
        level=level,
        births=births,
        age_mean=rng.normal(AGE["mean"], AGE["between_site_sd"], count),
        deprivation_tilt=rng.normal(
            DEPRIVATION["national_tilt"], DEPRIVATION["between_site_sd"], count
        ),
        ethnic_shares=_ethnic_shares(rng, region),
        preterm_odds=np.array([PRETERM_ODDS_BY_LEVEL[lv] for lv in level]),
        effects={
            name: rng.normal(0.0, model.between_site_sd, count)
            for name, model in BIRTH_MODELS.items()
        },
    )


def _place_problems(
    rng: np.random.Generator, spec: ScaleSpec, sites: Sites
) -> tuple[Sites, list[Problem]]:
    chosen = choose_sites(rng, sites.births, list(sites.trust), np.array(sites.level) == "level_3")
    where = {
        name: (sites.trust[k], sites.code[k], sites.unit[k])
        for name, k in (
            ("slow_decline", chosen.slow_decline),
            ("sudden_failure", chosen.sudden_failure),
            ("recovery", chosen.recovery),
            ("hard_case_mix", chosen.hard_case_mix),
        )
    }
    hard = chosen.hard_case_mix
    age, tilt, preterm = (
        sites.age_mean.copy(),
        sites.deprivation_tilt.copy(),
        sites.preterm_odds.copy(),
    )
    age[hard] = HARD_CASE_MIX["mother_age_mean"]
    tilt[hard] = HARD_CASE_MIX["deprivation_tilt"]
    preterm[hard] = HARD_CASE_MIX["preterm_odds_ratio"]
    effects = {
        name: np.where(np.arange(age.size) == hard, 0.0, value)
        for name, value in sites.effects.items()
    }
    sites = replace(
        sites, age_mean=age, deprivation_tilt=tilt, preterm_odds=preterm, effects=effects
    )
    return sites, maternity_problems(spec.start, spec.timeline, where)


def _main_sites(trusts: Trusts, chosen: NDArray[np.bool_]) -> list[int]:
    return [trusts.sites[t][0] for t in np.flatnonzero(chosen)]


def _wards(
    kind: str, suffix: str, sites: Sites, at: list[int], size: FloatArray, effect: FloatArray
) -> Wards:
    label = {"paediatric_ward": "children's ward", "emergency_department": "emergency department"}
    return Wards(
        kind=kind,
        code=tuple(f"{sites.code[k]}-{suffix}" for k in at),
        name=tuple(f"{sites.name[k]} {label.get(kind, 'adult ward')}" for k in at),
        site=tuple(sites.code[k] for k in at),
        trust=tuple(sites.trust[k] for k in at),
        size=size,
        effect=effect,
    )


def _some_trusts(rng: np.random.Generator, count: int, share: float) -> NDArray[np.bool_]:
    chosen = rng.random(count) < share
    chosen[int(rng.integers(count))] = True
    return chosen


def _paediatric(seed: int, spec: ScaleSpec, trusts: Trusts, sites: Sites) -> Wards:
    rng = stream(seed, "plan", "paediatric")
    at = _main_sites(trusts, _some_trusts(rng, len(trusts.code), spec.paediatric_share))
    beds = rng.integers(12, 31, len(at)).astype(np.float64)
    return _wards("paediatric_ward", "PAE", sites, at, beds, rng.normal(0.0, 0.3, len(at)))


def _emergency(seed: int, spec: ScaleSpec, trusts: Trusts, sites: Sites) -> Wards:
    rng = stream(seed, "plan", "emergency")
    at = _main_sites(trusts, _some_trusts(rng, len(trusts.code), spec.emergency_share))
    monthly = np.clip(rng.lognormal(np.log(7_000.0), 0.35, len(at)), 2_500, 16_000)
    return _wards("emergency_department", "ED", sites, at, monthly, rng.normal(0.0, 0.35, len(at)))


def _adult(seed: int, spec: ScaleSpec, trusts: Trusts, sites: Sites) -> Wards:
    rng = stream(seed, "plan", "adult")
    main = _main_sites(trusts, np.ones(len(trusts.code), dtype=np.bool_))
    at = [site for site in main for _ in range(spec.adult_wards)]
    wards = _wards("adult_ward", "ADW", sites, at, np.zeros(len(at)), np.zeros(len(at)))
    number = [k % spec.adult_wards + 1 for k in range(len(at))]
    return replace(
        wards,
        code=tuple(f"{code}{n}" for code, n in zip(wards.code, number, strict=True)),
        name=tuple(f"{name} {n}" for name, n in zip(wards.name, number, strict=True)),
        size=spec.ward_stays * rng.lognormal(0.0, 0.2, len(at)),
        effect=rng.normal(0.0, ADMISSION_MODEL.between_site_sd, len(at)),
    )


def _failing_ward(rng: np.random.Generator, paediatric: Wards, busy: set[str]) -> int:
    quiet = [k for k, trust in enumerate(paediatric.trust) if trust not in busy]
    return int(rng.choice(quiet or list(range(len(paediatric.code)))))


def build_plan(spec: ScaleSpec, seed: int) -> Plan:
    """Draw the organisations, their profiles and effects, and place the injected problems."""
    rng = stream(seed, "plan", "organisations")
    places = place_names(rng, sum(spec.trusts_by_sites[k] * (k + 1) for k in range(3)))
    trusts = _trusts(rng, spec, places)
    sites = _sites(rng, spec, trusts, places)
    problem_rng = stream(seed, "plan", "problems")
    sites, problems = _place_problems(problem_rng, spec, sites)
    paediatric = _paediatric(seed, spec, trusts, sites)
    failing = _failing_ward(problem_rng, paediatric, {p.trust_code for p in problems})
    where = (paediatric.trust[failing], paediatric.site[failing], paediatric.code[failing])
    problems.append(with_bedside(ward_problem(spec.start, spec.timeline, where)))
    return Plan(
        spec=spec,
        seed=seed,
        trusts=trusts,
        sites=sites,
        paediatric=paediatric,
        emergency=_emergency(seed, spec, trusts, sites),
        adult=_adult(seed, spec, trusts, sites),
        problems=tuple(problems),
    )
