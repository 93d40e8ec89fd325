"""The false-alarm and detection-delay study (docs/replay.md): one seed is its dataset's replay
scored against its truth, the in-control charts and the pooled summary are counted as the docs
say, and the command line gives the library's results."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import statistics
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from caresignal.cli import app
from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.monitor._replay_charts import Fired
from caresignal.monitor._study_score import InControl, in_control_counts
from caresignal.monitor.catalogue import load_catalogue
from caresignal.monitor.replay import ReplayResult, replay
from caresignal.monitor.study import SeedResult, StudySettings, study_seed, summarise

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
DAY = dt.date(2024, 6, 30)


@pytest.fixture(scope="module")
def seed_one(tmp_path_factory: pytest.TempPathFactory) -> tuple[SeedResult, Path]:
    """Seed 1 of the ``small`` study, and the scratch folder its data directory was made in."""
    scratch = tmp_path_factory.mktemp("scratch")
    return study_seed(1, StudySettings("small", scratch=scratch)), scratch


def test_a_seed_is_its_datasets_replay_scored_against_its_truth(
    seed_one: tuple[SeedResult, Path], small_copy: Callable[[], Path]
) -> None:
    """The conftest's ``small`` dataset is seed 1: replaying it gives the seed's rates and
    delays, and the seed's own data directory is gone."""
    result, scratch = seed_one
    replayed = replay(Dataset(small_copy()), load_catalogue(), clock=CLOCK)
    assert result.seed == 1
    assert result.failure is None
    assert result.false_alarms_per_chart_year == replayed.false_alarms_per_unit_year
    assert result.chart_years == replayed.chart_years
    cusums = ("risk_adjusted_cusum", "moss_cusum", "poisson_cusum")
    assert result.design == dict.fromkeys(cusums, 0.02)
    assert result.delays_days == {
        p.id: {m: d.delay_days for m, d in p.detections.items()} for p in replayed.problems
    }
    assert result.amber_delays_days == {
        p.id: {m: d.amber_delay_days for m, d in p.detections.items()} for p in replayed.problems
    }
    assert any(d is not None for found in result.delays_days.values() for d in found.values())
    assert result.load_seconds > 0
    assert result.replay_seconds > 0
    assert list(scratch.iterdir()) == []


def _fired(unit: str, indicator: str, method: str, level: str) -> Fired:
    expected = "risk_model" if method == "bernoulli_cusum" else None
    return Fired(unit, indicator, method, expected, level, "concern", DAY, DAY)


#: Two sites and their paediatric wards; site B01's births had a problem with stillbirths.
TRUTH: dict[str, Any] = {
    "sites": {
        "A01": {"effects": {"stillbirth": 0.01, "neonatal_death": -0.03, "hie_grade_2_3": 0.2}},
        "B01": {"effects": {"stillbirth": 0.02, "neonatal_death": 0.0, "hie_grade_2_3": 0.0}},
    },
    "wards": {"paediatric_ward": {"A01-PAE": {"effect": 0.04}, "B01-PAE": {"effect": -0.3}}},
    "problems": [{"site_code": "B01", "unit_code": "B01-MAT", "indicators": ["stillbirth"]}],
}
EPM = "extended_perinatal_mortality"
RESULT = ReplayResult(
    start=dt.date(2023, 1, 1),
    end=dt.date(2025, 12, 31),
    signals=(
        _fired("A01", EPM, "bernoulli_cusum", "red"),  # in control (effects 0.01 and 0.03)
        _fired("A01", EPM, "bernoulli_cusum", "amber"),  # not counted: amber
        _fired("A01", "term_hie", "bernoulli_cusum", "red"),  # HIE effect 0.2: not in control
        _fired("B01", EPM, "bernoulli_cusum", "red"),  # touched by the problem
        _fired("A01-PAE", "sepsis_screen_1h", "p_chart", "special_cause"),  # effect 0.04
        _fired("B01-PAE", "sepsis_screen_1h", "p_chart", "special_cause"),  # effect 0.3
    ),
    methods=("risk_adjusted_cusum", "spc"),
    chart_years={},
    false_alarms_per_unit_year={},
    design_false_alarms_per_unit_year={},
    problems=(),
    charted=(
        ("A01", EPM, "risk_adjusted_cusum", 3.0),
        ("A01", "term_hie", "risk_adjusted_cusum", 3.0),
        ("B01", EPM, "risk_adjusted_cusum", 3.0),
        ("A01-PAE", "sepsis_screen_1h", "spc", 2.5),
        ("B01-PAE", "sepsis_screen_1h", "spc", 2.5),
    ),
)


def test_in_control_charts_are_untouched_and_near_their_true_risk() -> None:
    found = in_control_counts(RESULT, TRUTH)
    assert found == {"risk_adjusted_cusum": InControl(1, 3.0), "spc": InControl(1, 2.5)}
    assert found["spc"].rate == 0.4
    # Within 0.02 of zero, neither A01's mortality chart (0.03) nor its ward (0.04) is in control.
    strict = in_control_counts(RESULT, TRUTH, 0.02)
    assert strict == {"risk_adjusted_cusum": InControl(0, 0.0), "spc": InControl(0, 0.0)}
    assert strict["spc"].rate is None


