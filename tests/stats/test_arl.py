"""Tests of caresignal.stats.arl against published tables and R (spc, surveillance, simulation)."""

from __future__ import annotations

import csv
import math
import pathlib

import numpy as np
import polars as pl
import pytest

from caresignal.data.public import cardiac_surgery
from caresignal.stats import arl

DATA = pathlib.Path(__file__).parent.parent / "data" / "arl"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open() as handle:
        return list(csv.DictReader(handle))


def _close(value: float, expected: float, rel: float) -> bool:
    return abs(value / expected - 1.0) <= rel


# ---- published tables (expected_spc_arl_tables.csv) ---------------------------------------------

PUBLISHED = _rows("expected_spc_arl_tables.csv")
# In scope: the one- and two-sided normal CUSUM ARLs and thresholds, and Lucas's Poisson CUSUM.
# Out of scope: EWMA (xewma.*) and Shewhart charts with runs rules (xshewhartrunsrules.arl) are
# other charts; Crosier's (1986) two-sided CUSUM (sided=Crosier) is not implemented.
NORMAL_ARL = [r for r in PUBLISHED if r["fun"] == "xcusum.arl" and "Crosier" not in r["args"]]
NORMAL_CRIT = [r for r in PUBLISHED if r["fun"] == "xcusum.crit"]
POISSON_ARL = [r for r in PUBLISHED if r["fun"] == "pois.cusum.arl"]
OUT_OF_SCOPE = [r for r in PUBLISHED if r not in NORMAL_ARL + NORMAL_CRIT + POISSON_ARL]


#: The normal CUSUM's ARL is smooth in h, so 1,000 cells already agree with spc to about 3e-5
#: (the default, 4,000 cells, is checked in test_normal_default_grid); it keeps the tests fast.
GRID = 1000


def test_normal_default_grid() -> None:
    value = arl.normal_cusum_arl(0.5, 4.0, sided="two", head_start=2.0)
    assert value.grid == 4000
    assert not value.lattice
    assert _close(value.arl, 148.69565, 2e-5)  # spc: xcusum.arl(0.5, 4, 0, hs=2, sided="two")


def test_published_rows_in_and_out_of_scope() -> None:
    assert len(NORMAL_ARL) == 39
    assert len(NORMAL_CRIT) == 6
    assert len(POISSON_ARL) == 4
    assert {r["fun"] for r in OUT_OF_SCOPE} == {
        "xcusum.arl",
        "xewma.arl",
        "xewma.crit",
        "xshewhartrunsrules.arl",
    }
    assert all("Crosier" in r["args"] for r in OUT_OF_SCOPE if r["fun"] == "xcusum.arl")


def _normal_args(row: dict[str, str]) -> dict[str, float | str]:
    parts = dict(part.split("=", 1) for part in row["args"].split(","))
    return {
        "k": float(parts["k"]),
        "h": float(parts["h"]),
        "mu": float(parts["mu"]),
        "head_start": float(parts.get("hs", 0.0)),
        "sided": parts["sided"].split()[0],
    }


@pytest.mark.parametrize("row", NORMAL_ARL, ids=lambda r: f"{r['source'][:12]}:{r['args']}")
def test_normal_cusum_arl_reproduces_published_tables(row: dict[str, str]) -> None:
    a = _normal_args(row)
    value = arl.normal_cusum_arl(
        a["k"], a["h"], mu=a["mu"], sided=a["sided"], head_start=a["head_start"], grid=GRID
    ).arl
    # Published (Brook & Evans 1972; Lucas & Crosier 1982; Vance 1986; Waldmann 1986; SAS/QC)
    # within 1 %; spc's value (xcusum.arl, in the same row) within 0.1 %.
    assert _close(value, float(row["published"]), 0.01)
    assert _close(value, float(row["spc_value"]), 0.001)


@pytest.mark.parametrize("row", NORMAL_CRIT, ids=lambda r: r["args"])
def test_normal_cusum_threshold_reproduces_spc(row: dict[str, str]) -> None:
    parts = dict(part.split("=", 1) for part in row["args"].split(","))
    found = arl.normal_cusum_threshold(
        float(parts["k"]), float(parts["L0"]), sided=parts["sided"], grid=GRID
    )
    # No published value: spc::xcusum.crit's value (spc_value column) within 0.1 %.
    assert _close(found.h, float(row["spc_value"]), 0.001)
    assert _close(found.arl, float(parts["L0"]), 1e-5)


