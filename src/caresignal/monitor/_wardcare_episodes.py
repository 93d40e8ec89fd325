"""Grouping triggers into episodes (private; see :mod:`caresignal.monitor.wardcare`).

Triggers come in **tracks** (the score's: NEWS2 or paediatric; the carer's "worse"), each with a
**rank** (urgent review 1, emergency response 2). A trigger's episode is **open** from its time
until the earlier of its required response and the end of the time allowed for it. A trigger
joins an earlier episode of the same encounter and track when that episode is still open and
of the same or a higher rank; otherwise it starts an episode of its own. Higher ranks are
grouped first, so an emergency response while an urgent review is awaited starts its own
episode (it needs a faster response), while an urgent review awaited during an emergency
response's episode is part of it. Everything is whole-array numpy work: the only Python loop
runs once per episode within a stay (its length is the most episodes any one stay has), never
once per row.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["episode_starts"]

IntArray = NDArray[np.int64]


def episode_starts(
    group: IntArray, time: IntArray, rank: NDArray[np.int8], close: IntArray
) -> IntArray:
    """The row of each trigger's episode start (a row is its own start when it starts one).

    Rows must be sorted by ``group`` (one per encounter and track), then ``time`` (seconds),
    then ``rank`` from highest. ``close`` is when the row's episode would close were it to
    start one (seconds, at or after ``time``).
    """
    n = len(group)
    episode = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return episode
    origin = int(min(time.min(), close.min()))
    span = int(max(time.max(), close.max())) - origin + 1
    key = group * span + (time - origin)  # increasing in the sort order
    for level in np.unique(rank)[::-1]:
        members = np.flatnonzero(rank == level)
        for higher in np.unique(rank[rank > level]):
            starts = np.flatnonzero((episode == np.arange(n)) & (rank == higher))
            _join_open(members, starts, group, time, close, episode)
        free = members[episode[members] < 0]
        _chain(free, group, key, close, span, origin, episode)
    return episode


def _join_open(
    members: IntArray,
    starts: IntArray,
    group: IntArray,
    time: IntArray,
    close: IntArray,
    episode: IntArray,
) -> None:
    """Members not yet in an episode join the latest earlier start still open in their group."""
    members = members[episode[members] < 0]
    if len(starts) == 0 or len(members) == 0:
        return
    latest = np.searchsorted(starts, members, side="left") - 1
    valid = latest >= 0
    start = starts[np.maximum(latest, 0)]
    joins = valid & (group[start] == group[members]) & (time[members] < close[start])
    episode[members[joins]] = start[joins]


def _chain(
    free: IntArray,
    group: IntArray,
    key: IntArray,
    close: IntArray,
    span: int,
    origin: int,
    episode: IntArray,
) -> None:
    """Episodes among ``free`` rows of one rank: each group's first row starts one, and the next
    start is the first row at or after the previous episode closes."""
    if len(free) == 0:
        return
    sub_group, sub_key = group[free], key[free]
    after = sub_group * span + (np.minimum(close[free], origin + span - 1) - origin)
    # The next start comes after the row itself, even when its episode closes at once.
    following = np.maximum(
        np.searchsorted(sub_key, after, side="left"), np.arange(1, len(free) + 1)
    )
    inside = following < len(free)
    following[inside & (sub_group[np.minimum(following, len(free) - 1)] != sub_group)] = len(free)
    is_start = np.zeros(len(free), dtype=np.bool_)
    frontier = np.flatnonzero(np.r_[True, sub_group[1:] != sub_group[:-1]])
    while len(frontier):
        is_start[frontier] = True
        frontier = following[frontier]
        frontier = frontier[frontier < len(free)]
    start_positions = np.flatnonzero(is_start)
    owner = start_positions[np.searchsorted(start_positions, np.arange(len(free)), "right") - 1]
    episode[free] = free[owner]
