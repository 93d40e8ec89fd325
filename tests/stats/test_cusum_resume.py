"""The resumable CUSUM path: carried on in pieces, it is the whole path to the last bit."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from caresignal.stats._cusum_path import cusum_path, resume_path


def _in_pieces(
    weights: np.ndarray, h: float, strict: bool, cuts: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    state = None
    paths, signals = [], []
    start = 0
    for end in [*sorted(cuts), weights.size]:
        path, found, state = resume_path(weights[start:end], h, strict=strict, state=state)
        paths.append(path)
        signals.append(found)
        start = end
    return np.concatenate(paths), np.concatenate(signals)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=2_000),
    st.floats(min_value=-0.4, max_value=0.2),
    st.one_of(st.floats(min_value=0.2, max_value=8.0), st.just(math.inf)),
    st.booleans(),
    st.lists(st.integers(min_value=0, max_value=2_000), max_size=6),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.booleans(),
)
def test_a_path_carried_on_in_pieces_is_the_whole_path(
    n: int, drift: float, h: float, strict: bool, cuts: list[int], seed: int, rounded: bool
) -> None:
    weights = np.random.default_rng(seed).normal(drift, 0.6, n)
    if rounded:  # ties with h and exact zeros
        weights = np.round(weights, 1)
    whole, signals = cusum_path(weights, h, strict=strict, reset=True)
    path, found = _in_pieces(weights, h, strict, [min(cut, n) for cut in cuts])
    assert np.array_equal(path, whole)  # bit for bit, not approximately
    assert np.array_equal(found, signals)


def test_every_cut_of_a_long_path_with_many_windows_gives_the_whole_path() -> None:
    weights = np.random.default_rng(7).normal(-0.05, 0.5, 5_000)
    whole, signals = cusum_path(weights, 4.0, strict=False, reset=True)
    assert signals.size > 10  # windows restart after signals and double in between
    for cut in range(0, 5_001, 97):
        path, found = _in_pieces(weights, 4.0, False, [cut, cut + 1])
        assert np.array_equal(path, whole)
        assert np.array_equal(found, signals)


def test_no_new_cases_leave_the_state_as_it_was() -> None:
    _, _, state = resume_path(np.array([0.5, -0.2, 0.7]), 3.0, strict=False)
    path, found, after = resume_path(np.zeros(0), 3.0, strict=False, state=state)
    assert path.size == found.size == 0
    assert after == state
