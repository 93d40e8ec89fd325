"""Charts: each specification carries the statistics' own numbers, and renders to the marks it
should (vl-convert, offline). Also checks the vendored browser assets against their checksums."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from caresignal.data.public import ae_attendances, cardiac_surgery, deleval, medpar
from caresignal.stats.cusum import CusumResult, bernoulli, vlad
from caresignal.stats.funnel import FunnelResult, funnel
from caresignal.stats.spc import ControlChart, p_chart, xmr
from caresignal.web import charts
from caresignal.web.charts import (
    SCHEMA,
    change_began,
    cusum_chart,
    funnel_chart,
    spc_chart,
    to_json,
    to_svg,
    vlad_chart,
)
from caresignal.web.charts.cusum import AMBER, RED
from caresignal.web.charts.funnel import LIMIT_COLOURS
from caresignal.web.charts.spc import ASSURANCE_TEXT, POINT_COLOURS, VARIATION_TEXT

STATIC = Path(charts.__file__).parent.parent / "static"


# --- fixtures: real charts from the bundled public datasets -------------------------------------


@pytest.fixture(scope="module")
def ae_rrk() -> pl.DataFrame:
    """Type-1 A&E at one trust, 36 months, with a clear fall in performance in the last year."""
    frame = ae_attendances().filter((pl.col("type") == "1") & (pl.col("org_code") == "RRK"))
    return frame.sort("period")


@pytest.fixture(scope="module")
def seen_xmr(ae_rrk: pl.DataFrame) -> ControlChart:
    seen = (ae_rrk["attendances"] - ae_rrk["breaches"]) / ae_rrk["attendances"] * 100
    return xmr(seen, improvement="increase", target=95)


@pytest.fixture(scope="module")
def switch_cusum() -> CusumResult:
    """de Leval's arterial switch deaths against a fixed 6.4 % risk: one signal, then a reset."""
    return bernoulli(deleval().sort("patient")["death"], 0.064, odds_ratio=2.0, h=2.5)


@pytest.fixture(scope="module")
def los_funnels() -> tuple[FunnelResult, FunnelResult]:
    """Medicare length of stay at 54 providers: over-dispersed limits and the exact ones."""
    totals = (
        medpar()
        .group_by("provnum")
        .agg(observed=pl.col("los").sum(), expected=pl.col("prds").sum())
        .sort("provnum")
    )
    labels = totals["provnum"].to_list()
    adjusted, unadjusted = (
        funnel(totals["observed"], totals["expected"], labels=labels, overdispersion=o)
        for o in ("additive", None)
    )
    return adjusted, unadjusted


# --- helpers -------------------------------------------------------------------------------------


def layer_index(spec: dict[str, Any], mark: str, data: str | None = None) -> int:
    """The position of the (only) layer drawing ``mark`` from dataset ``data``."""
    found = [
        i
        for i, layer in enumerate(spec["layer"])
        if layer["mark"]["type"] == mark
        and (data is None or layer.get("data", {}).get("name") == data)
    ]
    assert len(found) == 1, found
    return found[0]


def layer_marks(svg: str, kind: str, index: int) -> list[str]:
    """The SVG elements (paths, lines, texts) drawn by layer ``index``, a mark of ``kind``."""
    groups = re.findall(
        rf'<g class="mark-{kind} role-mark layer_{index}_marks"[^>]*>(.*?)</g>', svg, re.S
    )
    assert groups, f"no {kind} marks for layer {index}"
    return [m for group in groups for m in re.findall(r"<(?:path|line|text)\b[^>]*>", group)]


def texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def column(rows: list[dict[str, Any]], key: str) -> np.ndarray:
    return np.array([np.nan if row[key] is None else row[key] for row in rows], dtype=float)


def assert_json_clean(spec: dict[str, Any]) -> None:
    """Valid JSON without NaN or infinities, and the same after a round trip."""
    text = json.dumps(spec, allow_nan=False)
    assert json.loads(text) == spec
    assert json.loads(to_json(spec)) == spec


# --- SPC -----------------------------------------------------------------------------------------


