"""CUSUM thresholds for several in-control ARL targets at once, from a summarised case mix.

A unit's case mix is summarised as a histogram (:class:`CaseMix`): risks binned on the logit
scale, or expected counts per period on the log scale, in bins 0.1 wide, each bin keeping its
cases' mean value and share, rounded to six significant digits. The summary is hashable, so designs
can be cached by it, and it changes the ARL by about 0.01 % against the full sample.

:func:`thresholds` then finds, in one search, the threshold h meeting each target ARL₀: the Markov
chain of :mod:`caresignal.stats.arl` on 500 and 1,000 cells, extrapolated to an infinitely fine
grid, a first guess from Siegmund's approximation and secant steps on log ARL(h), to within 0.1 %.
:mod:`caresignal.monitor.thresholds` turns false-alarm targets in years into these ARL₀ targets;
``docs/methods/thresholds.md`` describes the method and its accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from caresignal.stats._checks import check_choice
from caresignal.stats._cusum_checks import as_means, as_probabilities, check_ratio
from caresignal.stats._design_mix import CaseMix, bernoulli_steps, poisson_steps, summarise
from caresignal.stats._design_search import Solved, solve_levels

__all__ = ["CaseMix", "Chart", "Solved", "case_mix", "expected_mix", "thresholds"]

Chart = Literal["bernoulli", "poisson"]
_STEPS = {"bernoulli": bernoulli_steps, "poisson": poisson_steps}


def case_mix(risk: ArrayLike) -> CaseMix:
    """Summarise case risks (or one national rate) as a :class:`CaseMix` histogram.

    Parameters
    ----------
    risk : float or array-like of float
        Each case's risk, strictly between 0 and 1, or one risk for every case.

    Returns
    -------
    CaseMix
        Risks binned on the logit scale (bins 0.1 wide), each bin's mean risk and share of cases.

    References
    ----------
    Steiner SH, Cook RJ, Farewell VT, Treasure T (2000). Biostatistics 1(4):441–452 (the ARL of
    the risk-adjusted chart averages over the distribution of risks).

    Examples
    --------
    >>> case_mix(0.004)
    CaseMix(values=(0.004,), shares=(1.0,), cases=1)
    >>> case_mix([0.01, 0.0101, 0.2]).shares
    (0.666667, 0.333333)
    """
    risks = as_probabilities("risk", risk)
    return summarise(risks, np.log(risks / (1.0 - risks)))


def expected_mix(expected_per_period: ArrayLike) -> CaseMix:
    """Summarise expected counts per period (or one count) as a :class:`CaseMix` histogram.

    Parameters
    ----------
    expected_per_period : float or array-like of float
        Each period's expected count (> 0), or one count for every period.

    Returns
    -------
    CaseMix
        Counts binned on the log scale (bins 0.1 wide), each bin's mean count and share.

    References
    ----------
    Lucas JM (1985). Counted data CUSUMs. Technometrics 27(2):129–144.

    Examples
    --------
    >>> expected_mix([2.0, 2.0, 8.0]).values
    (2.0, 8.0)
    """
    means = as_means("expected_per_period", expected_per_period)
    return summarise(means, np.log(means))


def thresholds(
    mix: CaseMix, *, chart: Chart = "bernoulli", ratio: float = 2.0, arl0: Sequence[float]
) -> tuple[Solved, ...]:
    """The threshold h meeting each in-control ARL target, found in one search.

    Parameters
    ----------
    mix : CaseMix
        The unit's case mix (:func:`case_mix` for a Bernoulli chart, :func:`expected_mix` for a
        Poisson chart of counts per period).
    chart : {"bernoulli", "poisson"}, default "bernoulli"
        The chart: :func:`caresignal.stats.cusum.bernoulli` or
        :func:`caresignal.stats.cusum.poisson` (signal at ``S >= h``; in control when the risk
        model or the expected counts are right).
    ratio : float, default 2.0
        The odds ratio (Bernoulli) or rate ratio (Poisson) the chart is designed to detect.
    arl0 : sequence of float
        Target in-control ARLs, in steps (cases or periods), each > 1, in ascending order.

    Returns
    -------
    tuple of Solved
        One threshold per target, with the ARL the chain gives at it (within 0.1 % of the
        target).

    References
    ----------
    Brook D, Evans DA (1972). An approach to the probability distribution of CUSUM run length.
    Biometrika 59(3):539–549. Siegmund D (1985). Sequential Analysis. Springer.

    Examples
    --------
    >>> amber, red = thresholds(case_mix(0.003), ratio=2.0, arl0=[40_000, 200_000])
    >>> round(amber.h, 2) < round(red.h, 2)
    True
    >>> abs(red.arl / 200_000 - 1) < 1e-3
    True
    """
    kind = check_choice("chart", chart, _STEPS)
    checked = check_ratio("ratio", ratio)
    targets = tuple(float(value) for value in arl0)
    if not targets or any(not value > 1.0 for value in targets):
        raise ValueError(f"arl0 is {targets!r}; expected one or more ARLs, each above 1 step")
    if list(targets) != sorted(targets):
        raise ValueError(f"arl0 is {targets!r}; expected the targets in ascending order")
    return solve_levels(_STEPS[kind](mix, checked), targets)