@pytest.mark.parametrize("row", POISSON_ARL, ids=lambda r: r["source"])
def test_poisson_cusum_arl_reproduces_lucas_1985(row: dict[str, str]) -> None:
    # e.g. "mu=0.25,km=1,hm=39,m=4,i0=round(39/2),upper (FIR)": k = km/m, h = hm/m, head start
    # i0/m with R's round(19.5) = 20; Lucas and spc signal when S > h.
    parts = row["args"].split(",")
    values = dict(p.split("=", 1) for p in parts if "=" in p)
    m = float(values["m"])
    head = 20 if "i0" in values else 0
    lower = parts[-1].startswith("lower")
    value = arl.poisson_cusum_arl(
        float(values["mu"]),
        k=float(values["km"]) / m,
        h=float(values["hm"]) / m,
        head_start=head / m,
        rate_ratio=0.5 if lower else 2.0,
        signal_rule=">",
    )
    assert value.lattice
    assert _close(value.arl, float(row["published"]), 0.01)  # Lucas (1985) Tables 2-5
    assert _close(value.arl, float(row["spc_value"]), 1e-6)  # spc::pois.cusum.arl


# ---- R: spc ---------------------------------------------------------------------------------


@pytest.mark.parametrize("row", _rows("spc_xcusum_arl.csv"), ids=lambda r: r["r_call"])
def test_normal_cusum_arl_matches_spc(row: dict[str, str]) -> None:
    value = arl.normal_cusum_arl(
        float(row["k"]),
        float(row["h"]),
        mu=float(row["mu"]),
        sided=row["sided"],
        head_start=float(row["hs"]),
        grid=GRID,
    )
    assert _close(value.arl, float(row["arl"]), 2e-4)  # the r_call column
    assert value.grid == GRID


@pytest.mark.parametrize("row", _rows("spc_xcusum_crit.csv"), ids=lambda r: r["r_call"])
def test_normal_cusum_threshold_matches_spc(row: dict[str, str]) -> None:
    found = arl.normal_cusum_threshold(
        float(row["k"]), float(row["L0"]), sided=row["sided"], grid=GRID
    )
    assert _close(found.h, float(row["h"]), 2e-4)  # the r_call column


@pytest.mark.parametrize("row", _rows("spc_pois_cusum_arl.csv"), ids=lambda r: r["r_call"])
def test_poisson_cusum_arl_matches_spc(row: dict[str, str]) -> None:
    m = float(row["m"])
    value = arl.poisson_cusum_arl(
        float(row["mu"]),
        k=float(row["km"]) / m,
        h=float(row["hm"]) / m,
        head_start=float(row["i0"]) / m,
        rate_ratio=2.0 if row["sided"] == "upper" else 0.5,
        signal_rule=">",
    )
    assert value.lattice
    assert value.grid == int(row["hm"]) + 1
    assert _close(value.arl, float(row["arl"]), 1e-9)  # exact chains on both sides


# ---- R: surveillance ------------------------------------------------------------------------


@pytest.mark.parametrize("row", _rows("surveillance_arlcusum.csv"), ids=lambda r: r["r_call"])
def test_count_scale_cusums_match_surveillance(row: dict[str, str]) -> None:
    theta, k, h = float(row["theta"]), float(row["k"]), float(row["h"])
    start = float(row["fir_start"])  # floor(h d / 2) / d, where arlCusum's FIR.ARL starts
    if row["distr"] == "poisson":
        plain = arl.poisson_cusum_arl(theta, k=k, h=h)
        fir = arl.poisson_cusum_arl(theta, k=k, h=h, head_start=start)
    else:
        # A Bernoulli chart S = max(0, S + y - k) is Steiner's chart with odds ratio 2 divided by
        # log 2, for the design risk p0 with log(1 - p0 + 2 p0) / log 2 = k; the true event
        # probability theta is the design risk with the odds multiplied by true_odds_ratio.
        p0 = 2.0**k - 1.0
        true_or = (theta / (1 - theta)) / (p0 / (1 - p0))
        scale = math.log(2.0)
        plain = arl.bernoulli_cusum_arl(p0, odds_ratio=2.0, h=h * scale, true_odds_ratio=true_or)
        fir = arl.bernoulli_cusum_arl(
            p0, odds_ratio=2.0, h=h * scale, true_odds_ratio=true_or, head_start=start * scale
        )
    assert plain.lattice
    assert fir.lattice
    assert _close(plain.arl, float(row["arl"]), 1e-8)  # arlCusum(...)$ARL
    assert _close(fir.arl, float(row["fir_arl"]), 1e-8)  # arlCusum(...)$FIR.ARL