def test_spc_spec_carries_the_charts_numbers(seen_xmr: ControlChart, ae_rrk: pl.DataFrame) -> None:
    spec = spc_chart(
        seen_xmr,
        title="Patients seen within 4 hours, RRK",
        y_title="Seen within 4 hours (%)",
        dates=ae_rrk["period"],
        target=95,
    )
    assert spec["$schema"] == SCHEMA == "https://vega.github.io/schema/vega-lite/v6.json"
    rows = spec["datasets"]["points"]
    assert len(rows) == 36
    for field in ("values", "centre", "lpl", "upl", "near_lpl", "near_upl"):
        key = "value" if field == "values" else field
        np.testing.assert_array_equal(column(rows, key), getattr(seen_xmr, field))
    assert [r["point_type"] for r in rows] == seen_xmr.point_type.tolist()
    assert [r["rule"] for r in rows] == seen_xmr.rule.tolist()
    assert rows[0]["date"] == "2016-04-01T00:00:00"
    assert rows[-1]["date"] == "2019-03-01T00:00:00"
    # The series falls in its last year: the latest point is a concern, and 95 % is out of reach.
    assert seen_xmr.variation == "special_cause_concern_low"
    assert seen_xmr.assurance == "consistently_fail"
    assert spec["title"]["subtitle"] == [
        VARIATION_TEXT["special_cause_concern_low"],
        ASSURANCE_TEXT["consistently_fail"],
    ]
    meta = spec["usermeta"]["caresignal"]
    assert (meta["variation"], meta["assurance"], meta["target"]) == (
        "special_cause_concern_low",
        "consistently_fail",
        95.0,
    )
    assert_json_clean(spec)


def test_spc_points_use_the_making_data_count_colours(seen_xmr: ControlChart) -> None:
    spec = spc_chart(seen_xmr, title="4 hours", y_title="Seen (%)")
    points = spec["layer"][layer_index(spec, "point")]
    colour = points["encoding"]["color"]["scale"]
    present = [k for k in POINT_COLOURS if k in set(seen_xmr.point_type.tolist())]
    assert present == ["common_cause", "special_cause_improvement", "special_cause_concern"]
    assert colour["range"] == [POINT_COLOURS[k] for k in present]
    assert POINT_COLOURS["special_cause_concern"] == "#FAB428"
    assert POINT_COLOURS["special_cause_improvement"] == "#289DE0"
    # Shape repeats the meaning, for readers who cannot tell the colours apart.
    shapes = points["encoding"]["shape"]["scale"]["range"]
    assert len(set(shapes)) == len(shapes) == 3
    # Limits and centre are drawn per limit group, as step lines.
    lines = [layer for layer in spec["layer"] if layer["mark"]["type"] == "line"]
    fields = {layer["encoding"]["y"]["field"] for layer in lines}
    assert fields == {"upl", "lpl", "centre", "value"}
    assert all(
        layer["encoding"]["detail"] == {"field": "group"}
        for layer in lines
        if layer["encoding"]["y"]["field"] != "value"
    )


def test_spc_svg_draws_one_symbol_per_point_in_its_colour(seen_xmr: ControlChart) -> None:
    spec = spc_chart(seen_xmr, title="4 hours", y_title="Seen (%)", target=95)
    svg = to_svg(spec)
    assert svg.startswith("<svg")
    symbols = layer_marks(svg, "symbol", layer_index(spec, "point"))
    assert len(symbols) == 36
    for kind, colour in POINT_COLOURS.items():
        expected = int(np.count_nonzero(seen_xmr.point_type == kind))
        drawn = sum(f'fill="{colour.lower()}"' in s.lower() for s in symbols)
        assert drawn == expected, kind
    words = texts(svg)
    for label in ("Upper process limit", "Mean", "Lower process limit", "Target"):
        assert label in words
    assert "Seen (%)" in words
    assert "Period" in words
    # The near-the-limits zones: one shaded area above and one below the centre.
    assert svg.count('class="mark-area role-mark') == 2


def test_p_chart_with_a_rebase_draws_each_group_apart(ae_rrk: pl.DataFrame) -> None:
    chart = p_chart(
        ae_rrk["breaches"],
        ae_rrk["attendances"],
        multiplier=100,
        improvement="decrease",
        rebase_at=[24],
    )
    spec = spc_chart(chart, title="Waited over 4 hours", y_title="Waited over 4 hours (%)")
    rows = spec["datasets"]["points"]
    assert [r["group"] for r in rows] == [0] * 24 + [1] * 12
    np.testing.assert_array_equal(column(rows, "upl"), chart.upl)
    # p-chart limits change with each month's attendances.
    assert len({r["upl"] for r in rows}) > 2
    assert spec["usermeta"]["caresignal"]["kind"] == "p"
    svg = to_svg(spec)
    upl = next(
        i
        for i, layer in enumerate(spec["layer"])
        if layer["mark"]["type"] == "line" and layer["encoding"]["y"]["field"] == "upl"
    )
    assert len(layer_marks(svg, "line", upl)) == 2  # one path per limit group
    assert "Upper process limit" in texts(svg)


