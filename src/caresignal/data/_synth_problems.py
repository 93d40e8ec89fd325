"""Synthetic data, part 5: the five injected problems, where they happen and how they change.

The sites are chosen at random (for the seed) among mid-sized maternity sites in different trusts,
the hard-case-mix site among the largest tertiary (level 3) sites, and the failing paediatric ward
at a trust with no other problem where there is one. ``truth.json`` records each problem with
:meth:`Problem.to_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from caresignal.data._synth_changes import Change, ChangeScale, Problem
from caresignal.data._synth_scales import Timeline, add_months

__all__ = [
    "HARD_CASE_MIX",
    "PERINATAL_OUTCOMES",
    "WARD_CHANGES",
    "choose_sites",
    "maternity_problems",
    "ward_problem",
]

#: The outcomes whose odds the maternity problems change.
PERINATAL_OUTCOMES = ("stillbirth", "neonatal_death", "hie_grade_2_3")

#: The hard-case-mix site's case mix: mean age, deprivation tilt and odds of preterm birth.
HARD_CASE_MIX = MappingProxyType(
    {"mother_age_mean": 35.0, "deprivation_tilt": 1.8, "preterm_odds_ratio": 3.0}
)

#: The failing paediatric ward: each indicator's value before and after its decline.
WARD_CHANGES: dict[str, tuple[float, float, ChangeScale]] = {
    "sepsis_screen_1h": (0.90, 0.55, "proportion"),
    "antibiotics_1h": (0.85, 0.55, "proportion"),
    "cleanliness_score": (0.96, 0.78, "proportion"),
    "registered_nurse_fill_rate": (0.98, 0.80, "ratio"),
    "complaints": (1.0, 3.5, "ratio"),
    "concerns_listening_share": (0.18, 0.45, "proportion"),
}

#: Sites with births a year in this range can hold a problem other than the hard case mix.
_MIDSIZE = (4_500, 6_500)


@dataclass(frozen=True, slots=True)
class Chosen:
    """Positions (in the sites' order) of the sites chosen for each maternity problem."""

    slow_decline: int
    sudden_failure: int
    recovery: int
    hard_case_mix: int


def choose_sites(
    rng: np.random.Generator,
    births: NDArray[np.int64],
    trusts: list[str],
    level_3: NDArray[np.bool_],
) -> Chosen:
    """Choose the four problem sites: mid-sized ones in different trusts, and a tertiary one."""
    biggest = np.flatnonzero(level_3)[np.argsort(-births[level_3], kind="stable")][:3]
    hard = int(rng.choice(biggest))
    middle = np.flatnonzero((births >= _MIDSIZE[0]) & (births <= _MIDSIZE[1]))
    candidates = [int(site) for site in rng.permutation(middle) if site != hard]
    used = {trusts[hard]}
    picked: list[int] = []
    while len(picked) < 3:
        if not candidates:
            raise ValueError("too few mid-sized sites to place the injected problems")
        candidates.sort(key=lambda site: trusts[site] in used)
        picked.append(candidates.pop(0))
        used.add(trusts[picked[-1]])
    return Chosen(picked[0], picked[1], picked[2], hard)


def _odds(start: date, end: date, before: float, after: float) -> dict[str, Change]:
    change = Change(start, end, before, after, "odds_ratio")
    return dict.fromkeys(PERINATAL_OUTCOMES, change)


#: What each maternity problem is, and what a good system should find: (description, finding).
_WORDS = {
    "slow_decline": (
        "The odds of stillbirth, neonatal death and HIE rise steadily from 1 to 2 times normal "
        "over {years:g} years, then stay doubled (like East Kent).",
        "a signal of worse perinatal outcomes during the rise, persisting",
    ),
    "sudden_failure": (
        "The odds of stillbirth, neonatal death and HIE triple from one month to the next.",
        "a signal of worse perinatal outcomes within months of the step",
    ),
    "hard_case_mix": (
        "A tertiary site with much older, more deprived mothers and more preterm births, and "
        "ordinary care: its site effect is 0 and its risk-adjusted rates are normal.",
        "no signal once case mix is accounted for (its crude rates are high)",
    ),
    "recovery": (
        "The odds of stillbirth, neonatal death and HIE start 2.5 times normal and fall back to "
        "normal, then stay normal.",
        "raised early rates, then a signal of improvement back to normal",
    ),
}


def _maternity_changes(first: date, t: Timeline) -> dict[str, dict[str, Change]]:
    decline = add_months(first, t.decline_start)
    failure = add_months(first, t.failure_start)
    recovery = add_months(first, t.recovery_start)
    return {
        "slow_decline": _odds(decline, add_months(decline, t.decline_months), 1.0, 2.0),
        "sudden_failure": _odds(failure, failure, 1.0, 3.0),
        "hard_case_mix": {},
        "recovery": _odds(recovery, add_months(recovery, t.recovery_months), 2.5, 1.0),
    }


def maternity_problems(
    first: date, timeline: Timeline, where: dict[str, tuple[str, str, str]]
) -> list[Problem]:
    """The four maternity problems; ``where`` gives (trust, site, unit) codes by problem id."""
    hard = MappingProxyType({"case_mix": dict(HARD_CASE_MIX), "site_effect": 0.0})
    return [
        Problem(
            id,
            _WORDS[id][0].format(years=timeline.decline_months / 12),
            *where[id],
            start=min((change.start for change in changes.values()), default=first),
            indicators=PERINATAL_OUTCOMES,
            changes=changes,
            expected_finding=_WORDS[id][1],
            details=hard if id == "hard_case_mix" else MappingProxyType({}),
        )
        for id, changes in _maternity_changes(first, timeline).items()
    ]


def ward_problem(first: date, timeline: Timeline, where: tuple[str, str, str]) -> Problem:
    """The Kettering-like paediatric ward: care, staffing, cleanliness and listening decline."""
    start = add_months(first, timeline.ward_start)
    end = add_months(start, timeline.ward_months)
    changes = {
        name: Change(start, end, before, after, scale)
        for name, (before, after, scale) in WARD_CHANGES.items()
    }
    return Problem(
        "ward_decline",
        "A children's ward where sepsis screening and antibiotics within 1 hour, the "
        "registered-nurse fill rate and cleanliness fall, and complaints (more of them about not "
        "being listened to) rise, over about a year (like Kettering).",
        *where,
        start=start,
        indicators=tuple(changes),
        changes=changes,
        expected_finding="signals on the ward's process, staffing, cleanliness and complaints",
        details=MappingProxyType({"inspection_date": (end + timedelta(days=15)).isoformat()}),
    )
