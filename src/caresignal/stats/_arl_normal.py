"""The normal CUSUM's run lengths, for checking the machinery (private; see
:mod:`caresignal.stats.arl`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from caresignal.stats._arl_chain import NormalIncrements
from caresignal.stats._arl_core import Chart
from caresignal.stats._arl_results import MAX_CASES, RunLength, Threshold, find, run
from caresignal.stats._checks import check_choice, check_finite_scalar


def _normal_chart(k: Any, mu: Any, sided: Any) -> Chart:
    reference = check_finite_scalar("k", k)
    if reference < 0:
        raise ValueError(f"k is {reference!r}; expected a reference value >= 0")
    mean = check_finite_scalar("mu", mu)
    check_choice("sided", sided, ("one", "two"))
    upper = NormalIncrements(mean - reference)

    def draw(rng: np.random.Generator, shape: tuple[int, int]) -> Any:
        return rng.normal(mean, 1.0, size=shape)

    if sided == "one":
        return Chart((upper,), upper.draw)
    return Chart((upper, NormalIncrements(-mean - reference)), draw, (1.0, -1.0), -reference)


def normal_cusum_arl(
    k: float,
    h: float,
    *,
    mu: float = 0.0,
    sided: str = "one",
    head_start: float = 0.0,
    method: str = "markov",
    grid: int | None = None,
    runs: int = 1000,
    seed: int | None = None,
    max_cases: int = MAX_CASES,
) -> RunLength:
    """Average run length of the CUSUM of standardised normal observations (the textbook chart).

    The one-sided chart is ``S = max(0, S + x − k)`` for ``x ~ N(mu, 1)``; the two-sided chart adds
    the lower half ``S⁻ = max(0, S⁻ − x − k)`` and signals when either reaches ``h``. Used to check
    the Markov-chain machinery against published tables (Brook & Evans 1972; Lucas & Crosier 1982).

    Parameters
    ----------
    k : float
        Reference value (allowance), in standard deviations (>= 0).
    h : float
        Threshold, in standard deviations (> 0).
    mu : float, default 0.0
        True mean shift, in standard deviations.
    sided : {"one", "two"}, default "one"
        Upper chart alone, or upper and lower charts together. The two-sided ARL combines the
        one-sided ARLs L⁺ and L⁻ (each from 0 and from the head start s) by Lucas & Crosier's
        relation ``(L⁺(s)L⁻(0) + L⁻(s)L⁺(0) − L⁺(0)L⁻(0)) / (L⁺(0) + L⁻(0))``; with no head start
        this is ``1/ARL = 1/L⁺ + 1/L⁻``. It is exact when the two halves cannot both be above zero
        at once and otherwise a close approximation; R's ``spc::xcusum.arl`` uses the same.
    head_start : float, default 0.0
        Initial value of the statistic (of both halves), ``0 <= head_start < h``.
    method, grid, runs, seed, max_cases
        As in :func:`bernoulli_cusum_arl`. Simulation runs the two halves on the same draws.

    Returns
    -------
    RunLength
        ``arl`` in observations.

    Notes
    -----
    Crosier's (1986) two-sided CUSUM is not implemented. For continuous observations the signal
    rule (``>=`` or ``>``) makes no difference.

    References
    ----------
    Brook D, Evans DA (1972). Biometrika 59(3):539–549.
    Lucas JM, Crosier RB (1982). Technometrics 24(3):199–205.

    Examples
    --------
    Lucas & Crosier (1982), Table 1 (k = 0.5, h = 4): 168 in control, 149 with a head start of 2.

    >>> from caresignal.stats.arl import normal_cusum_arl
    >>> round(normal_cusum_arl(0.5, 4.0, sided="two").arl, 1)
    167.7
    >>> round(normal_cusum_arl(0.5, 4.0, sided="two", head_start=2.0).arl, 1)
    148.7
    """
    chart = _normal_chart(k, mu, sided)
    return run(chart, h, head_start, ">=", (method, grid, runs, seed, max_cases))


def normal_cusum_threshold(
    k: float,
    arl0: float,
    *,
    sided: str = "one",
    mu: float = 0.0,
    head_start: float = 0.0,
    grid: int | None = None,
) -> Threshold:
    """The threshold h of the normal CUSUM whose ARL at mean ``mu`` (0: in control) is ``arl0``.

    The search is that of :func:`~caresignal.stats.arl.bernoulli_cusum_threshold`; R's
    ``spc::xcusum.crit(k, L0)`` computes the same.

    Parameters
    ----------
    k : float
        Reference value (allowance), in standard deviations (>= 0).
    arl0 : float
        The target ARL at mean ``mu`` (> 1).
    sided : {"one", "two"}, default "one"
        Upper chart alone, or upper and lower together.
    mu : float, default 0.0
        The mean at which the ARL is ``arl0`` (0: in control).
    head_start : float, default 0.0
        Initial value of the statistic (>= 0).
    grid : int, optional
        Markov-chain cells (default 4,000).

    Returns
    -------
    Threshold

    References
    ----------
    Brook D, Evans DA (1972). Biometrika 59(3):539–549.

    Examples
    --------
    >>> from caresignal.stats.arl import normal_cusum_threshold
    >>> round(normal_cusum_threshold(0.5, 500.0, sided="two").h, 3)
    5.071
    """
    chart = _normal_chart(k, mu, sided)
    return find(chart, arl0, head_start, ">=", grid)