@pytest.mark.parametrize("row", _rows("surveillance_findh.csv"), ids=lambda r: r["r_call"])
def test_poisson_thresholds_match_surveillance_findh(row: dict[str, str]) -> None:
    theta0, arl0 = float(row["theta0"]), float(row["ARL0"])
    h, k = float(row["h"]), float(row["k"])
    # findH's k is findK's (rounded) reference value; its h is rounded to 0.1 and only needs an
    # ARL within rel.tol of ARL0. Our ARL at (h, k) is its ARL exactly ...
    assert _close(arl.poisson_cusum_arl(theta0, k=k, h=h).arl, float(row["ARL"]), 1e-8)
    # ... and our threshold is the smallest lattice h reaching ARL0: findH's h lies below it
    # exactly when findH's ARL falls short of ARL0 (it accepts any ARL within rel.tol).
    found = arl.poisson_cusum_threshold(theta0, k=k, arl0=arl0)
    assert found.lattice
    assert found.arl >= arl0
    unit = found.h / found.grid
    assert arl.poisson_cusum_arl(theta0, k=k, h=found.h - unit).arl < arl0
    on_lattice = math.ceil(h / unit - 1e-9) * unit  # S >= 5.3 is S >= 5.4 on a 0.2 lattice
    assert (on_lattice < found.h - 1e-9) == (float(row["ARL"]) < arl0)


# ---- the risk-adjusted chart ----------------------------------------------------------------


@pytest.fixture(scope="module")
def case_mix() -> np.ndarray:
    """Risks of the phase I cardiac surgery cases under Steiner et al.'s (2000) model."""
    data = cardiac_surgery().filter(pl.col("phase") == "I")
    return 1.0 / (1.0 + np.exp(-(-3.68 + 0.077 * data["Parsonnet"].to_numpy())))


@pytest.mark.parametrize("row", _rows("racusum_simulation_r.csv"), ids=lambda r: r["r_call"])
def test_risk_adjusted_arl_agrees_with_r_simulation(row: dict[str, str], case_mix) -> None:
    risk = 0.05 if row["case_mix"] == "p=0.05" else case_mix
    value = arl.bernoulli_cusum_arl(
        risk,
        odds_ratio=float(row["odds_ratio"]),
        h=float(row["h"]),
        true_odds_ratio=float(row["true_odds_ratio"]),
    ).arl
    # The R simulation's ARL (the r_call column) within 3 of its standard errors.
    assert abs(value - float(row["arl"])) <= 3 * float(row["se"])


def test_markov_chain_converges_as_the_grid_is_refined(case_mix) -> None:
    grids = (250, 500, 1000, 2000, 4000, 8000)
    values = [arl.bernoulli_cusum_arl(case_mix, odds_ratio=2.0, h=4.5, grid=g).arl for g in grids]
    changes = np.abs(np.diff(values))
    assert (np.diff(changes) < 0).all()  # each refinement changes the ARL less than the last
    assert changes[-1] < 5e-5 * values[-1]
    default = arl.bernoulli_cusum_arl(case_mix, odds_ratio=2.0, h=4.5)
    assert default.grid == 4000
    assert _close(default.arl, values[-1], 0.005)
    assert _close(default.arl, values[-1], 0.0001)  # measured: 0.002 %


@pytest.mark.parametrize(
    ("risk", "odds_ratio", "h"),
    [(0.0035, 0.5, 3.0), (0.1, 2.0, 3.0), (0.1, 0.5, 2.5)],
    ids=["moss-like improvement chart", "p=0.1 harm", "p=0.1 improvement"],
)
def test_default_grid_is_fine_enough_for_unadjusted_charts(risk, odds_ratio, h) -> None:
    # One risk for every case: two step sizes only, the slowest case for the chain to converge.
    default = arl.bernoulli_cusum_arl(risk, odds_ratio=odds_ratio, h=h)
    fine = arl.bernoulli_cusum_arl(risk, odds_ratio=odds_ratio, h=h, grid=16000)
    assert default.grid == 8000
    assert _close(default.arl, fine.arl, 0.005)
    assert _close(default.arl, fine.arl, 0.001)  # measured: at most 0.04 %


