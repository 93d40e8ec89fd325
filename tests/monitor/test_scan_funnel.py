"""The scan's funnel of the last months (caresignal.monitor._scan_funnel.run_funnel) for a rare
outcome whose units have no events in the window, as small maternity units have in a year."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from caresignal.monitor._scan_funnel import FunnelRun, run_funnel
from caresignal.monitor.catalogue import load_catalogue
from caresignal.stats.funnel import funnel

#: The shipped term HIE funnel: observed over expected events, SHMI limits, 10 % truncation.
SPEC = next(m for m in load_catalogue().get("term_hie").methods if m.method == "funnel")


def _points(observed: list[int], expected: list[float]) -> pl.DataFrame:
    """Twelve months of each unit, its events all in the last month."""
    rows = [
        {
            "unit": f"U{number:02d}",
            "period_start": dt.date(2024, month + 1, 1),
            "numerator": float(events if month == 11 else 0),
            "denominator": 100.0,
            "risk_model": size / 12,
        }
        for number, (events, size) in enumerate(zip(observed, expected, strict=True))
        for month in range(12)
    ]
    return pl.DataFrame(rows)


def _same(run: FunnelRun, observed: list[int], expected: list[float], method: str) -> None:
    """``run`` is stats.funnel's own result on ``method``'s scale for the units' totals."""
    assert run.observed.tolist() == observed
    assert np.allclose(run.size, expected, rtol=1e-12)
    direct = funnel(
        run.observed, run.size, kind="ratio", method=method,  # type: ignore[arg-type]
        levels=(0.95, 0.998), overdispersion="additive", trim=0.1,
        labels=[f"U{n:02d}" for n in range(len(observed))],
    )  # fmt: skip
    assert run.result.method == method
    assert run.result.tau2 == direct.tau2
    assert np.array_equal(run.result.z, direct.z)


def test_a_few_units_without_events_are_truncated_on_the_log_scale() -> None:
    observed = [0, 3, 4, 2, 5, 3, 4, 6, 2, 3, 4, 5, 3, 2, 4, 3, 5, 4, 3, 4]
    expected = [3.0, 3.2, 3.5, 2.8, 4.1, 3.0, 3.9, 4.4, 2.6, 3.1, 3.6, 4.0, 3.3, 2.9, 3.8, 3.4,
                4.2, 3.7, 3.2, 3.5]  # fmt: skip
    run = run_funnel(SPEC, _points(observed, expected))
    assert isinstance(run, FunnelRun)
    _same(run, observed, expected, "SHMI")


def test_many_units_without_events_are_drawn_on_the_square_root_scale() -> None:
    # A quarter of the units had no event: the 10 % truncation cannot drop them all, and their
    # log-scale z-score is -inf, so the funnel is the square-root (CQC) scale's.
    observed = [0, 0, 0, 0, 0, 1, 2, 1, 3, 2, 1, 2, 4, 1, 2, 3, 1, 2, 1, 2]
    expected = [1.1, 0.9, 1.4, 1.2, 0.8, 1.5, 1.9, 1.3, 2.2, 1.7, 1.2, 1.8, 2.5, 1.1, 1.6, 2.0,
                1.0, 1.4, 1.3, 1.5]  # fmt: skip
    run = run_funnel(SPEC, _points(observed, expected))
    assert isinstance(run, FunnelRun)
    _same(run, observed, expected, "CQC")
