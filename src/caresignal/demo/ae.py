"""Demo, part 1: Making Data Count XmR charts of A&E 4-hour performance for every trust.

The chart is the indicator catalogue's ``ed_4h`` (``emergency.toml``), run on real data. On the
demo's first run the bundled NHS England data (:func:`caresignal.data.public.ae_tables`) are
imported into a data directory of their own, ``<data-dir>/public/ae/``, through the same checks as
any user's file; later runs reuse it. The series is built from there by
:func:`caresignal.monitor.series.build_series`, and each unit is charted with the options of the
indicator's ``xmr`` method. The catalogue's values are percentages (``multiplier = 100``); the
section reports them as shares (0.95 for 95 %), as the demo always has.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from caresignal.clock import Clock
from caresignal.data.dataset import Dataset, Writer
from caresignal.data.load import validate
from caresignal.data.public import ae_tables
from caresignal.monitor.catalogue import Indicator, MethodSpec, load_catalogue
from caresignal.monitor.scan import spc_options
from caresignal.monitor.series import build_series
from caresignal.stats.spc import xmr

#: The catalogue's four-hour performance indicator (``emergency.toml``).
INDICATOR = "ed_4h"
#: The data directory of the A&E tables, inside the demo's data directory.
AE_DIRECTORY = Path("public", "ae")
#: Who the ledger says imported them.
IMPORTED_BY = "caresignal demo"
#: Series shorter than this are left out: fewer points give no stable limits (Making Data Count).
MINIMUM_MONTHS = 12


@dataclass(frozen=True, slots=True)
class TrustPerformance:
    """One trust's XmR chart of monthly 4-hour performance, summarised at its latest month."""

    org_code: str
    months: int
    latest_period: date
    latest: float
    mean: float
    lpl: float
    upl: float
    latest_rule: str | None
    variation: str
    assurance: str | None
    trial_limits: bool

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values (the date as ISO text)."""
        return {**asdict(self), "latest_period": self.latest_period.isoformat()}


@dataclass(frozen=True, slots=True)
class AESection:
    """XmR charts of the share of type-1 A&E patients seen within 4 hours, one per trust.

    ``target`` is the catalogue's target as a share (0.95: the NHS standard of 95 %), and every
    value of the charts is a share too.
    """

    trusts: tuple[TrustPerformance, ...]
    left_out: int
    target: float

    def variation_counts(self) -> dict[str, int]:
        """How many trusts show each variation icon at their latest month."""
        return dict(Counter(trust.variation for trust in self.trusts).most_common())

    def assurance_counts(self) -> dict[str, int]:
        """How many trusts show each assurance icon against the 95 % standard."""
        return dict(Counter(str(trust.assurance) for trust in self.trusts).most_common())

    def concerns(self) -> tuple[TrustPerformance, ...]:
        """Trusts whose latest month is a special cause of concern, worst performance first."""
        flagged = [t for t in self.trusts if t.variation.startswith("special_cause_concern")]
        return tuple(sorted(flagged, key=lambda trust: trust.latest))

    def to_dict(self) -> dict[str, Any]:
        """The section as JSON-ready values."""
        return {
            "target": self.target,
            "trusts_charted": len(self.trusts),
            "trusts_left_out": self.left_out,
            "variation_counts": self.variation_counts(),
            "assurance_counts": self.assurance_counts(),
            "concerns": [trust.org_code for trust in self.concerns()],
            "trusts": [trust.to_dict() for trust in self.trusts],
        }


def ensure_ae_loaded(dataset: Dataset, *, clock: Clock) -> bool:
    """Import the A&E tables into ``dataset`` unless they are there; say whether it did.

    Each table is checked by :func:`caresignal.data.load.validate`, exactly as ``caresignal
    import`` checks a file, and loaded as one batch whose source is the bundled file. A table
    already loaded is left as it is (so an import cut short is finished on the next run).
    """
    if all(dataset.history(table) for table in ("organisations", "counts")):
        return False
    tables = ae_tables()
    with dataset.writer() as writer:
        for table, frame in tables.items():
            if not writer.snapshot.history(table):
                _load(writer, table, frame, source=tables.source, clock=clock)
    return True


def _load(writer: Writer, table: str, frame: pl.DataFrame, *, source: str, clock: Clock) -> None:
    snapshot = writer.snapshot
    checked = validate(
        frame,
        table,
        today=clock.today(),
        known_organisations=snapshot.table("organisations").select("code", "level").collect(),
        existing_keys=snapshot.keys(table),
        source=source,
    )
    writer.add(
        table, checked.frame, sources=[source], imported_by=IMPORTED_BY, imported_at=clock.now()
    )


def analyse_ae(data_dir: Path, *, clock: Clock) -> AESection:
    """Chart every trust's 4-hour performance as the catalogue's ``ed_4h`` indicator says.

    The A&E tables are imported into ``data_dir / AE_DIRECTORY`` first if they are not there.
    The series runs to the end of the latest month in the data.
    """
    dataset = Dataset(data_dir / AE_DIRECTORY)
    ensure_ae_loaded(dataset, clock=clock)
    catalogue = load_catalogue()
    indicator = catalogue.get(INDICATOR)
    method = indicator.method("xmr")[0]
    snapshot = dataset.snapshot()
    series = build_series(
        snapshot, catalogue, INDICATOR, as_of=_last_day(snapshot.table("counts")), clock=clock
    )
    trust_of = _trusts(snapshot.table("organisations").collect())
    trusts: list[TrustPerformance] = []
    left_out = 0
    for unit in series.units:
        periods = series.unit(unit)
        if periods.height < MINIMUM_MONTHS:
            left_out += 1
            continue
        trusts.append(_chart_trust(trust_of[unit], periods, indicator, method))
    return AESection(
        trusts=tuple(sorted(trusts, key=lambda trust: trust.org_code)),
        left_out=left_out,
        target=_target(method),
    )


def _multiplier(method: MethodSpec) -> float:
    return float(method.get("multiplier"))  # type: ignore[arg-type]


def _target(method: MethodSpec) -> float:
    """The method's target as a share (the catalogue gives it in the chart's units)."""
    target = method.get("target")
    if not isinstance(target, int | float):
        raise ValueError(f"the catalogue's {INDICATOR} xmr method has no target; expected 95.0")
    return float(target) / _multiplier(method)


def _last_day(counts: pl.LazyFrame) -> date:
    """The last day of the latest month in the counts table."""
    first: date = counts.select(pl.col("period_start").max()).collect().item()
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _trusts(organisations: pl.DataFrame) -> dict[str, str]:
    """Each unit's trust: the parent of its site."""
    parent = dict(
        zip(organisations["code"].to_list(), organisations["parent_code"].to_list(), strict=True)
    )
    units = organisations.filter(pl.col("level") == "unit")["code"].to_list()
    return {unit: parent[parent[unit]] for unit in units}


def _chart_trust(
    org_code: str, periods: pl.DataFrame, indicator: Indicator, method: MethodSpec
) -> TrustPerformance:
    multiplier = _multiplier(method)
    values = periods["numerator"] / periods["denominator"] * multiplier
    chart = xmr(values, **spc_options(indicator, method))
    return TrustPerformance(
        org_code=org_code,
        months=periods.height,
        latest_period=periods["period_start"][-1],
        latest=float(chart.values[-1]) / multiplier,
        mean=float(chart.mean[-1]) / multiplier,
        lpl=float(chart.lpl[-1]) / multiplier,
        upl=float(chart.upl[-1]) / multiplier,
        latest_rule=chart.rule[-1],
        variation=chart.variation,
        assurance=chart.assurance,
        trial_limits=bool(chart.trial_limits[-1]),
    )
