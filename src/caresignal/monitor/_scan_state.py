"""The scan state: what a scan keeps for the next one to carry on from (private; see
:mod:`caresignal.monitor.scan` and ``docs/scan.md``).

``<data-dir>/cache/scan/`` holds ``manifest.json``, a Parquet file of every indicator's monthly
points, a ``.npz`` file of the expected values of its charts' latest episodes and a JSON file of
its charts' design inputs and designs (kept as it is by a rescan that carries every chart on).
The manifest says, for each indicator, what the state was computed from (its **key**: the
numpy and polars versions, a fingerprint of the indicator's definition, its units and recorded
fit), the batches of its table it covers, the reference rate of each unit, and each CUSUM
chart's state (:class:`~caresignal.monitor._scan_cusum.ChartState`).

Files are written under new names and the manifest last, atomically, so a crash leaves the old
state or the new one. Anything unreadable is no state at all, never an error, and deleting the
folder is always safe: the next scan computes everything again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import polars as pl

from caresignal.data.dataset import replace_file
from caresignal.monitor._catalogue_types import Indicator
from caresignal.monitor._scan_cusum import ChartState, Climb, Held
from caresignal.monitor._scan_tasks import empty_points
from caresignal.monitor._scan_units import DesignInput
from caresignal.monitor.thresholds import FalseAlarmTargets, LevelDesign, ThresholdDesign
from caresignal.stats._cusum_path import PathState
from caresignal.stats.design import CaseMix

__all__ = [
    "FOLDER",
    "ChartEntry",
    "IndicatorState",
    "ScanState",
    "definition_key",
    "read_state",
    "write_state",
]

#: Where the state lives inside the data directory.
FOLDER = Path("cache") / "scan"
FORMAT = "caresignal-scan-state"
VERSION = 1
MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True, eq=False)
class ChartEntry:
    """One CUSUM chart: its method (position in the indicator's methods), unit, design input
    (or why it has none), state and design (None for a chart that was skipped)."""

    method: int
    unit: str
    given: DesignInput | str
    state: ChartState | None
    design: ThresholdDesign | None = None


@dataclass(frozen=True, slots=True, eq=False)
class IndicatorState:
    """One indicator as the last scan left it (see the module's description)."""

    key: Mapping[str, Any]
    batches: tuple[tuple[str, str], ...]
    units: tuple[str, ...]
    reference: Mapping[str, float | None]
    points: pl.DataFrame
    charts: tuple[ChartEntry, ...]


@dataclass(frozen=True, slots=True, eq=False)
class ScanState:
    """A scan's state: its as-of date, the organisations batches and each indicator's state;
    ``designs`` names the file its charts' designs were read from (None for a new state)."""

    as_of: dt.date
    organisations: tuple[tuple[str, str], ...]
    indicators: Mapping[str, IndicatorState]
    designs: str | None = None


def definition_key(indicator: Indicator) -> str:
    """A fingerprint of everything the catalogue says of ``indicator``."""
    return hashlib.sha256(repr(indicator).encode("utf-8")).hexdigest()


def read_state(directory: Path) -> ScanState | None:
    """The state kept in the data directory ``directory``, or None (none, unreadable, stale)."""
    with _uncollected():
        return _read(directory / FOLDER)


@contextlib.contextmanager
def _uncollected() -> Iterator[None]:
    """Python's cyclic garbage collector paused: reading the state makes tens of thousands of
    small objects that all live as long as the scan, and collecting while they are made (which
    happens at unpredictable moments) only costs time, up to half the time of the read."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(where: Path) -> ScanState | None:
    try:
        document = orjson.loads((where / MANIFEST).read_bytes())
        if document["format"] != FORMAT or document["version"] != VERSION:
            return None
        if document["versions"] != _versions():
            return None
        every = pl.read_parquet(where / document["points"])
        designs = orjson.loads((where / document["designs"]).read_bytes())
        reader = _Designs()
        indicators = {}
        offset = 0
        with np.load(where / document["arrays"], allow_pickle=False) as arrays:
            for ident, entry in document["indicators"].items():
                rows = int(entry["rows"])
                points = every.slice(offset, rows)
                charts = reader.charts(entry["charts"], designs[ident], arrays[ident])
                indicators[ident] = _indicator_from(entry, points, charts)
                offset += rows
        if offset != every.height:
            raise ValueError("the scan state's points do not match its manifest")
        return ScanState(
            as_of=dt.date.fromisoformat(document["as_of"]),
            organisations=_pairs(document["organisations"]),
            indicators=indicators,
            designs=str(document["designs"]),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, pl.exceptions.PolarsError):
        return None


def write_state(directory: Path, state: ScanState, *, designs_kept: bool = False) -> None:
    """Keep ``state`` in ``directory`` (a failure to write leaves the old state, or none).

    With ``designs_kept``, every chart's design input and design are those of the designs file
    the state was read from (``state.designs``), which is kept rather than written again.
    """
    where = directory / FOLDER
    token = secrets.token_hex(6)
    names = {
        "points": f"points-{token}.parquet",
        "arrays": f"arrays-{token}.npz",
        "designs": f"designs-{token}.json",
    }
    if designs_kept and state.designs is not None and (where / state.designs).is_file():
        names["designs"] = state.designs
    try:
        where.mkdir(parents=True, exist_ok=True)
        _write_points(where / names["points"], state)
        _write_arrays(where / names["arrays"], state)
        if names["designs"] != state.designs:
            _write_designs(where / names["designs"], state)
        document = {
            "format": FORMAT,
            "version": VERSION,
            "versions": _versions(),
            "as_of": state.as_of.isoformat(),
            "organisations": [list(pair) for pair in state.organisations],
            **names,
            "indicators": {ident: _indicator_to(item) for ident, item in state.indicators.items()},
        }
        replace_file(where / MANIFEST, _json(document))
    except (OSError, ValueError, pl.exceptions.PolarsError):
        return
    for path in where.iterdir():
        if path.name not in {MANIFEST, *names.values()}:
            with contextlib.suppress(OSError):
                path.unlink()


def _write_designs(path: Path, state: ScanState) -> None:
    """Every chart's design input and design, by indicator, in chart order."""
    document = {
        ident: [_design_to(entry) for entry in item.charts]
        for ident, item in state.indicators.items()
    }
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(_json(document))
    temporary.replace(path)


def _write_points(path: Path, state: ScanState) -> None:
    """Every indicator's monthly points in one Parquet file, one indicator after another (the
    manifest gives each one's rows); uncompressed: it is small and read at every scan."""
    parts = [item.points for item in state.indicators.values()]
    every = pl.concat(parts) if parts else empty_points()
    temporary = path.with_name(f".{path.name}.tmp")
    every.write_parquet(temporary, compression="uncompressed", statistics=False)
    temporary.replace(path)


def _write_arrays(path: Path, state: ScanState) -> None:
    """Every chart's latest episode's expected values, by indicator, in one file."""
    arrays: dict[str, Any] = {}
    for ident, item in state.indicators.items():
        climbs = [entry.state.climb for entry in item.charts if entry.state is not None]
        arrays[ident] = _joined([c.expected for c in climbs])
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        np.savez(handle, **arrays)
    temporary.replace(path)


def _json(document: Any) -> bytes:
    """``document`` as JSON text, by orjson (a tenth of the standard library's time on a state of
    thousands of charts). Every number in a state is finite; a non-finite one would be written as
    null and make the state unreadable, which costs the next scan its speed, never its answer."""
    return orjson.dumps(document, option=orjson.OPT_SERIALIZE_NUMPY)


def _versions() -> dict[str, str]:
    return {"numpy": np.__version__, "polars": pl.__version__}


def _pairs(rows: Sequence[Sequence[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in rows)


def _indicator_to(item: IndicatorState) -> dict[str, Any]:
    return {
        "key": dict(item.key),
        "batches": [list(pair) for pair in item.batches],
        "units": list(item.units),
        "reference": dict(item.reference),
        "rows": item.points.height,
        "charts": [_chart_to(entry) for entry in item.charts],
    }


def _joined(parts: list[Any]) -> Any:
    return np.concatenate(parts) if parts else np.zeros(0)


def _indicator_from(
    entry: Mapping[str, Any], points: pl.DataFrame, charts: tuple[ChartEntry, ...]
) -> IndicatorState:
    if points.height == 0:
        points = empty_points()
    return IndicatorState(
        key=entry["key"],
        batches=_pairs(entry["batches"]),
        units=tuple(str(unit) for unit in entry["units"]),
        reference={str(k): None if v is None else float(v) for k, v in entry["reference"].items()},
        points=points,
        charts=charts,
    )


class _Designs:
    """Reads charts back, sharing the false-alarm targets (one per indicator)."""

    def __init__(self) -> None:
        self.targets: dict[tuple[float, float], FalseAlarmTargets] = {}

    def charts(
        self, charts: Sequence[Any], designs: Sequence[Any], expected: Any
    ) -> tuple[ChartEntry, ...]:
        """The charts of one indicator (their states, designs and latest episodes' values)."""
        if len(charts) != len(designs):
            raise ValueError("the scan state's designs do not match its charts")
        values = expected.astype(np.float64)
        found = []
        start = 0
        for chart, (given_data, levels) in zip(charts, designs, strict=True):
            state = None
            if chart["state"] is not None:
                size = int(chart["state"]["climb"][-1])
                state = _state_from(chart["state"], values[start : start + size])
                start += size
            given = self.given(given_data)
            design = _design_from(given, levels)
            found.append(ChartEntry(int(chart["method"]), str(chart["unit"]), given, state, design))
        if start != values.size:
            raise ValueError("the scan state's arrays do not match its charts")
        return tuple(found)

    def given(self, given: Any) -> DesignInput | str:
        if isinstance(given, str):
            return given
        mix = CaseMix(tuple(given["values"]), tuple(given["shares"]), int(given["cases"]))
        amber, red = (float(v) for v in given["targets"])
        targets = self.targets.get((amber, red))
        if targets is None:
            targets = FalseAlarmTargets(amber_years=amber, red_years=red)
            self.targets[amber, red] = targets
        return DesignInput(
            given["chart"], mix, float(given["ratio"]), float(given["per_year"]), targets
        )


def _chart_to(entry: ChartEntry) -> dict[str, Any]:
    state = None if entry.state is None else _state_to(entry.state)
    return {"method": entry.method, "unit": entry.unit, "state": state}


def _design_to(entry: ChartEntry) -> list[Any]:
    given: Any = entry.given
    if isinstance(given, DesignInput):
        given = {
            "chart": given.chart,
            "values": list(given.mix.values),
            "shares": list(given.mix.shares),
            "cases": given.mix.cases,
            "ratio": given.ratio,
            "per_year": given.per_year,
            "targets": [given.targets.amber_years, given.targets.red_years],
        }
    design = None
    if entry.design is not None:
        design = [_level_to(entry.design.amber), _level_to(entry.design.red)]
    return [given, design]


def _level_to(level: LevelDesign) -> list[Any]:
    return [
        level.level,
        level.years,
        level.arl0,
        level.h,
        level.arl,
        level.years_between,
        level.sentence,
    ]


def _design_from(given: DesignInput | str, levels: Any) -> ThresholdDesign | None:
    """The design kept with a chart (its input gives the chart, ratio, volume and case mix)."""
    if levels is None or isinstance(given, str):
        return None
    amber, red = (
        LevelDesign(str(n), float(y), float(a0), float(h), float(a), float(b), str(t))
        for n, y, a0, h, a, b, t in levels
    )
    return ThresholdDesign(
        given.chart, given.ratio, given.per_year, given.mix, given.targets, amber, red
    )


def _state_to(state: ChartState) -> dict[str, Any]:
    path, climb = state.path, state.climb
    return {
        "path": [
            path.steps,
            path.position,
            path.window,
            path.level,
            path.total,
            path.floor,
            path.last_signal,
        ],
        "statistic": state.statistic,
        "signalled": state.signalled,
        "climb": [
            climb.first,
            climb.amber,
            climb.red,
            str(climb.began),
            None if climb.crossed is None else str(climb.crossed),
            climb.observed,
            int(climb.expected.size),
        ],
        "held": [[str(h.began), str(h.red), h.observed, h.expected] for h in state.held],
    }


def _state_from(data: Mapping[str, Any], expected: Any) -> ChartState:
    steps, position, window, level, total, floor, last = data["path"]
    path = PathState(
        int(steps),
        int(position),
        int(window),
        float(level),
        None if total is None else float(total),
        None if floor is None else float(floor),
        int(last),
    )
    first, amber, red, began, crossed, observed, _ = data["climb"]
    climb = Climb(
        int(first),
        None if amber is None else int(amber),
        None if red is None else int(red),
        np.datetime64(began, "D"),
        None if crossed is None else np.datetime64(crossed, "D"),
        float(observed),
        expected,
    )
    held = tuple(
        Held(np.datetime64(began, "D"), np.datetime64(day, "D"), float(o), float(e))
        for began, day, o, e in data["held"]
    )
    return ChartState(path, float(data["statistic"]), bool(data["signalled"]), climb, held)