def test_markov_agrees_with_simulation(case_mix) -> None:
    markov = arl.bernoulli_cusum_arl(case_mix, odds_ratio=2.0, h=4.5, true_odds_ratio=2.0)
    simulated = arl.bernoulli_cusum_arl(
        case_mix, odds_ratio=2.0, h=4.5, true_odds_ratio=2.0, method="simulate", runs=4000, seed=1
    )
    assert simulated.method == "simulate"
    assert simulated.runs == 4000
    assert abs(markov.arl - simulated.arl) <= 3 * simulated.standard_error
    poisson = arl.poisson_cusum_arl(2.0, rate_ratio=1.5, h=3.0)
    sim = arl.poisson_cusum_arl(2.0, rate_ratio=1.5, h=3.0, method="simulate", runs=4000, seed=2)
    assert not poisson.lattice
    assert abs(poisson.arl - sim.arl) <= 3 * sim.standard_error


def test_two_sided_relation_agrees_with_joint_simulation() -> None:
    # Lucas & Crosier's combination of one-sided ARLs, checked against both halves run together.
    markov = arl.normal_cusum_arl(0.5, 4.0, mu=0.5, sided="two", head_start=2.0)
    sim = arl.normal_cusum_arl(
        0.5, 4.0, mu=0.5, sided="two", head_start=2.0, method="simulate", runs=20000, seed=3
    )
    assert _close(markov.arl, 20.1, 0.01)  # Lucas & Crosier (1982) Table 1
    assert abs(markov.arl - sim.arl) <= 3 * sim.standard_error


def test_lattice_chain_is_exact_and_the_grid_converges_to_it() -> None:
    # p0 = 2^0.3 - 1 with odds ratio 2: weights 0.7 log 2 and -0.3 log 2, a lattice of 0.1 log 2.
    p0, unit = 2.0**0.3 - 1.0, 0.1 * math.log(2.0)
    off_lattice = arl.bernoulli_cusum_arl(p0, h=30.5 * unit)
    on_lattice = arl.bernoulli_cusum_arl(p0, h=31 * unit)
    assert off_lattice.lattice
    assert off_lattice.grid == 31
    assert off_lattice.arl == pytest.approx(on_lattice.arl, rel=1e-12)  # S >= 30.5u iff S >= 31u
    interpolated = arl.bernoulli_cusum_arl(p0, h=30.5 * unit, grid=2000)
    assert not interpolated.lattice
    assert _close(interpolated.arl, off_lattice.arl, 1e-6)


# ---- thresholds -----------------------------------------------------------------------------


def test_bernoulli_threshold_round_trip(case_mix) -> None:
    target = arl.bernoulli_cusum_arl(case_mix, odds_ratio=2.0, h=4.5).arl
    found = arl.bernoulli_cusum_threshold(case_mix, odds_ratio=2.0, arl0=target)
    assert found.h == pytest.approx(4.5, rel=1e-5)
    assert found.arl == pytest.approx(target, rel=1e-5)
    assert found.arl0 == target
    assert found.grid == 4000
    assert not found.lattice


def test_thresholds_with_head_start_and_improvement_charts() -> None:
    fir = arl.normal_cusum_threshold(0.5, 148.69565, sided="two", head_start=2.0, grid=GRID)
    assert found_close(fir.h, 4.0)  # spc: xcusum.arl(0.5, 4, 0, hs=2, sided="two") = 148.69565
    # Round trips on a 2,000-cell grid (the search is the same on any grid).
    lower = arl.bernoulli_cusum_threshold(0.05, odds_ratio=0.5, arl0=5000, grid=2000)
    assert lower.grid == 2000
    assert _close(
        arl.bernoulli_cusum_arl(0.05, odds_ratio=0.5, h=lower.h, grid=2000).arl, 5000, 1e-5
    )
    llr = arl.poisson_cusum_threshold(3.0, rate_ratio=2.0, arl0=1000, grid=2000)
    assert _close(arl.poisson_cusum_arl(3.0, rate_ratio=2.0, h=llr.h, grid=2000).arl, 1000, 1e-5)


def found_close(h: float, expected: float) -> bool:
    return abs(h - expected) <= 1e-3


