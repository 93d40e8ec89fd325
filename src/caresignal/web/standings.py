"""What one person sees of the standings of every unit (:mod:`caresignal.monitor.overview`):
the standings of the server's data directory as of its latest scan, the organisations their roles
reach (by :class:`caresignal.workflow.access.Reach`, the rule that decides who sees a signal),
and their open signals; with the rows and funnels the overview and organisation pages show
(docs/web.md). Nothing is kept between requests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from caresignal.data.dataset import Dataset
from caresignal.domain import Organisation
from caresignal.domain.episodes import EpisodeState
from caresignal.errors import CaresignalError
from caresignal.monitor.catalogue import Catalogue, load_catalogue
from caresignal.monitor.overview import IndicatorStandings, Overview, Standing, overview
from caresignal.monitor.scan import FINDINGS, last_day
from caresignal.store import repo
from caresignal.web import charts
from caresignal.web.deps import AppState, Viewer
from caresignal.workflow import access, views

__all__ = ["ASSURANCES", "VARIATIONS", "Seen", "reached_funnel", "row_of", "seen"]

#: The Making Data Count variation icons in words.
VARIATIONS = {
    "common_cause": "Common cause variation",
    "special_cause_concern_high": "Special cause of concern, high",
    "special_cause_concern_low": "Special cause of concern, low",
    "special_cause_improvement_high": "Special cause of improvement, high",
    "special_cause_improvement_low": "Special cause of improvement, low",
    "special_cause_neither_high": "Special cause, neither better nor worse, high",
    "special_cause_neither_low": "Special cause, neither better nor worse, low",
}
#: The Making Data Count assurance icons in words.
ASSURANCES = {
    "consistently_pass": "Consistently passes the target",
    "consistently_fail": "Consistently fails the target",
    "hit_or_miss": "Hits and misses the target at random",
}


@dataclass(frozen=True, slots=True, eq=False)
class Seen:
    """What one person sees: the standings (None when there are none, with ``note`` saying
    why), the catalogue, every organisation by code, the codes their roles reach, and their
    open signals counted by (organisation, indicator)."""

    standings: Overview | None
    note: str | None
    catalogue: Catalogue | None
    organisations: dict[str, Organisation]
    reached: frozenset[str]
    signals: dict[tuple[str, str], int]

    def trust_of(self, code: str) -> str:
        """The trust an organisation belongs to (itself for a trust)."""
        found = self.organisations.get(code)
        while found is not None and found.parent_code is not None:
            found = self.organisations.get(found.parent_code)
        return code if found is None else found.code

    def name(self, code: str) -> str:
        """The organisation's name (its code when the store does not know it)."""
        found = self.organisations.get(code)
        return code if found is None else found.name


def seen(state: AppState, viewer: Viewer) -> Seen:
    """The standings as of the latest scan, and what of them the person's roles reach."""
    with state.sessions() as session:
        reach = access.Reach(session, access.user(session, viewer.name))
        organisations = {o.code: o for o in repo.organisations(session)}
        reached = frozenset(code for code in organisations if reach.holds(code))
    today = state.clock.today()
    signals: dict[tuple[str, str], int] = {}
    for item in views.visible_episodes(state.sessions, viewer.name, today):
        if item.episode.state is not EpisodeState.CLOSED:
            key = (item.episode.unit, item.episode.indicator)
            signals[key] = signals.get(key, 0) + 1
    standings, note, catalogue = _standings(state.settings.data_dir, state)
    return Seen(standings, note, catalogue, organisations, reached, signals)


def _standings(
    directory: Path, state: AppState
) -> tuple[Overview | None, str | None, Catalogue | None]:
    """The standings of the data directory as of its latest scan (else its last day)."""
    none = "Nothing to show: the server's data directory holds no data."
    if not directory.is_dir():
        return None, none, None
    try:
        snapshot = Dataset(directory).snapshot()
        if not snapshot.history("organisations"):
            return None, none, None
        own = directory / "catalogue"
        catalogue = load_catalogue(own) if own.is_dir() else load_catalogue()
        as_of = _scanned_on(directory) or last_day(snapshot, catalogue)
        if as_of is None:
            return None, none, catalogue
        return overview(snapshot, catalogue, as_of, clock=state.clock), None, catalogue
    except CaresignalError as error:
        return None, f"Nothing to show: {error.message}.", None


def _scanned_on(directory: Path) -> dt.date | None:
    """The as-of day of the latest scan's findings, when there are findings."""
    path = directory / FINDINGS
    if not path.is_file():
        return None
    day = pl.read_parquet(path, columns=["as_of"]).get_column("as_of").max()
    return day if isinstance(day, dt.date) else None


def row_of(view: Seen, item: IndicatorStandings, standing: Standing) -> dict[str, Any]:
    """One row of the table: a unit on an indicator, in words and numbers."""
    trust = view.trust_of(standing.unit)
    return {
        **standing.to_dict(),
        "indicator_title": item.indicator.title,
        "unit_name": view.name(standing.unit),
        "level": item.indicator.level,
        "trust": trust,
        "trust_name": view.name(trust),
        "variation_text": VARIATIONS.get(standing.variation or "", "No monthly chart"),
        "assurance_text": ASSURANCES.get(standing.assurance or "", "No target"),
        "open_signals": view.signals.get((standing.unit, item.indicator.id), 0),
        "href": f"/organisations/{standing.unit}/indicators/{item.indicator.id}",
    }


def reached_funnel(view: Seen, item: IndicatorStandings, title: str) -> dict[str, Any] | None:
    """The indicator's funnel with only the points of units the person reaches (the limits are
    every unit's): ``{"title", "description", "spec"}``, or None without a funnel."""
    if item.funnel is None or item.start is None:
        return None
    spec = charts.funnel_chart(
        item.funnel.result,
        title=title,
        unadjusted=item.unadjusted,
        unit=item.indicator.level.capitalize(),
    )
    rows = [row for row in spec["datasets"]["units"] if row["label"] in view.reached]
    spec["datasets"]["units"] = rows
    outside = [row["label"] for row in rows if row["outlier"] is not None]
    named = ", ".join(f"{view.name(code)} ({code})" for code in outside) or "none"
    description = f"{title}. {len(rows)} points; outside the outermost limits: {named}."
    return {"title": title, "description": description, "spec": spec}