def test_spc_trial_limits_are_said(seen_xmr: ControlChart) -> None:
    short = xmr([5.0, 6, 5, 7, 6, 5, 6, 14])
    assert spc_chart(short, title="t", y_title="y")["title"]["subtitle"][-1].startswith("Trial")
    assert not any(
        line.startswith("Trial")
        for line in spc_chart(seen_xmr, title="t", y_title="y")["title"]["subtitle"]
    )


def test_dates_must_match_the_points(seen_xmr: ControlChart) -> None:
    with pytest.raises(ValueError, match="dates has 3 values but the chart has 36 points"):
        spc_chart(seen_xmr, title="t", y_title="y", dates=["2024-01-01"] * 3)


# --- CUSUM and VLAD ------------------------------------------------------------------------------


def test_cusum_spec_carries_the_statistic_thresholds_and_resets(
    switch_cusum: CusumResult,
) -> None:
    assert switch_cusum.signals.tolist() == [63]
    spec = cusum_chart(switch_cusum, title="Arterial switch deaths", amber=1.8)
    rows = spec["datasets"]["steps"]
    np.testing.assert_array_equal(column(rows, "statistic"), switch_cusum.statistic)
    np.testing.assert_array_equal(column(rows, "weight"), switch_cusum.weights)
    assert [r["position"] for r in rows if r["reset"]] == [64]
    assert [r["position"] for r in rows if r["signal"]] == [64]
    assert spec["datasets"]["thresholds"] == [
        {"level": "amber", "h": 1.8, "text": "Amber threshold (1.80)"},
        {"level": "red", "h": 2.5, "text": "Red threshold (2.50)"},
    ]
    # The climb that crossed amber began after the statistic last stood at zero: case 53.
    statistic = switch_cusum.statistic
    assert statistic[51] == 0
    assert (statistic[52:63] > 0).all()
    assert spec["usermeta"]["caresignal"]["began"] == 52
    assert spec["datasets"]["began"] == [{"position": 53, "text": "Change began"}]
    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    colours = [layer["mark"]["color"] for layer in rules]
    assert colours[:2] == [AMBER, RED]
    assert [layer["encoding"]["y"]["datum"] for layer in rules[:2]] == [1.8, 2.5]
    assert_json_clean(spec)


def test_cusum_svg_marks_thresholds_resets_and_the_start(switch_cusum: CusumResult) -> None:
    spec = cusum_chart(switch_cusum, title="Arterial switch deaths", amber=1.8)
    svg = to_svg(spec)
    words = texts(svg)
    for label in ("Amber threshold (1.80)", "Red threshold (2.50)", "Change began"):
        assert label in words
    assert "Evidence of a rise (CUSUM)" in words
    assert "Case number" in words
    crosses = layer_marks(svg, "symbol", layer_index(spec, "point"))
    assert len(crosses) == 104  # every case can be hovered...
    assert sum('opacity="0"' not in c for c in crosses) == 1  # ...one cross is seen: the reset
    assert svg.count('class="mark-rule role-mark') == 3  # amber, red and the start


def test_cusum_with_dates_and_no_amber_on_cardiac_surgery() -> None:
    """A risk-adjusted chart (Steiner et al. 2000's Parsonnet model) with dates of operation."""
    frame = cardiac_surgery().filter(pl.col("surgeon") == 2).sort("date")
    risk = 1 / (1 + np.exp(-(-3.68 + 0.077 * frame["Parsonnet"].to_numpy())))
    result = bernoulli(frame["died_30d"], risk, odds_ratio=2.0, h=4.5)
    start = dt.date(1992, 1, 1)
    dates = [start + dt.timedelta(days=int(day)) for day in frame["date"]]
    spec = cusum_chart(result, title="Surgeon 2, 30-day deaths", dates=dates)
    rows = spec["datasets"]["steps"]
    assert rows[0]["date"] == f"{dates[0].isoformat()}T00:00:00"
    assert [t["level"] for t in spec["datasets"]["thresholds"]] == ["red"]
    assert spec["layer"][layer_index(spec, "line")]["encoding"]["x"]["type"] == "temporal"
    expected_start = change_began(result, 4.5)
    assert spec["usermeta"]["caresignal"]["began"] == expected_start
    assert "Date" in texts(to_svg(spec))


