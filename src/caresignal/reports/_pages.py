"""The page of each problem in the board pack: its findings with the scan's numbers, its charts
drawn for print (or why there are none), and the recommendations and actions made from it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from caresignal.data.dataset import Dataset, Snapshot
from caresignal.domain.actions import UNFINISHED, Action, Recommendation
from caresignal.domain.episodes import EpisodeFinding
from caresignal.errors import CaresignalError
from caresignal.monitor.catalogue import Catalogue, load_catalogue
from caresignal.monitor.scan import FINDINGS, last_day
from caresignal.monitor.unit_charts import unit_charts
from caresignal.reports.charts import chart_images
from caresignal.reports.model import (
    ActionLine,
    ChartImage,
    FindingLine,
    Problem,
    RecommendationLine,
    SignalPage,
)

__all__ = ["Data", "action_line", "catalogue_of", "open_data", "signal_page"]

_KEY = ("unit", "indicator", "method", "chart", "level", "direction", "first_crossed")


def catalogue_of(directory: Path | None) -> Catalogue:
    """The shipped indicators and the data directory's own, as the command line reads them."""
    own = None if directory is None else directory / "catalogue"
    return load_catalogue(own) if own is not None and own.is_dir() else load_catalogue()


@dataclass(frozen=True, slots=True)
class Data:
    """The data directory as the pack reads it: a snapshot, the last day its charts use, and
    the scan's numbers by finding; ``note`` says why there are no charts when there is none."""

    snapshot: Snapshot | None
    as_of: dt.date | None
    numbers: dict[tuple[object, ...], dict[str, object]]
    note: str | None


def open_data(directory: Path | None, catalogue: Catalogue, day: dt.date) -> Data:
    """The data directory's snapshot, cut at ``day`` (never made here when it is missing)."""
    none = "No charts: the data directory holds no data."
    if directory is None or not directory.is_dir():
        return Data(None, None, {}, none)
    try:
        snapshot = Dataset(directory).snapshot()
        if not snapshot.history("organisations"):
            return Data(None, None, {}, none)
        last = last_day(snapshot, catalogue)
    except CaresignalError as error:
        return Data(None, None, {}, f"No charts: {error.message}.")
    if last is None:
        return Data(None, None, _numbers(directory), none)
    return Data(snapshot, min(last, day), _numbers(directory), None)


def _numbers(directory: Path) -> dict[tuple[object, ...], dict[str, object]]:
    """The last scan's numbers of each finding (``findings.parquet``), by the finding's key."""
    path = directory / FINDINGS
    if not path.is_file():
        return {}
    rows = pl.read_parquet(path).to_dicts()
    return {tuple(row[k] for k in _KEY): row for row in rows}


def signal_page(
    problem: Problem,
    findings: Sequence[EpisodeFinding],
    data: Data,
    catalogue: Catalogue,
    recommendations: Sequence[RecommendationLine],
) -> SignalPage:
    """One problem's page."""
    lines = tuple(_finding_line(f, data) for f in findings)
    charts, note = _charts(problem, findings, data, catalogue)
    return SignalPage(problem, lines, charts, note, tuple(recommendations))


def _finding_line(finding: EpisodeFinding, data: Data) -> FindingLine:
    key = tuple(getattr(finding, k) for k in _KEY)
    row = data.numbers.get(key, {})

    def number(name: str) -> float | None:
        value = row.get(name)
        return float(value) if isinstance(value, int | float) else None

    alarm = row.get("false_alarm")
    return FindingLine(
        chart=finding.chart,
        level=finding.level,
        first_crossed=finding.first_crossed,
        change_began=finding.change_began,
        explanation=finding.explanation,
        observed=number("observed"),
        expected=number("expected"),
        threshold=number("threshold"),
        false_alarm=alarm if isinstance(alarm, str) and alarm else None,
    )


def _charts(
    problem: Problem, findings: Sequence[EpisodeFinding], data: Data, catalogue: Catalogue
) -> tuple[tuple[ChartImage, ...], str | None]:
    """The problem's charts as of the data's day, or why there are none."""
    if data.snapshot is None or data.as_of is None:
        return (), data.note
    try:
        drawn = unit_charts(data.snapshot, catalogue, problem.unit, problem.indicator, data.as_of)
    except CaresignalError as error:
        return (), f"No charts: {error.message}."
    images = tuple(chart_images(drawn, findings))
    if images:
        return images, None
    why = "; ".join(f"{s.method.replace('_', ' ')}: {s.reason}" for s in drawn.skipped)
    return (), f"No charts for {problem.unit} as of {data.as_of}" + (f" ({why})." if why else ".")


def action_line(action: Action, recommendation: Recommendation, day: dt.date) -> ActionLine:
    """An action as it stood on ``day``: overdue once its due date has passed unfinished."""
    late = action.status in UNFINISHED and action.due_on < day
    return ActionLine(
        id=action.id,
        organisation=action.organisation,
        recommendation=f"{recommendation.reference}: {recommendation.title}",
        title=action.title,
        owner=action.owner,
        due_on=action.due_on,
        status=action.status.value.replace("_", " "),
        overdue=late,
        escalated=action.rung > 0,
        days_overdue=(day - action.due_on).days if late else 0,
    )
