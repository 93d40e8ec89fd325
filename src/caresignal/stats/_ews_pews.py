"""Scoring whole arrays of children's observations by an age-banded table.

Each row is scored on its own age band's chart without a loop over rows, in two ways that give
the same score:

* a value on the chart's printed grid (a whole number of breaths, 37.2 °C) is looked up in a
  table of the score of every grid value in every age band, built once per table from the
  bands themselves;
* any other value (20.5 breaths, 37.25 °C) is scored by its age band's edges: each row's own
  edges are gathered by its age band and one comparison per edge counts the edges reached, so
  that a value between two printed bands takes the higher score.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from caresignal.stats._ews_bands import Bands, Categories
from caresignal.stats._ews_tables import PEWS_MEASUREMENTS, PewsTable

__all__ = ["CARER_ANSWERS", "age_bands_of", "score_pews"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Int8Array = NDArray[np.int8]

# The carer question of the national PEWS charts (NHS England / RCPCH SPOT, 2023): "How is
# your child different since I last saw them?" answered W (worse), S (same), B (better),
# A (parent or carer asleep) or U (unavailable).
CARER_ANSWERS = ("worse", "same", "better", "asleep", "unavailable")
WORSE = 0


def age_bands_of(table: PewsTable, age_months: FloatArray) -> Int8Array:
    """Each row's age band: the last band whose first month the age has reached."""
    band = np.zeros(age_months.shape, dtype=np.int8)
    above = np.empty(age_months.shape, dtype=np.bool_)
    for start in table.band_starts[1:]:
        np.greater_equal(age_months, start, out=above)
        band += above.view(np.int8)
    return band


@dataclass(frozen=True, slots=True, eq=False)
class _Compiled:
    """One parameter of a table, ready for whole arrays (see the module's docstring)."""

    edges: FloatArray  # (edges, age bands), padded with +inf; empty for a category
    scores: Int8Array  # (age bands, bands or categories)
    grid: Int8Array  # (age bands, grid values): the score of each grid value; empty for a category
    first: float  # the first grid value, in grid steps
    steps: float  # grid steps per unit (1 for whole numbers, 10 for one decimal place)


@functools.lru_cache(maxsize=16)
def _compiled(table: PewsTable) -> dict[str, _Compiled]:
    compiled: dict[str, _Compiled] = {}
    for name, spec in table.parameters.items():
        charts = [chart[name] for chart in table.charts]
        bands = [chart for chart in charts if isinstance(chart, Bands)]
        if spec.kind == "category":
            kinds = [chart for chart in charts if isinstance(chart, Categories)]
            scores = np.array([chart.scores for chart in kinds], dtype=np.int8)
            compiled[name] = _Compiled(np.empty((0, 0)), scores, scores, 0.0, 1.0)
            continue
        width = max(len(chart.starts) for chart in bands)
        edges = np.full((width, len(bands)), np.inf)
        scores = np.zeros((len(bands), width + 1), dtype=np.int8)
        for k, chart in enumerate(bands):
            edges[: len(chart.starts), k] = chart.starts
            scores[k, : len(chart.scores)] = chart.scores
        steps = float(round(1.0 / spec.resolution))
        _, low, high = PEWS_MEASUREMENTS[name]
        values = np.arange(np.floor(low * steps), np.ceil(high * steps) + 1) / steps
        grid = np.array([chart.score(values) for chart in bands], dtype=np.int8)
        compiled[name] = _Compiled(edges, scores, grid, float(np.floor(low * steps)), steps)
    return compiled


def _by_edges(part: _Compiled, band: NDArray[np.intp], values: FloatArray) -> Int8Array:
    index = np.zeros(values.shape, dtype=np.intp)
    above = np.empty(values.shape, dtype=np.bool_)
    limit = np.empty(values.shape)
    for column in part.edges:
        np.take(column, band, out=limit)
        np.greater_equal(values, limit, out=above)
        index += above
    index += band * part.scores.shape[1]
    scored: Int8Array = np.take(part.scores.reshape(-1), index)
    return scored


def _measurement(part: _Compiled, band: NDArray[np.intp], values: FloatArray) -> Int8Array:
    steps = np.rint(values * part.steps)
    on_grid = steps / part.steps == values  # False for NaN
    index = np.where(on_grid, steps - part.first, 0.0).astype(np.intp)
    index += band * part.grid.shape[1]
    scored: Int8Array = np.take(part.grid.reshape(-1), index)
    off_grid = ~on_grid & ~np.isnan(values)
    if off_grid.any():
        scored[off_grid] = _by_edges(part, band[off_grid], values[off_grid])
    return scored


def _category(part: _Compiled, band: NDArray[np.intp], codes: Int8Array) -> Int8Array:
    index = band * part.scores.shape[1] + np.maximum(codes, 0)
    scored: Int8Array = np.take(part.scores.reshape(-1), index)
    return scored


def score_pews(
    table: PewsTable,
    band: Int8Array,
    measurements: Mapping[str, FloatArray],
    categories: Mapping[str, Int8Array],
) -> tuple[dict[str, Int8Array], dict[str, BoolArray]]:
    """Each scored parameter's score (int8) and whether its value is missing, per row."""
    scores: dict[str, Int8Array] = {}
    unknown: dict[str, BoolArray] = {}
    rows = band.astype(np.intp)
    for name, part in _compiled(table).items():
        if name in measurements:
            values = measurements[name]
            scores[name] = _measurement(part, rows, values)
            unknown[name] = np.isnan(values)
        else:
            codes = categories[name]
            scores[name] = _category(part, rows, codes)
            unknown[name] = codes < 0
    return scores, unknown
