"""Spark builds every indicator's series from the Parquet batches as the local backend does
(caresignal.monitor._spark_series; docs/spark.md).

The data are the ``small`` dataset's tables imported in several batches: births in three yearly
batches and a correction batch (some of it inside the risk models' baseline window), counts in
two batches, the second a file written without its optional ``expected`` column (as before
that column was added). Two copies are built, one
by each backend; every series must have the same units, slices and rows, and the same fit and
baseline check. A unit's period sums may add their rows in another order on Spark (a shuffle
does not keep the rows' order), so float columns are compared to 1e-9; every other column is
compared exactly.

The Spark session comes from ``tests/monitor/conftest.py``: skipped without PySpark outside CI,
a failure in CI.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from caresignal.cli import app
from caresignal.clock import FixedClock
from caresignal.data.dataset import BatchFileMissingError, Dataset
from caresignal.monitor.catalogue import Catalogue, load_catalogue
from caresignal.monitor.scan import FINDINGS, LocalBackend, scan
from caresignal.monitor.series import CaseSeries, Series, build_all

CLOCK = FixedClock(datetime(2026, 11, 23, tzinfo=UTC))
AS_OF = dt.date(2025, 12, 31)
CATALOGUE = load_catalogue()
TOLERANCE = 1e-9
#: Every table the catalogue's indicators and their units read.
TABLES = ("organisations", "counts", "staffing", "concerns", "encounters", "observations",
          "responses")  # fmt: skip


def _add(data: Dataset, table: str, frame: pl.DataFrame, *, correction: bool = False) -> None:
    data.add(
        table,
        frame,
        sources=[f"{table}.parquet"],
        imported_by="test",
        imported_at=datetime(2026, 11, 1, tzinfo=UTC),
        correction=correction,
    )


def _as_older_file(directory: Path, batch_id: str, column: str) -> None:
    """Make a batch look written before ``column`` was added to its table: its file and its
    ledger entry without the column."""
    ledger = directory / "ledger.json"
    record = json.loads(ledger.read_text())
    entry = next(e for e in record["batches"] if e["batch_id"] == batch_id)
    entry["columns"].remove(column)
    path = directory / entry["file"]
    pl.read_parquet(path).drop(column).write_parquet(path)
    ledger.write_text(json.dumps(record, indent=2))


@pytest.fixture(scope="module")
def batched(small_copy: Callable[[], Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``small`` dataset imported in several batches, with a correction (see module notes)."""
    source = Dataset(small_copy()).snapshot()
    target = Dataset(tmp_path_factory.mktemp("batched") / "data")
    for table in TABLES:
        frame = source.table(table).collect()
        if table == "counts":
            early = pl.col("period_start") < dt.date(2024, 7, 1)
            _add(target, table, frame.filter(early))
            _add(target, table, frame.filter(~early))
            _as_older_file(target.directory, target.history("counts")[-1].batch_id, "expected")
        else:
            _add(target, table, frame)
    births = source.table("births").collect()
    year = pl.col("birth_datetime").dt.year()
    for first, last in ((2000, 2023), (2024, 2024), (2025, 2100)):
        _add(target, "births", births.filter(year.is_between(first, last)))
    # Corrected records: every 300th birth, its outcomes flipped and its mother a year older.
    corrected = births.gather_every(300).with_columns(
        ~pl.col("haemorrhage_1500ml"), ~pl.col("tear_3rd_4th"), pl.col("mother_age") + 1
    )
    _add(target, "births", corrected, correction=True)
    return target.directory


@pytest.fixture(scope="module")
def built(
    session: Any, batched: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[dict[str, Series]], list[dict[str, Series]]]:
    """Each backend's series on its own copy: a first build (the models fitted then) and a
    second (the recorded fits read and their baselines checked)."""
    from caresignal.monitor.spark import SparkBackend

    copies = []
    for name in ("local", "spark"):
        copy = tmp_path_factory.mktemp(name) / "data"
        shutil.copytree(batched, copy)
        copies.append(Dataset(copy))
    local = [build_all(copies[0], CATALOGUE, as_of=AS_OF, clock=CLOCK) for _ in range(2)]
    backend = SparkBackend(session)
    spark = [
        dict(backend.series(copies[1].snapshot(), CATALOGUE, as_of=AS_OF, clock=CLOCK))
        for _ in range(2)
    ]
    # Each Spark job's pieces were written under cache/spark/, read back and deleted.
    assert not list((copies[1].directory / "cache" / "spark").glob("*"))
    return local, spark