def test_change_began_is_the_start_of_the_latest_climb() -> None:
    # Two climbs; only the second reaches 1.0, and it begins at position 8.
    result = bernoulli([1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1], 0.1, h=math.inf)
    assert result.statistic[7] == 0
    assert result.statistic[8] > 0
    assert change_began(result, 1.0) == 8
    assert change_began(result, 100.0) is None
    assert cusum_chart(result, title="t", began=None)["datasets"]["began"] == []
    spec = cusum_chart(result, title="t", red=1.0, began=6)
    assert spec["datasets"]["began"] == [{"position": 7, "text": "Change began"}]
    # An infinite threshold draws no line and no estimate.
    assert cusum_chart(result, title="t")["datasets"]["thresholds"] == []
    with pytest.raises(ValueError, match="amber must be > 0 and <= red"):
        cusum_chart(result, title="t", amber=3.0, red=2.0)


def test_improvement_chart_says_what_it_looks_for() -> None:
    result = bernoulli([0] * 30, 0.2, odds_ratio=0.5, h=4.0)
    spec = cusum_chart(result, title="t")
    assert "improvement" in spec["title"]["subtitle"][0]
    assert "Evidence of an improvement (CUSUM)" in texts(to_svg(spec))


def test_vlad_spec_and_svg() -> None:
    died = deleval().sort("patient")["death"]
    result = vlad(died, 0.064)
    spec = vlad_chart(result, title="Arterial switch", events="deaths")
    rows = spec["datasets"]["steps"]
    np.testing.assert_allclose(column(rows, "statistic"), result.statistic, rtol=0, atol=0)
    np.testing.assert_array_equal(column(rows, "observed"), result.observed)
    final = float(result.statistic[-1])
    assert final < 0
    assert spec["title"]["subtitle"] == [f"So far {-final:,.1f} more deaths than predicted"]
    svg = to_svg(spec)
    assert "Deaths avoided (expected − observed)" in texts(svg)
    assert len(layer_marks(svg, "line", layer_index(spec, "line"))) == 1
    assert svg.count('class="mark-rule role-mark') == 1  # the zero line: as predicted
    assert_json_clean(spec)


# --- funnel plots --------------------------------------------------------------------------------


def test_funnel_spec_carries_units_and_both_sets_of_limits(
    los_funnels: tuple[FunnelResult, FunnelResult],
) -> None:
    adjusted, unadjusted = los_funnels
    assert adjusted.adjusted
    assert not unadjusted.adjusted
    spec = funnel_chart(adjusted, title="Length of stay", unadjusted=unadjusted, unit="Provider")
    units = spec["datasets"]["units"]
    assert [u["label"] for u in units] == list(adjusted.labels or ())
    np.testing.assert_array_equal(column(units, "value"), adjusted.value)
    np.testing.assert_array_equal(column(units, "denominator"), adjusted.denominator)
    np.testing.assert_array_equal(column(units, "upper"), adjusted.upper[0.998])
    assert tuple(u["outlier"] for u in units) == adjusted.outlier
    limits = spec["datasets"]["limits"]
    for name, result in (("adjusted", adjusted), ("unadjusted", unadjusted)):
        for level in (0.95, 0.998):
            for side in ("lower", "upper"):
                curve = [
                    r["limit"]
                    for r in limits
                    if (r["set"], r["level"], r["side"]) == (name, level, side)
                ]
                expected = getattr(result.curves, side)[level]
                np.testing.assert_array_equal(np.array(curve, dtype=float), expected)
    lines = spec["layer"][layer_index(spec, "line")]["encoding"]["color"]["scale"]
    assert lines["domain"] == [
        "95 % limits (allowing for over-dispersion)",
        "99.8 % limits (allowing for over-dispersion)",
        "95 % limits (exact)",
        "99.8 % limits (exact)",
    ]
    assert lines["range"] == [LIMIT_COLOURS["adjusted"]] * 2 + [LIMIT_COLOURS["unadjusted"]] * 2
    assert spec["usermeta"]["caresignal"]["phi"] == pytest.approx(adjusted.phi)
    assert_json_clean(spec)


