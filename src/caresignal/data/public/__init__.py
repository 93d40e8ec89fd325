"""The real public datasets bundled with caresignal, as typed polars DataFrames.

Each loader reads a CSV shipped inside the package (no download) and returns a new DataFrame, so
callers may change it freely. Origins and licences are in ``README.md`` beside the files and in
``docs/data-sources.md``.

>>> ae = ae_attendances()
>>> ae.height, ae["org_code"].n_unique()
(12765, 274)

:func:`ae_tables` turns the A&E data into caresignal's own input tables, ready to import:

>>> tables = ae_tables()
>>> tables.organisations.height, tables.counts.height
(420, 4932)
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import polars as pl

from caresignal.data.public._ae_tables import InputTables, input_tables
from caresignal.errors import DatasetNotFoundError

__all__ = [
    "DATASETS",
    "InputTables",
    "ae_attendances",
    "ae_tables",
    "cardiac_surgery",
    "deleval",
    "load",
    "medpar",
]


def _read(filename: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    source = resources.files(__package__).joinpath(filename)
    with resources.as_file(source) as path:
        return pl.read_csv(path, schema=schema)


def ae_attendances() -> pl.DataFrame:
    """Monthly A&E attendances and 4-hour breaches for 274 NHS organisations, 2016-04 to 2019-03.

    Columns: ``period`` (date, first of the month), ``org_code`` (ODS code), ``type`` (department
    type: ``"1"`` major emergency department, ``"2"`` single-specialty, ``"other"`` minor injury
    units and walk-in centres), ``attendances``, ``breaches`` (patients who waited more than four
    hours from arrival to admission, transfer or discharge), ``admissions``.

    Source: NHS England A&E statistics via the NHSRdatasets R package (CC0); contains public sector
    information licensed under the Open Government Licence v3.0.
    """
    frame = _read(
        "ae_attendances.csv",
        {
            "period": pl.Date(),
            "org_code": pl.String(),
            "type": pl.String(),
            "attendances": pl.Int64(),
            "breaches": pl.Int64(),
            "admissions": pl.Int64(),
        },
    )
    return frame.sort("org_code", "type", "period")


def ae_tables() -> InputTables:
    """The type-1 A&E data as caresignal's ``organisations`` and ``counts`` input tables.

    ``organisations``: each of the 140 organisations with a type-1 department as a trust (its ODS
    code; the data hold no names, so the name is the code), one site standing for all its sites
    (``<code>-AE``) and one ``emergency_department`` unit (``<code>-ED``). ``counts``: indicator
    ``ed_4h`` (the catalogue's four-hour performance) per unit and month, numerator the
    attendances seen within four hours (attendances − breaches), denominator the attendances.
    Both pass :func:`caresignal.data.load.validate`; see ``docs/data-sources.md``.
    """
    return input_tables(ae_attendances())


def medpar() -> pl.DataFrame:
    """US Medicare admissions (Arizona, 1991) for one diagnosis group at 54 providers.

    Columns: ``los`` (length of stay, days), ``hmo``, ``white``, ``died``, ``age80`` (0/1),
    ``type`` (1 elective, 2 urgent, 3 emergency) and its dummies ``type1``–``type3``, ``provnum``
    (provider, a six-character code with its leading zero restored) and ``prds``, the expected
    length of stay from ``glm(los ~ hmo + died + age80 + factor(type), family = poisson)``. Summed
    by provider, ``los`` and ``prds`` give the observed and expected counts of a funnel plot.

    Source: the COUNT R package (Hilbe), GPL-2; ``prds`` derived from it.
    """
    integer = pl.Int64()
    frame = _read(
        "medpar.csv",
        {
            "los": integer,
            "hmo": integer,
            "white": integer,
            "died": integer,
            "age80": integer,
            "type": integer,
            "type1": integer,
            "type2": integer,
            "type3": integer,
            "provnum": pl.String(),
            "prds": pl.Float64(),
        },
    )
    return frame.with_columns(pl.col("provnum").str.zfill(6))


def cardiac_surgery() -> pl.DataFrame:
    """Adult cardiac surgery at one UK centre, 1992–1998 (Steiner et al. 2000, lightly noised).

    Columns: ``date`` (days from the start of the series), ``time`` (days to death or censoring,
    censored at 90), ``status`` (1 = died), ``Parsonnet`` (pre-operative risk score), ``surgeon``
    (1–7), and the derived ``died_30d`` (1 if the patient died within 30 days: ``status == 1`` and
    ``time <= 30``) and ``phase`` (``"I"`` for ``date < 730``, the usual baseline for fitting the
    risk model, else ``"II"``).

    Source: the spcadjust R package (Gandy & Kvaløy), GPL (>= 2).
    """
    integer = pl.Int64()
    frame = _read(
        "cardiac_surgery.csv",
        {
            "date": integer,
            "time": integer,
            "status": integer,
            "Parsonnet": integer,
            "surgeon": integer,
        },
    )
    return frame.with_columns(
        died_30d=((pl.col("status") == 1) & (pl.col("time") <= 30)).cast(pl.Int64),
        phase=pl.when(pl.col("date") < 730).then(pl.lit("I")).otherwise(pl.lit("II")),
    )


def deleval() -> pl.DataFrame:
    """Neonatal arterial switch operations by one surgeon (de Leval et al. 1994), in order.

    Columns: ``patient`` (1–104, the order of operation), ``death`` and ``nearmiss`` (0/1).

    Source: the surveillance R package (Höhle et al.), GPL-2.
    """
    integer = pl.Int64()
    return _read("deleval.csv", {"patient": integer, "death": integer, "nearmiss": integer})


DATASETS: dict[str, Callable[[], pl.DataFrame]] = {
    "ae_attendances": ae_attendances,
    "medpar": medpar,
    "cardiac_surgery": cardiac_surgery,
    "deleval": deleval,
}


def load(name: str) -> pl.DataFrame:
    """Load a bundled dataset by name (one of :data:`DATASETS`)."""
    try:
        loader = DATASETS[name]
    except KeyError:
        known = ", ".join(DATASETS)
        raise DatasetNotFoundError(
            f"there is no bundled dataset called {name!r}", hint=f"choose one of: {known}"
        ) from None
    return loader()