def _seed(
    seed: int,
    rates: tuple[float, float],
    in_control: tuple[InControl, InControl],
    delays: tuple[int | None, int | None],
    ambers: tuple[int | None, int | None],
) -> SeedResult:
    methods = ("risk_adjusted_cusum", "spc")
    return SeedResult(
        seed=seed,
        false_alarms_per_chart_year=dict(zip(methods, rates, strict=True)),
        design={"risk_adjusted_cusum": 0.02},
        chart_years={"risk_adjusted_cusum": 60.0, "spc": 70.0},
        in_control=dict(zip(methods, in_control, strict=True)),
        delays_days={"slow_decline": dict(zip(methods, delays, strict=True))},
        amber_delays_days={"slow_decline": dict(zip(methods, ambers, strict=True))},
        load_seconds=float(seed),
    )


def test_the_summary_pools_the_seeds() -> None:
    seeds = [
        _seed(1, (0.1, 0.3), (InControl(1, 10.0), InControl(2, 4.0)), (100, None), (50, None)),
        _seed(2, (0.2, 0.5), (InControl(0, 30.0), InControl(1, 6.0)), (300, 40), (None, None)),
        _seed(3, (0.0, 0.4), (InControl(3, 20.0), InControl(0, 0.0)), (None, None), (80, None)),
    ]
    summary = summarise(seeds)
    assert summary.seeds == 3
    assert summary.false_alarms_per_chart_year == {
        "risk_adjusted_cusum": statistics.fmean([0.1, 0.2, 0.0]),
        "spc": statistics.fmean([0.3, 0.5, 0.4]),
    }
    assert summary.design == {"risk_adjusted_cusum": 0.02}
    assert summary.in_control_per_chart_year == {"risk_adjusted_cusum": 4 / 60, "spc": 3 / 10}
    assert summary.median_delay_days == {"slow_decline": {"risk_adjusted_cusum": 200, "spc": 40}}
    assert summary.median_amber_delay_days == {
        "slow_decline": {"risk_adjusted_cusum": 65, "spc": None}
    }
    assert summary.detected_share == {"slow_decline": {"risk_adjusted_cusum": 2 / 3, "spc": 1 / 3}}


def test_results_are_equal_whatever_they_took_and_bad_settings_are_refused() -> None:
    one = _seed(1, (0.1, 0.3), (InControl(1, 10.0), InControl(2, 4.0)), (100, None), (50, None))
    assert one == dataclasses.replace(one, load_seconds=9.0, replay_seconds=3.0)
    assert one != dataclasses.replace(one, seed=2)
    with pytest.raises(ValueError, match="at least one seed"):
        summarise([])
    with pytest.raises(ValueError, match="scale must be one of"):
        StudySettings("tiny")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="workers"):
        StudySettings("small", workers=0)


def test_the_command_writes_the_librarys_results(
    seed_one: tuple[SeedResult, Path], tmp_path: Path
) -> None:
    out = tmp_path / "study.json"
    runner = CliRunner()
    ran = runner.invoke(app, ["study", "--seeds", "1", "--scale", "small", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    assert "1 seed of the small dataset" in ran.output
    written = json.loads(out.read_text("utf-8"))
    expected = seed_one[0].to_dict()
    for row in (written["seeds"][0], expected):
        del row["load_seconds"], row["replay_seconds"]
    assert written["seeds"] == [expected]
    assert written["summary"] == summarise([seed_one[0]]).to_dict()
    refused = runner.invoke(app, ["study", "--scale", "tiny"])
    assert refused.exit_code == 2
    assert "--scale 'tiny' is not a scale" in refused.output


def test_a_seed_that_fails_is_named_and_the_others_are_pooled(
    seed_one: tuple[SeedResult, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A seed whose data directory cannot be made is a result with its failure, left out of the
    pooled figures; the command prints the failed seeds and exits 1."""
    missing = tmp_path / "missing"
    failed = study_seed(3, StudySettings("small", scratch=missing))
    assert failed.failure is not None
    assert failed.failure.startswith("FileNotFoundError: ")
    assert str(missing) in failed.failure
    assert failed.false_alarms_per_chart_year == {}
    assert failed.delays_days == {}
    pooled = summarise([seed_one[0], failed])
    assert pooled.failed == {3: failed.failure}
    assert dataclasses.replace(pooled, failed={}) == summarise([seed_one[0]])
    monkeypatch.setattr(tempfile, "tempdir", str(missing))
    ran = CliRunner().invoke(app, ["study", "--seeds", "2", "--json"])
    assert ran.exit_code == 1
    assert "Seed 1 failed: FileNotFoundError" in ran.output
    assert "Seed 2 failed: FileNotFoundError" in ran.output
