"""What one person sees of the standings of every unit (:mod:`caresignal.monitor.overview`):
the standings of the server's data directory as of its latest scan, the organisations their roles
reach (by :class:`caresignal.workflow.access.Reach`, the rule that decides who sees a signal),
and their open signals; with the rows and funnels the overview and organisation pages show
(docs/web.md).

The standings change only when an import or a scan changes the data directory, so they are
computed once per data state (:class:`~caresignal.web.data_state.DataState`: a fingerprint of
the import ledger, the findings, the scan's kept state, the catalogue and the recorded models,
checked on every request) and kept in the process, with each row's words and each indicator's
funnel. The organisations, the open signals and what each person reaches are kept until the store
changes (its audit log's head, read on every request, says when).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from caresignal.data.dataset import Dataset
from caresignal.domain import Organisation
from caresignal.domain.episodes import EpisodeState
from caresignal.errors import CaresignalError
from caresignal.monitor.catalogue import Catalogue, load_catalogue
from caresignal.monitor.overview import IndicatorStandings, Overview, Standing, overview
from caresignal.monitor.scan import FINDINGS, last_day
from caresignal.store import episodes as episode_repo
from caresignal.store import repo
from caresignal.web import charts
from caresignal.web.charts._spec import json_safe
from caresignal.web.charts.unit import for_page
from caresignal.web.data_state import Kept, data_version
from caresignal.web.deps import AppState, Viewer
from caresignal.workflow import access

__all__ = [
    "ASSURANCES",
    "VARIATIONS",
    "Computed",
    "Seen",
    "computed",
    "reached_funnel",
    "row_of",
    "seen",
]

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
class Computed:
    """The standings of one data state: the standings (None when there are none, with ``note``
    saying why), the catalogue, each standing's words by indicator (:func:`_words`), and the
    funnels drawn so far for each (indicator, organisations reached) pair."""

    key: tuple[object, ...]
    standings: Overview | None
    note: str | None
    catalogue: Catalogue | None
    words: dict[str, tuple[dict[str, Any], ...]]
    funnels: Kept = field(default_factory=lambda: Kept(256))


@dataclass(frozen=True, slots=True, eq=False)
class Seen:
    """What one person sees: the standings of the data state, every organisation by code, the
    codes their roles reach, and their open signals counted by (organisation, indicator)."""

    computed: Computed
    organisations: dict[str, Organisation]
    reached: frozenset[str]
    signals: dict[tuple[str, str], int]

    @property
    def standings(self) -> Overview | None:
        """The standings as of the latest scan (None when there are none)."""
        return self.computed.standings

    @property
    def note(self) -> str | None:
        """Why there are no standings."""
        return self.computed.note

    @property
    def catalogue(self) -> Catalogue | None:
        """The catalogue the standings were computed with."""
        return self.computed.catalogue

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
    """The standings as of the latest scan, and what of them the person's roles reach.

    The organisations, the open signals and what each person reaches change only with a change
    to the store, and every change appends to the audit log: they are kept under the log's head
    (one query on every request, when the person's roles are checked) and read again, in a few
    queries, after any change."""
    version = viewer.store
    with state.sessions() as session:
        store: _Store = _STORES.get(version[0], version, lambda: _store(session))
        reached: _Reached = _REACHED.get(
            (version[0], viewer.name, viewer.grants),
            version,
            lambda: _reached(session, viewer, store),
        )
    return Seen(computed(state), store.organisations, reached.codes, reached.signals)


@dataclass(frozen=True, slots=True, eq=False)
class _Store:
    organisations: dict[str, Organisation]
    open_signals: dict[tuple[str, str], int]


@dataclass(frozen=True, slots=True, eq=False)
class _Reached:
    codes: frozenset[str]
    signals: dict[tuple[str, str], int]


_STORES = Kept(4)
_REACHED = Kept(1024)


def _store(session: Session) -> _Store:
    """Every organisation by code, and the open signals counted by (organisation, indicator)."""
    organisations = {o.code: o for o in repo.organisations(session)}
    counted: dict[tuple[str, str], int] = {}
    for episode in episode_repo.episodes(session):
        if episode.state is not EpisodeState.CLOSED:
            key = (episode.unit, episode.indicator)
            counted[key] = counted.get(key, 0) + 1
    return _Store(organisations, counted)


def _reached(session: Session, viewer: Viewer, store: _Store) -> _Reached:
    """What the person's roles reach, by :class:`~caresignal.workflow.access.Reach`."""
    reach = access.Reach(session, access.user(session, viewer.name))
    codes = reach.everywhere(store.organisations)
    signals = {key: n for key, n in store.open_signals.items() if key[0] in codes}
    return _Reached(codes, signals)


#: The standings of each data directory, one data state each.
_STANDINGS = Kept(4)


def computed(state: AppState) -> Computed:
    """The standings of the server's data directory in its present state: computed by the first
    request after an import or a scan changed it (the others wait for it), then kept."""
    directory = state.settings.data_dir
    key = data_version(directory)
    found: Computed = _STANDINGS.get(str(directory), key, lambda: _compute(directory, state, key))
    return found


def _compute(directory: Path, state: AppState, key: tuple[object, ...]) -> Computed:
    standings, note, catalogue = _standings(directory, state)
    words = {
        item.indicator.id: tuple(_words(item, standing) for standing in item.standings)
        for item in (standings.indicators if standings else ())
    }
    return Computed(key, standings, note, catalogue, words)


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


def _words(item: IndicatorStandings, standing: Standing) -> dict[str, Any]:
    """What a row says that does not depend on who reads it."""
    return {
        **standing.to_dict(),
        "indicator_title": item.indicator.title,
        "level": item.indicator.level,
        "variation_text": VARIATIONS.get(standing.variation or "", "No monthly chart"),
        "assurance_text": ASSURANCES.get(standing.assurance or "", "No target"),
        "href": f"/organisations/{standing.unit}/indicators/{item.indicator.id}",
    }


def row_of(view: Seen, words: dict[str, Any]) -> dict[str, Any]:
    """One row of the table: a unit on an indicator, in words and numbers (``words`` one of
    :attr:`Computed.words`)."""
    unit = words["unit"]
    trust = view.trust_of(unit)
    return {
        **words,
        "unit_name": view.name(unit),
        "trust": trust,
        "trust_name": view.name(trust),
        "open_signals": view.signals.get((unit, words["indicator"]), 0),
    }


def reached_funnel(view: Seen, item: IndicatorStandings, title: str) -> dict[str, Any] | None:
    """The indicator's funnel with only the points of units the person reaches (the limits are
    every unit's): ``{"title", "description", "spec", "json"}`` (``json`` the specification
    sized for a page, as text for a data block), or None without a funnel. Drawn once per data
    state and set of organisations reached."""
    if item.funnel is None or item.start is None:
        return None
    key = (item.indicator.id, title, view.reached)
    found: dict[str, Any] = view.computed.funnels.get(key, None, lambda: _funnel(view, item, title))
    return found


def _funnel(view: Seen, item: IndicatorStandings, title: str) -> dict[str, Any]:
    assert item.funnel is not None
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
    spec = json_safe(spec)
    page = charts.to_json(for_page(spec))
    return {"title": title, "description": description, "spec": spec, "json": page}
