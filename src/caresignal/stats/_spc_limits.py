"""Limit groups and process limits for the SPC charts (XmR, p, u, c, Laney p′/u′).

Everything here is vectorised over points with ``np.bincount`` per limit group, so a chart costs
the same whether it has one limit group or many.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from caresignal.stats._checks import as_int_positions, check_int
from caresignal.stats._spc_rules import ChartLines

__all__ = [
    "MDC_LIMIT_FACTOR",
    "SCREEN_FACTOR",
    "AttributeSpread",
    "LimitGroups",
    "attribute_lines",
    "grouped_mr_bar",
    "limit_groups",
    "xmr_lines",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: Process limits of an XmR chart are mean ± 2.66·MR̄ (MDC; 3/d₂ with d₂ = 1.128, rounded).
MDC_LIMIT_FACTOR = 2.66
#: Moving ranges at or above 3.267·MR̄ (D₄ for n = 2) are screened out before recomputing MR̄.
SCREEN_FACTOR = 3.267
#: d₂ for moving ranges of two points: σ = MR̄ / 1.128.
D2 = 1.128


@dataclass(frozen=True, slots=True)
class LimitGroups:
    """Which limit group each point is in and which points the limits are computed from."""

    group: IntArray
    included: BoolArray
    basis: BoolArray
    trial: BoolArray

    @property
    def count(self) -> int:
        """Number of limit groups."""
        return int(self.group[-1]) + 1


def limit_groups(
    n: int,
    *,
    rebase_at: Any,
    baseline_points: int | None,
    exclude: Any,
    trial_points: int,
    minimum_basis: int,
) -> LimitGroups:
    """Split ``n`` points into limit groups at ``rebase_at`` and pick each group's basis.

    The basis of a group is its first ``baseline_points`` points (all of them when ``None``) less
    the excluded ones. A group's limits are trial when it has fewer than ``trial_points``
    included points. Each group needs at least ``minimum_basis`` basis points.
    """
    rebase = as_int_positions("rebase_at", rebase_at, length=n)
    excluded = as_int_positions("exclude", exclude, length=n)
    if baseline_points is not None:
        check_int("baseline_points", baseline_points, minimum=12)
    check_int("trial_points", trial_points, minimum=1)
    starts = np.zeros(n, dtype=np.bool_)
    starts[0] = True
    starts[rebase] = True
    group = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    included = np.ones(n, dtype=np.bool_)
    included[excluded] = False
    basis = included.copy()
    if baseline_points is not None:
        basis &= np.arange(n) - first[group] < baseline_points
    _check_basis(np.bincount(group, weights=basis, minlength=len(first)), first, minimum_basis)
    n_included = np.bincount(group, weights=included, minlength=len(first))
    return LimitGroups(
        group=group, included=included, basis=basis, trial=(n_included < trial_points)[group]
    )


def _check_basis(counts: NDArray[Any], first: IntArray, minimum: int) -> None:
    short = counts < minimum
    if short.any():
        g = int(np.argmax(short))
        raise ValueError(
            f"the limit group starting at position {int(first[g])} has {int(counts[g])} point(s) "
            "to compute limits from (values, after rebase_at and exclude); expected at least "
            f"{minimum}"
        )


def grouped_mr_bar(x: FloatArray, group: IntArray, n_groups: int, screen: bool) -> FloatArray:
    """Mean moving range of consecutive ``x`` within each group (optionally screened once).

    Screening drops moving ranges >= 3.267·MR̄ and recomputes MR̄ (one pass, as NHSRplotthedots
    and qicharts2 do); it is skipped for a group whose MR̄ is 0.
    """
    same = group[1:] == group[:-1]
    mr = np.abs(np.diff(x))[same]
    mr_group = group[1:][same]
    mr_bar = _group_mean(mr, mr_group, n_groups)
    if screen:
        keep = ~(mr >= SCREEN_FACTOR * mr_bar[mr_group]) | (mr_bar[mr_group] == 0)
        mr_bar = _group_mean(mr[keep], mr_group[keep], n_groups)
    return mr_bar


def _group_mean(x: FloatArray, group: IntArray, n_groups: int) -> FloatArray:
    total = np.bincount(group, weights=x, minlength=n_groups)
    count = np.bincount(group, minlength=n_groups)
    return total / count


def xmr_lines(
    values: FloatArray, groups: LimitGroups, *, screen: bool, limit_factor: float
) -> tuple[ChartLines, FloatArray]:
    """Centre (mean), process and near limits of an XmR chart, and MR̄ per point."""
    g, basis = groups.group, groups.basis
    mean = _group_mean(values[basis], g[basis], groups.count)[g]
    mr_bar = grouped_mr_bar(values[basis], g[basis], groups.count, screen)[g]
    spread = limit_factor * mr_bar
    lines = ChartLines(
        values=values,
        centre=mean,
        lpl=mean - spread,
        upl=mean + spread,
        near_lpl=mean - spread * 2.0 / 3.0,
        near_upl=mean + spread * 2.0 / 3.0,
        group=g,
        included=groups.included,
    )
    return lines, mr_bar


@dataclass(frozen=True, slots=True)
class AttributeSpread:
    """The standard errors behind an attribute chart's limits, per point."""

    sigma: FloatArray
    sigma_z: FloatArray


def attribute_lines(
    count: FloatArray,
    size: FloatArray,
    groups: LimitGroups,
    *,
    binomial: bool,
    laney: bool,
    screen: bool,
) -> tuple[ChartLines, AttributeSpread]:
    """Lines of a p chart (``binomial``) or u/c chart, optionally Laney's p′/u′.

    Centre = Σcount/Σsize over each group's basis; σᵢ = √(p̄(1−p̄)/nᵢ) (binomial) or √(ū/eᵢ).
    Laney: σ_z = MR̄ of zᵢ = (yᵢ − centre)/σᵢ over the basis ÷ 1.128, limits use σᵢ·σ_z.
    Limits are cut at 0 (and at 1 for proportions).
    """
    g, basis = groups.group, groups.basis
    y = count / size
    centre = (
        np.bincount(g, weights=np.where(basis, count, 0.0), minlength=groups.count)
        / np.bincount(g, weights=np.where(basis, size, 0.0), minlength=groups.count)
    )[g]
    variance = centre * (1.0 - centre) if binomial else centre
    sigma = np.sqrt(np.maximum(variance, 0.0) / size)
    sigma_z = np.ones(len(y))
    if laney:
        safe = np.where(sigma > 0, sigma, 1.0)
        z = np.where(sigma > 0, (y - centre) / safe, 0.0)
        sigma_z = grouped_mr_bar(z[basis], g[basis], groups.count, screen)[g] / D2
    spread = 3.0 * sigma * sigma_z
    upper_cap = 1.0 if binomial else np.inf
    lines = ChartLines(
        values=y,
        centre=centre,
        lpl=np.maximum(centre - spread, 0.0),
        upl=np.minimum(centre + spread, upper_cap),
        near_lpl=np.maximum(centre - spread * 2.0 / 3.0, 0.0),
        near_upl=np.minimum(centre + spread * 2.0 / 3.0, upper_cap),
        group=g,
        included=groups.included,
    )
    return lines, AttributeSpread(sigma=sigma, sigma_z=sigma_z)