def test_lucas_threshold_is_the_smallest_lattice_point() -> None:
    # Lucas (1985): hm = 39 gives 438.125 and hm = 38 gives 417.458 (signal at S > h).
    found = arl.poisson_cusum_threshold(0.25, k=0.25, arl0=430, signal_rule=">")
    assert (found.h, found.lattice) == (9.75, True)
    assert found.arl == pytest.approx(438.125, rel=1e-8)
    assert arl.poisson_cusum_threshold(0.25, k=0.25, arl0=430).h == 10.0  # S >= 10 is S > 9.75


# ---- behaviour and arguments -------------------------------------------------------------------


def test_infinite_threshold_gives_infinite_arl() -> None:
    assert arl.bernoulli_cusum_arl(0.1, h=math.inf).arl == math.inf
    assert arl.poisson_cusum_arl(1.0, h=math.inf, method="simulate").arl == math.inf


def test_simulation_is_reproducible_and_bounded() -> None:
    first = arl.normal_cusum_arl(0.5, 3.0, mu=1.0, method="simulate", runs=500, seed=5)
    again = arl.normal_cusum_arl(0.5, 3.0, mu=1.0, method="simulate", runs=500, seed=5)
    assert first == again
    with pytest.raises(ValueError, match="max_cases"):
        arl.normal_cusum_arl(0.5, 5.0, method="simulate", runs=100, seed=1, max_cases=10_000)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: arl.bernoulli_cusum_arl([0.1, 1.0], h=4.0), "risk"),
        (lambda: arl.bernoulli_cusum_arl(0.0, h=4.0), "risk"),
        (lambda: arl.bernoulli_cusum_arl(0.1, odds_ratio=1.0, h=4.0), "odds_ratio"),
        (lambda: arl.bernoulli_cusum_arl(0.1, odds_ratio=-2.0, h=4.0), "odds_ratio"),
        (lambda: arl.bernoulli_cusum_arl(0.1, h=-4.0), "h"),
        (lambda: arl.bernoulli_cusum_arl(0.1, h=4.0, true_odds_ratio=0.0), "true_odds_ratio"),
        (lambda: arl.bernoulli_cusum_arl(0.1, h=4.0, head_start=4.0), "head_start"),
        (lambda: arl.bernoulli_cusum_arl(0.1, h=4.0, method="exact"), "method"),
        (lambda: arl.bernoulli_cusum_arl(0.1, h=4.0, grid=1), "grid"),
        (lambda: arl.bernoulli_cusum_arl(0.1, h=4.0, runs=1), "runs"),
        (lambda: arl.bernoulli_cusum_arl(0.1, h=4.0, signal_rule="=="), "signal_rule"),
        (lambda: arl.bernoulli_cusum_threshold(0.1, arl0=1.0), "arl0"),
        (lambda: arl.poisson_cusum_arl(0.0, h=4.0), "expected"),
        (lambda: arl.poisson_cusum_arl(1.0, rate_ratio=1.0, h=4.0), "rate_ratio"),
        (lambda: arl.poisson_cusum_arl(1.0, k=-1.0, h=4.0), "k"),
        (lambda: arl.normal_cusum_arl(-0.5, 4.0), "k"),
        (lambda: arl.normal_cusum_arl(0.5, 4.0, sided="both"), "sided"),
        (lambda: arl.normal_cusum_threshold(0.5, 0.5), "arl0"),
        (lambda: arl.describe_false_alarm_rate(0.0, 100), "arl0_cases"),
        (lambda: arl.describe_false_alarm_rate(100.0, -1), "cases_per_year"),
    ],
)
def test_argument_errors_name_the_argument(call, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        call()


# ---- false alarms in words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arl0", "per_year", "sentence"),
    [
        (19_000, 500, "about one false alarm every 38 years at this unit's volume"),
        (500, 500, "about one false alarm every year at this unit's volume"),
        (700, 500, "about one false alarm every 1.4 years at this unit's volume"),
        (123_456, 100, "about one false alarm every 1,200 years at this unit's volume"),
        (1_000, 3_000, "about one false alarm every 4 months at this unit's volume"),
        (100, 1_200, "about one false alarm every month at this unit's volume"),
        (100, 5_200, "about one false alarm every week at this unit's volume"),
        (10, 3_652.5, "about one false alarm every day at this unit's volume"),
        (10, 73_050, "about 20 false alarms a day at this unit's volume"),
        (math.inf, 500, "no false alarms: the chart never signals at this threshold"),
    ],
)
def test_describe_false_alarm_rate(arl0: float, per_year: float, sentence: str) -> None:
    assert arl.describe_false_alarm_rate(arl0, per_year) == sentence