def _assert_same(local: Series, spark: Series) -> None:
    assert type(spark) is type(local)
    assert spark.indicator == local.indicator
    assert spark.units == local.units
    assert spark.offsets.tolist() == local.offsets.tolist()
    assert spark.reference_window == local.reference_window
    assert_frame_equal(spark.frame, local.frame, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    exact = [name for name, kind in local.frame.schema.items() if not kind.is_float()]
    assert_frame_equal(spark.frame.select(exact), local.frame.select(exact), check_exact=True)
    if isinstance(local, CaseSeries):
        assert isinstance(spark, CaseSeries)
        assert (spark.fit is None) == (local.fit is None)
        if local.fit is not None and spark.fit is not None:
            assert spark.fit.to_dict() == local.fit.to_dict()
        assert (spark.refitted, spark.baseline_changed, spark.baseline_checked) == (
            local.refitted,
            local.baseline_changed,
            local.baseline_checked,
        )


@pytest.mark.parametrize("build", [0, 1], ids=["first build", "second build"])
def test_spark_builds_every_series_as_the_local_backend(
    built: tuple[list[dict[str, Series]], list[dict[str, Series]]], build: int
) -> None:
    local, spark = built[0][build], built[1][build]
    assert list(spark) == list(local) == list(CATALOGUE.ids)
    for indicator in CATALOGUE.ids:
        _assert_same(local[indicator], spark[indicator])
    risk = [s for s in local.values() if isinstance(s, CaseSeries) and s.fit is not None]
    assert risk  # the births indicators with risk models are among them
    assert all(s.refitted == (build == 0) for s in risk)


def test_the_correction_and_the_older_batch_are_read_as_the_snapshot_reads_them(
    built: tuple[list[dict[str, Series]], list[dict[str, Series]]], batched: Path
) -> None:
    spark = built[1][1]
    snapshot = Dataset(batched).snapshot()
    corrected = snapshot.history("births")[-1]
    assert corrected.correction
    haemorrhage = spark["haemorrhage_1500ml"]
    assert isinstance(haemorrhage, CaseSeries)
    # Each corrected birth appears once, with its corrected outcome.
    fixed = snapshot.scan(corrected).collect().select("record_id", "haemorrhage_1500ml")
    seen = fixed.join(haemorrhage.frame, on="record_id")
    assert seen.height == fixed.height > 0
    assert (seen["outcome"] == seen["haemorrhage_1500ml"].cast(pl.Int8)).all()
    # The second counts batch was written without its optional expected column.
    older = snapshot.history("counts")[1]
    assert "expected" not in older.columns
    assert "expected" not in pl.read_parquet_schema(batched / older.file)


def test_a_later_correction_in_the_baseline_window_is_seen_by_both_backends(
    session: Any, batched: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from caresignal.monitor.spark import SparkBackend

    copy = tmp_path_factory.mktemp("changed") / "data"
    shutil.copytree(batched, copy)
    data = Dataset(copy)
    build_all(data, CATALOGUE, as_of=AS_OF, clock=CLOCK)  # fits and records the models
    early = data.snapshot().table("births").collect().sort("record_id").head(5)
    _add(data, "births", early.with_columns(pl.col("mother_age") + 2), correction=True)
    local = build_all(data, CATALOGUE, as_of=AS_OF, clock=CLOCK)
    spark = SparkBackend(session).series(data.snapshot(), CATALOGUE, as_of=AS_OF, clock=CLOCK)
    changed = [i for i, s in local.items() if isinstance(s, CaseSeries) and s.baseline_changed]
    assert "term_hie" in changed  # the mother's age is one of its covariates
    for indicator in CATALOGUE.ids:
        _assert_same(local[indicator], spark[indicator])


def test_the_series_do_not_depend_on_the_sessions_time_zone(
    session: Any, built: tuple[list[dict[str, Series]], list[dict[str, Series]]], batched: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:  # fmt: skip
    from caresignal.monitor.spark import SparkBackend

    copy = tmp_path_factory.mktemp("zone") / "data"
    shutil.copytree(batched, copy)
    build_all(Dataset(copy), CATALOGUE, as_of=AS_OF, clock=CLOCK)  # the models recorded
    zone = session.conf.get("spark.sql.session.timeZone")
    session.conf.set("spark.sql.session.timeZone", "Pacific/Auckland")
    try:
        found = SparkBackend(session).series(
            Dataset(copy).snapshot(), CATALOGUE, as_of=AS_OF, clock=CLOCK
        )
    finally:
        session.conf.set("spark.sql.session.timeZone", zone)
    local = built[0][1]
    for indicator in ("term_hie", "extended_perinatal_mortality"):
        _assert_same(local[indicator], found[indicator])


def test_a_missing_batch_file_is_the_same_error_as_a_local_read(
    session: Any, batched: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from caresignal.monitor.spark import SparkBackend

    copy = tmp_path_factory.mktemp("missing") / "data"
    shutil.copytree(batched, copy)
    snapshot = Dataset(copy).snapshot()
    lost = snapshot.history("births")[1]
    (copy / lost.file).unlink()
    with pytest.raises(BatchFileMissingError, match=f"batch {lost.batch_id} \\(births"):
        SparkBackend(session).series(snapshot, CATALOGUE, as_of=AS_OF, clock=CLOCK)


def test_the_data_uri_option_is_where_spark_reads_the_batches(
    session: Any, batched: Path, tmp_path: Path
) -> None:
    nowhere = (tmp_path / "elsewhere").as_uri()
    command = ["scan", "--data-dir", str(batched), "--as-of", AS_OF.isoformat(), "--json"]
    result = CliRunner().invoke(app, [*command, "--backend", "spark", "--data-uri", nowhere])
    assert result.exit_code == 2, result.output
    assert "Spark cannot read batch" in result.output
    assert f"at {nowhere}/batches/" in result.output.replace("\n", "")
    assert "--data-uri" in result.output
    assert not (batched / FINDINGS).exists()  # nothing was written
    local = CliRunner().invoke(app, [*command, "--data-uri", nowhere])
    assert local.exit_code == 2
    assert "--data-uri is only used with --backend spark" in local.output


def test_a_carried_on_spark_scan_reads_the_new_batches_cases_with_spark(
    session: Any, small_copy: Callable[[], Path], tmp_path: Path
) -> None:
    from caresignal.monitor.spark import SparkBackend

    class Recording(SparkBackend):
        """Keeps each call of ``new_case_rows``: its arguments and what Spark read."""

        def __init__(self, session: Any) -> None:
            super().__init__(session)
            self.calls: list[tuple[tuple[Any, ...], dict[str, pl.DataFrame]]] = []

        def new_case_rows(self, *args: Any) -> dict[str, pl.DataFrame]:
            found = super().new_case_rows(*args)
            self.calls.append((args, found))
            return found

    births_only = Catalogue(tuple(i for i in CATALOGUE if i.table == "births"))
    source = Dataset(small_copy()).snapshot()
    births = source.table("births").collect()
    late = pl.col("birth_datetime") >= datetime(2025, 1, 1)
    results = []
    for name, backend in (("local", None), ("spark", Recording(session))):
        data = Dataset(tmp_path / name)
        _add(data, "organisations", source.table("organisations").collect())
        _add(data, "births", births.filter(~late))
        scan(data, births_only, as_of=dt.date(2024, 12, 31), clock=CLOCK)  # the state kept
        _add(data, "births", births.filter(late))
        results.append(scan(data, births_only, as_of=AS_OF, clock=CLOCK, backend=backend))
    assert isinstance(backend, Recording)
    # The indicators carried on over the new batch (those whose baselines had ended by the
    # first scan) had its cases read by Spark.
    read = [item.id for args, _ in backend.calls for item in args[1]]
    assert len(read) >= 2
    assert set(read) <= set(births_only.ids)
    for args, found in backend.calls:
        assert [entry.batch_id for entry in args[3]] == [data.history("births")[-1].batch_id]
        wanted = LocalBackend().new_case_rows(*args)
        assert found.keys() == wanted.keys()
        for indicator, rows in found.items():
            assert rows.height > 0
            assert_frame_equal(rows, wanted[indicator], check_exact=True)
    local, spark = results
    assert len(local.findings) > 0
    assert [f.to_dict() for f in spark.findings] == [f.to_dict() for f in local.findings]


def test_a_case_its_model_cannot_price_is_the_models_own_error(
    session: Any, built: tuple[list[dict[str, Series]], list[dict[str, Series]]], batched: Path
) -> None:
    import pyarrow as pa

    from caresignal.monitor._series_cases import case_frames
    from caresignal.monitor._series_predict import predict
    from caresignal.monitor._spark_series import ERROR, _Job, _partition_pieces

    del session  # the module's Spark session is not used: the executor's function runs here
    hie = built[0][1]["term_hie"]
    assert isinstance(hie, CaseSeries)
    assert hie.fit is not None
    indicator = CATALOGUE.get("term_hie")
    unit = hie.units[0]
    rows = Dataset(batched).snapshot().table("births").collect()
    rows = rows.filter(pl.col("site_code") == unit).with_columns(
        pl.when(pl.int_range(pl.len()) % 50 == 7)
        .then(None)
        .otherwise(pl.col("plurality"))
        .alias("plurality")
    )  # some births' plurality missing, which the import's checks would refuse
    job = _Job("births", (indicator,), {indicator.id: hie.units}, AS_OF, {indicator.id: hie.fit})
    shared = SimpleNamespace(value=job)
    (out,) = _partition_pieces(shared, iter(rows.to_arrow().to_batches()))
    assert out.column("kind").to_pylist() == [ERROR]
    cases = case_frames(rows.lazy(), [indicator], {indicator.id: hie.units})[indicator.id]
    with pytest.raises(ValueError, match="missing") as local:
        predict(hie.fit.model, cases.collect())
    assert out.column("rows").to_pylist() == [str(local.value).encode()]
    assert "covariate 'multiple' is missing in row" in str(local.value)
    fine = rows.drop_nulls("plurality").to_arrow()
    (good,) = _partition_pieces(shared, iter(fine.to_batches()))
    assert set(good.column("kind").to_pylist()) == {"series", "window"}
    assert isinstance(pa.Table.from_batches([good]), pa.Table)
