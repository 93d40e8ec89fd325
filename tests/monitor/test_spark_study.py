"""The false-alarm study on Spark (``local[2]``) gives the local path's result for every seed
(docs/spark.md).

PySpark is an optional extra. Outside CI these tests are skipped when it is not installed; in CI
(the environment variable ``CI`` set, as ``.ci/run`` does) its absence is a failure, so the
parity cannot go unchecked there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from caresignal.cli import app
from caresignal.monitor.study import SeedResult, StudySettings, run_study, summarise

#: The two smallest seeds of the smallest scale (3 years, 6 sites): about 5 s each.
SEEDS = (1, 2)


@pytest.fixture(scope="module")
def studies(
    session: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[SeedResult], list[SeedResult], Path]:
    """The study of both seeds in this process, and on Spark with each seed's data directory
    made in a scratch folder of its own (the executors share this machine's disk)."""
    from caresignal.monitor.spark import SparkBackend

    local = run_study(SEEDS, StudySettings("small"))
    scratch = tmp_path_factory.mktemp("executors")
    spark = run_study(SEEDS, StudySettings("small", scratch=scratch), SparkBackend(session))
    return local, spark, scratch


def test_every_seed_gives_the_same_result_on_spark(
    studies: tuple[list[SeedResult], list[SeedResult], Path],
) -> None:
    local, spark, scratch = studies
    assert [r.seed for r in spark] == list(SEEDS)
    assert [r.failure for r in local] == [None, None]
    assert spark == local  # everything but the timings, exactly
    assert [r.to_dict() | _untimed() for r in spark] == [r.to_dict() | _untimed() for r in local]
    assert summarise(spark) == summarise(local)
    assert local[0] != local[1]  # each seed's own dataset
    assert all(r.load_seconds > 0 for r in spark)
    assert all(r.replay_seconds > 0 for r in spark)
    assert list(scratch.iterdir()) == []  # each seed's data directory is deleted


def _untimed() -> dict[str, float]:
    return {"load_seconds": 0.0, "replay_seconds": 0.0}


def test_the_command_runs_the_study_on_spark(
    studies: tuple[list[SeedResult], list[SeedResult], Path], tmp_path: Path
) -> None:
    """``caresignal study --backend spark`` uses the running session and writes seed 2's
    result as the library gave it."""
    out = tmp_path / "study.json"
    arguments = ["study", "--seeds", "1", "--first-seed", "2", "--backend", "spark"]
    ran = CliRunner().invoke(app, [*arguments, "--master", "local[2]", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    written = json.loads(out.read_text("utf-8"))
    assert written["backend"] == "spark"
    assert [row | _untimed() for row in written["seeds"]] == [studies[0][1].to_dict() | _untimed()]
