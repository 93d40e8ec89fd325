"""Tests of caresignal.stats.funnel against FunnelPlotR's published output and base R."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from caresignal.data.public import ae_attendances, medpar
from caresignal.stats.funnel import funnel

DATA = Path(__file__).parent.parent / "data" / "funnel"


def _read(name: str) -> pl.DataFrame:
    return pl.read_csv(DATA / name, comment_prefix="#", schema_overrides={"provnum": pl.String})


@pytest.fixture(scope="module")
def medpar_units() -> pl.DataFrame:
    """Observed (sum of los) and expected (sum of prds) length of stay per provider."""
    frame = medpar().group_by("provnum").agg(pl.col("los").sum(), pl.col("prds").sum())
    return frame.sort("provnum")


@pytest.fixture(scope="module")
def ae_units() -> pl.DataFrame:
    """4-hour breaches / attendances per type 1 department, March 2019."""
    frame = ae_attendances().filter(
        (pl.col("period") == date(2019, 3, 1)) & (pl.col("type") == "1")
    )
    return frame.sort("org_code")


def _outlier_names(result: object) -> str:
    labels, flags = result.labels, result.outlier  # type: ignore[attr-defined]
    return ";".join(label for label, flag in zip(labels, flags, strict=True) if flag)


# ---- FunnelPlotR's own published output ----


def test_medpar_matches_funnelplotr_summary(medpar_units: pl.DataFrame) -> None:
    # FunnelPlotR reference/funnel_plot.html, summary(fp): phi = 8.532851, tau2 = 0.02841023,
    # 16 outliers at limit=95 (SHMI, trim_by=0.1, SHMI_rounding=TRUE rounds E to 2 decimals).
    expected = np.round(medpar_units["prds"].to_numpy(), 2)
    result = funnel(medpar_units["los"], expected, labels=medpar_units["provnum"], levels=0.95)
    published = _read("funnelplotr_medpar_outliers.csv")
    assert result.phi == pytest.approx(8.532851, rel=1e-6)
    assert result.tau2 == pytest.approx(0.02841023, rel=1e-6)
    assert _outlier_names(result) == ";".join(published["provnum"])
    index = [result.labels.index(name) for name in published["provnum"]]
    assert result.z[index] == pytest.approx(published["Uzscore"].to_numpy(), rel=1e-6)
    assert result.trimmed[index].tolist() == (published["truncated"] == 1).to_list()
    assert result.lower[0.95][index] == pytest.approx(published["OD95LCL"].to_numpy(), rel=1e-6)
    assert result.upper[0.95][index] == pytest.approx(published["OD95UCL"].to_numpy(), rel=1e-6)


def test_medpar_matches_funnelplotr_limits(medpar_units: pl.DataFrame) -> None:
    # Same page: OD99LCL/OD99UCL (additive, 99.8 %) and the Poisson limits LCL95..UCL99.
    expected = np.round(medpar_units["prds"].to_numpy(), 2)
    names = medpar_units["provnum"].to_list()
    published = _read("funnelplotr_medpar_outliers.csv")
    index = [names.index(name) for name in published["provnum"]]
    adjusted = funnel(medpar_units["los"], expected)
    exact = funnel(medpar_units["los"], expected, overdispersion=None)
    pairs = [
        (adjusted.lower[0.998], "OD99LCL"),
        (adjusted.upper[0.998], "OD99UCL"),
        (exact.lower[0.95], "LCL95"),
        (exact.upper[0.95], "UCL95"),
        (exact.lower[0.998], "LCL99"),
        (exact.upper[0.998], "UCL99"),
    ]
    for limits, column in pairs:
        assert limits[index] == pytest.approx(published[column].to_numpy(), rel=1e-6), column


def test_medpar_outlier_counts_match_funnelplotr_readme(medpar_units: pl.DataFrame) -> None:
    # FunnelPlotR README: limit=99 gives 25 outliers unadjusted and 9 with the SHMI adjustment.
    adjusted = funnel(medpar_units["los"], medpar_units["prds"])
    exact = funnel(medpar_units["los"], medpar_units["prds"], overdispersion=None)
    assert sum(flag is not None for flag in exact.outlier) == 25
    assert sum(flag is not None for flag in adjusted.outlier) == 9


def test_poisson_limits_match_funnelplotr_tests() -> None:
    # FunnelPlotR tests/testthat/test-poisson_limits.R, limits at E = 15, 20, 30.
    result = funnel([15, 20, 30], [15.0, 20.0, 30.0], overdispersion=None)
    assert result.lower[0.95] == pytest.approx([0.5596924, 0.6108260, 0.6746958], abs=1e-7)
    assert result.upper[0.95] == pytest.approx([1.649348, 1.544419, 1.427562], abs=1e-6)
    assert result.lower[0.998] == pytest.approx([0.3862650, 0.4479107, 0.5289724], abs=1e-7)
    assert result.upper[0.998] == pytest.approx([2.082907, 1.902094, 1.702771], abs=1e-6)


# ---- independent base-R reference values (tests/data/r/funnel_reference.R) ----


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_exact_poisson_limits_match_r_qchisq(level: float) -> None:
    table = _read("exact_poisson_limits.csv").filter(pl.col("level") == level)
    size = table["expected"].to_numpy()
    result = funnel(size, size, overdispersion=None, method="exact", levels=level)
    assert result.lower[level] == pytest.approx(table["lower"].to_numpy(), rel=1e-10)
    assert result.upper[level] == pytest.approx(table["upper"].to_numpy(), rel=1e-10)


def test_exact_binomial_limits_match_r_interpolation() -> None:
    table = _read("exact_binomial_limits.csv")
    for (target, level), group in table.group_by("target", "level"):
        n = group["n"].to_numpy()
        result = funnel(
            np.zeros(n.size),
            n,
            kind="proportion",
            method="exact",
            overdispersion=None,
            target=float(target),
            levels=float(level),  # type: ignore[arg-type]
        )
        got_lower, got_upper = result.lower[float(level)], result.upper[float(level)]  # type: ignore[arg-type]
        assert got_lower == pytest.approx(group["lower"].to_numpy(), abs=1e-10)
        assert got_upper == pytest.approx(group["upper"].to_numpy(), abs=1e-10)


def test_exact_midp_z_scores_match_r() -> None:
    table = _read("exact_midp_z.csv")
    for (kind,), group in table.group_by("kind"):
        result = funnel(
            group["numerator"],
            group["denominator"],
            kind=kind,
            method="exact",  # type: ignore[arg-type]
            overdispersion=None,
            target=float(group["target"][0]),
        )
        assert result.z == pytest.approx(group["z"].to_numpy(), rel=1e-9)


@pytest.mark.parametrize("row", range(5))
def test_overdispersion_matches_r(
    row: int, medpar_units: pl.DataFrame, ae_units: pl.DataFrame
) -> None:
    reference = _read("overdispersion_reference.csv").row(row, named=True)
    if reference["data"].startswith("medpar"):
        numerator, names = medpar_units["los"], medpar_units["provnum"]
        size = medpar_units["prds"].to_numpy()
        size = np.round(size, 2) if reference["data"].endswith("2dp") else size
        kind = "ratio"
    else:
        numerator, size, names = ae_units["breaches"], ae_units["attendances"], ae_units["org_code"]
        kind = "proportion"
    options = {"kind": kind, "method": reference["method"], "labels": names}
    additive = funnel(numerator, size, **options)  # type: ignore[arg-type]
    assert additive.phi == pytest.approx(reference["phi"], rel=1e-9)
    assert additive.tau2 == pytest.approx(reference["tau2"], rel=1e-9)
    assert int((~additive.trimmed).sum()) == reference["n_kept"] or reference["method"] == "CQC"
    assert additive.target == pytest.approx(reference["target"], rel=1e-12)
    assert _outlier_names(additive) == (reference["outliers_additive_998"] or "")
    at_95 = funnel(numerator, size, levels=0.95, **options)  # type: ignore[arg-type]
    assert _outlier_names(at_95) == (reference["outliers_additive_95"] or "")
    multiplicative = funnel(numerator, size, overdispersion="multiplicative", **options)  # type: ignore[arg-type]
    assert _outlier_names(multiplicative) == (reference["outliers_multiplicative_998"] or "")


def test_medpar_unit_values_match_r(medpar_units: pl.DataFrame) -> None:
    table = _read("medpar_shmi_units.csv")
    adjusted = funnel(medpar_units["los"], medpar_units["prds"])
    exact = funnel(medpar_units["los"], medpar_units["prds"], overdispersion=None)
    assert medpar_units["provnum"].to_list() == table["provnum"].to_list()
    assert adjusted.z == pytest.approx(table["z"].to_numpy(), rel=1e-9)
    assert adjusted.lower[0.95] == pytest.approx(table["add95_lower"].to_numpy(), rel=1e-9)
    assert adjusted.upper[0.95] == pytest.approx(table["add95_upper"].to_numpy(), rel=1e-9)
    assert adjusted.lower[0.998] == pytest.approx(table["add998_lower"].to_numpy(), rel=1e-9)
    assert adjusted.upper[0.998] == pytest.approx(table["add998_upper"].to_numpy(), rel=1e-9)
    assert exact.lower[0.998] == pytest.approx(table["exact998_lower"].to_numpy(), rel=1e-9)
    assert exact.upper[0.998] == pytest.approx(table["exact998_upper"].to_numpy(), rel=1e-9)


def test_medpar_pinned_values(medpar_units: pl.DataFrame) -> None:
    # Real-data pin (E not rounded): phi, tau2 from funnel_reference.R; outliers at 99.8 %.
    result = funnel(medpar_units["los"], medpar_units["prds"], labels=medpar_units["provnum"])
    assert result.phi == pytest.approx(8.53205515064086, rel=1e-9)
    assert result.tau2 == pytest.approx(0.0284072147941442, rel=1e-9)
    high = [
        name for name, flag in zip(result.labels, result.outlier, strict=True) if flag == "high"
    ]
    low = [name for name, flag in zip(result.labels, result.outlier, strict=True) if flag == "low"]
    assert high == ["030073", "032003"]
    assert low == ["030017", "030035", "030037", "030044", "030060", "030067", "030068"]


# ---- behaviour and edge cases ----


def test_zero_count_is_truncated_and_flagged_low() -> None:
    # FunnelPlotR's handling of log(0): z = -inf ranks lowest and is truncated before phi.
    observed = [0, 8, 9, 10, 11, 12, 9, 10, 11, 10, 13, 7]
    result = funnel(observed, [10.0] * 12)
    assert result.z[0] == -np.inf
    assert result.trimmed[0]
    assert np.isfinite(result.phi)
    assert result.value[0] == 0.0
    assert result.outlier[0] == "low"


def test_zero_count_kept_in_phi_is_refused() -> None:
    with pytest.raises(ValueError, match=r"numerator\[0\] is 0.*CQC"):
        funnel([0, 8, 12], [10.0, 10.0, 10.0], trim=0.0)


def test_zero_count_works_on_square_root_and_exact_scales() -> None:
    cqc = funnel([0, 8, 12], [10.0, 10.0, 10.0], method="CQC", trim=0.0)
    assert cqc.z[0] == pytest.approx(-2 * np.sqrt(10.0))
    exact = funnel([0, 8, 12], [10.0, 10.0, 10.0], method="exact", overdispersion=None)
    assert np.isfinite(exact.z).all()
    proportion = funnel([0, 5, 10], [10, 10, 10], kind="proportion")
    assert proportion.value.tolist() == [0.0, 0.5, 1.0]
    assert np.isfinite(proportion.z).all()


def test_no_overdispersion_falls_back_to_exact_limits() -> None:
    observed, expected = [9, 10, 11, 10], [10.0, 10.0, 10.0, 10.0]
    additive = funnel(observed, expected)
    multiplicative = funnel(observed, expected, overdispersion="multiplicative")
    exact = funnel(observed, expected, overdispersion=None)
    assert additive.tau2 == 0.0
    assert not additive.adjusted
    assert not multiplicative.adjusted
    for result in (additive, multiplicative):
        assert result.lower[0.95] == pytest.approx(exact.lower[0.95], rel=1e-15)
        assert result.upper[0.998] == pytest.approx(exact.upper[0.998], rel=1e-15)


def test_exact_method_reports_assumed_phi_and_tau2() -> None:
    result = funnel([5, 20], [10.0, 10.0], method="exact", overdispersion=None)
    assert (result.phi, result.tau2, result.adjusted) == (1.0, 0.0, False)
    assert not result.trimmed.any()


def test_single_unit_gives_zero_tau2() -> None:
    result = funnel([30], [10.0])
    assert result.tau2 == 0.0
    assert result.phi == pytest.approx(np.log(3.0) ** 2 * 10.0)


def test_target_for_ratio_and_proportion() -> None:
    ratio = funnel([10, 20], [10.0, 10.0], target=1.5, overdispersion=None)
    assert ratio.lower[0.95] == pytest.approx(
        1.5 * funnel([10], [10.0], overdispersion=None).lower[0.95][0]
    )
    proportion = funnel([1, 3], [10, 10], kind="proportion")
    assert proportion.target == pytest.approx(0.2)
    assert proportion.proportion.tolist() == [0.1, 0.3]
    with pytest.raises(AttributeError, match="ratio"):
        _ = proportion.ratio
    assert ratio.ratio.tolist() == [1.0, 2.0]
    with pytest.raises(AttributeError, match="proportion"):
        _ = ratio.proportion


def test_curves_cover_the_units_and_agree_with_unit_limits() -> None:
    result = funnel([5, 12, 30, 60], [10.0, 11.0, 25.0, 48.0], grid_points=50)
    grid = result.curves.denominator
    assert grid[0] == pytest.approx(10.0)
    assert grid[-1] == pytest.approx(48.0)
    assert np.all(np.diff(grid) > 0)
    assert result.curves.lower[0.95][0] == pytest.approx(result.lower[0.95][0])
    assert result.curves.upper[0.998][-1] == pytest.approx(result.upper[0.998][-1])
    proportion = funnel([1, 30], [3, 1000], kind="proportion", grid_points=40)
    assert np.all(proportion.curves.denominator == np.round(proportion.curves.denominator))


def test_result_is_frozen_and_read_only() -> None:
    result = funnel([5, 12, 30], [10.0, 11.0, 25.0], labels=["a", "b", "c"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.phi = 2.0  # type: ignore[misc]
    for array in (
        result.value,
        result.z,
        result.trimmed,
        result.lower[0.95],
        result.curves.denominator,
    ):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0
    with pytest.raises(TypeError):
        result.lower[0.5] = result.value  # type: ignore[index]
    assert result.labels == ("a", "b", "c")


# ---- argument errors: each message names the argument ----


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"numerator": [-1, 2]}, r"numerator\[0\]"),
        ({"denominator": [0.0, 2.0]}, r"denominator\[0\]"),
        ({"denominator": [-3.0, 2.0]}, r"denominator\[0\]"),
        ({"denominator": [1.0, np.nan]}, r"denominator\[1\]"),
        ({"denominator": [1.0, 2.0, 3.0]}, "numerator has 2, denominator has 3"),
        ({"method": "Spiegelhalter"}, "method is 'Spiegelhalter'"),
        ({"kind": "rate"}, "kind is 'rate'"),
        ({"overdispersion": "both"}, "overdispersion is 'both'"),
        ({"levels": (0.95, 1.0)}, r"levels\[1\] is 1.0"),
        ({"levels": 0.0}, r"levels\[0\] is 0.0"),
        ({"levels": ()}, "levels must hold"),
        ({"levels": (0.95, 0.95)}, "levels must be distinct"),
        ({"trim": 0.5}, "trim is 0.5"),
        ({"trim": -0.1}, "trim is -0.1"),
        ({"method": "exact"}, "overdispersion is 'additive'.*method='exact'"),
        ({"target": 0.0}, "target is 0.0"),
        ({"labels": ["a"]}, "labels has 1"),
        ({"grid_points": 1}, "grid_points is 1"),
    ],
)
def test_ratio_argument_errors(kwargs: dict[str, object], pattern: str) -> None:
    arguments: dict[str, object] = {"numerator": [3, 4], "denominator": [2.0, 5.0], **kwargs}
    with pytest.raises(ValueError, match=pattern):
        funnel(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("numerator", "denominator", "target", "pattern"),
    [
        ([5, 12], [10, 11], None, r"numerator\[1\] is 12.0, more than denominator\[1\] \(11.0\)"),
        ([1.5, 2], [10, 11], None, r"numerator\[0\] is 1.5; expected a whole number"),
        ([1, 2], [10.5, 11], None, r"denominator\[0\] is 10.5; expected a whole number"),
        ([0, 0], [10, 11], None, "numerator: the overall proportion is 0"),
        ([1, 2], [10, 11], 1.0, "target is 1.0"),
    ],
)
def test_proportion_argument_errors(
    numerator: list[float], denominator: list[float], target: float | None, pattern: str
) -> None:
    with pytest.raises(ValueError, match=pattern):
        funnel(numerator, denominator, kind="proportion", target=target)


def test_type_errors_name_the_argument() -> None:
    with pytest.raises(TypeError, match="numerator"):
        funnel("12", [1.0])
    with pytest.raises(TypeError, match="trim"):
        funnel([1], [1.0], trim="0.1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="labels"):
        funnel([1], [1.0], labels="a")