def test_funnel_points_are_neutral_and_outliers_named(
    los_funnels: tuple[FunnelResult, FunnelResult],
) -> None:
    adjusted, unadjusted = los_funnels
    spec = funnel_chart(adjusted, title="Length of stay", unadjusted=unadjusted, unit="Provider")
    units = spec["layer"][layer_index(spec, "point")]
    # No colour encoding: one colour for every unit, whatever its result.
    assert "color" not in units["encoding"]
    assert units["encoding"]["tooltip"][0] == {
        "field": "label",
        "type": "nominal",
        "title": "Provider",
    }
    svg = to_svg(spec)
    symbols = layer_marks(svg, "symbol", layer_index(spec, "point"))
    assert len(symbols) == 54
    assert len({re.search(r'fill="([^"]+)"', s).group(1) for s in symbols}) == 1  # type: ignore[union-attr]
    outliers = [
        label for label, flag in zip(adjusted.labels or (), adjusted.outlier, strict=True) if flag
    ]
    assert len(outliers) == 9
    named = layer_marks(svg, "text", layer_index(spec, "text"))
    assert len(named) == 9
    assert set(outliers) <= set(texts(svg))
    # The limit lines: two sides × two levels × two sets.
    assert len(layer_marks(svg, "line", layer_index(spec, "line"))) == 8
    assert "99.8 % limits (exact)" in texts(svg)


def test_funnel_without_overdispersion_draws_one_set(
    los_funnels: tuple[FunnelResult, FunnelResult],
) -> None:
    adjusted, unadjusted = los_funnels
    spec = funnel_chart(unadjusted, title="t", unadjusted=unadjusted)
    assert {r["line"] for r in spec["datasets"]["limits"]} == {"95 % limits", "99.8 % limits"}
    with pytest.raises(ValueError, match="without over-dispersion"):
        funnel_chart(adjusted, title="t", unadjusted=adjusted)
    other = funnel(adjusted.numerator[:10], adjusted.denominator[:10], overdispersion=None)
    with pytest.raises(ValueError, match="same units"):
        funnel_chart(adjusted, title="t", unadjusted=other)


def test_a_zero_count_becomes_null_not_nan() -> None:
    # On the SHMI (log) scale a unit with no events has z = −∞; JSON has no infinities.
    result = funnel(
        [0, 8, 11, 25, 30, 41, 52, 60, 75, 90, 100, 120],
        [4.0, 9, 10, 20, 31, 40, 50, 66, 70, 88, 104, 118],
        overdispersion=None,
    )
    assert result.z[0] == -math.inf
    spec = funnel_chart(result, title="t")
    assert spec["datasets"]["units"][0]["z"] is None
    assert spec["datasets"]["units"][0]["label"] == "Unit 1"
    assert_json_clean(spec)
    assert "NaN" not in to_json(spec)
    assert "Infinity" not in to_json(spec)


# --- rendering -----------------------------------------------------------------------------------


def test_to_json_escapes_markup() -> None:
    text = to_json({"label": "</script><b>&", "value": float("nan")})
    assert not {"<", ">", "&"} & set(text)
    assert json.loads(text) == {"label": "</script><b>&", "value": None}


def test_to_svg_never_fetches_data() -> None:
    spec = {"$schema": SCHEMA, "data": {"url": "https://example.org/d.json"}, "mark": "point"}
    with pytest.raises(ValueError, match="not allowed"):
        to_svg(spec)


# --- vendored browser assets ---------------------------------------------------------------------


def test_vendored_files_match_the_readme_checksums() -> None:
    readme = (STATIC / "README.md").read_text(encoding="utf-8")
    listed = {
        path: digest for digest, path in re.findall(r"^([0-9a-f]{64})  (vendor/\S+)$", readme, re.M)
    }
    on_disk = {
        path.relative_to(STATIC).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in (STATIC / "vendor").rglob("*")
        if path.is_file()
    }
    assert on_disk == listed
    for package in ("nhsuk-frontend", "vega", "vega-lite", "vega-embed", "htmx.org"):
        assert f"vendor/{package}/LICENSE" in on_disk
    css = (STATIC / "vendor/nhsuk-frontend/nhsuk-frontend.min.css").read_text(encoding="utf-8")
    assert "@font-face" not in css
    assert "https://" not in css
    for image in set(re.findall(r"url\((assets/[^)]+)\)", css)):
        assert (STATIC / "vendor/nhsuk-frontend" / image).is_file()
