"""The bundled A&E data as caresignal's input tables: organisations and counts (``ed_4h``).

NHSRdatasets' ``ae_attendances`` gives, per NHS organisation (ODS code), month and department
type, the attendances and the attendances that waited more than four hours ("breaches"). The
indicator catalogue's ``ed_4h`` reads four-hour performance from the ``counts`` table, per
emergency-department unit and month. :func:`input_tables` makes both tables from the type-1 rows:

* ``organisations``: for each organisation with a type-1 department, a trust (its real ODS code,
  e.g. ``RF4``), one site standing for all of its sites together (``RF4-AE``: the data are per
  organisation, not per site) and one ``emergency_department`` unit under it (``RF4-ED``: its
  type-1 departments together). The data hold no names, so the trust's name is its code.
* ``counts``: one row per unit and month, indicator ``ed_4h``, period type ``month``; numerator
  the attendances seen within four hours (attendances − breaches), denominator the attendances.

Both frames have exactly their schema's columns, in order and typed
(:data:`caresignal.data.schema.SCHEMAS`), and pass :func:`caresignal.data.load.validate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from caresignal.data.schema import DTYPES, SCHEMAS

__all__ = ["COUNTS_INDICATOR", "SOURCE", "InputTables", "input_tables", "site_code", "unit_code"]

#: The bundled file the tables are made from (the ``sources`` of their batches).
SOURCE = "ae_attendances.csv"
#: The counts indicator of the catalogue's four-hour performance (``emergency.toml``).
COUNTS_INDICATOR = "ed_4h"
#: What a trust's code is followed by in its site's and its unit's codes.
SITE_SUFFIX, UNIT_SUFFIX = "-AE", "-ED"
#: The department type charted: ``"1"``, major emergency departments (consultant-led, 24 hours).
DEPARTMENT_TYPE = "1"


@dataclass(frozen=True, slots=True)
class InputTables:
    """Input tables made from a bundled dataset, each a frame typed as its schema says.

    ``source`` names the bundled file they were made from, for the import ledger.
    """

    organisations: pl.DataFrame
    counts: pl.DataFrame
    source: str

    def items(self) -> tuple[tuple[str, pl.DataFrame], ...]:
        """``(table, frame)`` pairs in the order to import them: organisations first."""
        return (("organisations", self.organisations), ("counts", self.counts))


def site_code(trust: str) -> str:
    """The code of the one site standing for all of trust ``trust``'s sites: ``RF4-AE``."""
    return trust + SITE_SUFFIX


def unit_code(trust: str) -> str:
    """The code of trust ``trust``'s type-1 emergency department unit: ``RF4-ED``."""
    return trust + UNIT_SUFFIX


def input_tables(attendances: pl.DataFrame) -> InputTables:
    """The organisations and ``ed_4h`` counts of the type-1 rows of ``attendances``.

    ``attendances`` is :func:`caresignal.data.public.ae_attendances` (columns ``period``,
    ``org_code``, ``type``, ``attendances``, ``breaches``). Months with no attendances, which
    would give no share of patients seen within four hours, are left out (the bundled data have
    none).
    """
    rows = attendances.filter(pl.col("type") == DEPARTMENT_TYPE, pl.col("attendances") > 0)
    trusts = rows.get_column("org_code").unique().sort()
    return InputTables(organisations=_organisations(trusts), counts=_counts(rows), source=SOURCE)


def _organisations(trusts: pl.Series) -> pl.DataFrame:
    codes = trusts.to_list()
    sites = [site_code(code) for code in codes]
    units = [unit_code(code) for code in codes]
    frame = pl.DataFrame(
        {
            "code": [*codes, *sites, *units],
            "name": [
                *codes,
                *(f"{code} A&E, all sites" for code in codes),
                *(f"{code} type 1 emergency departments" for code in codes),
            ],
            "level": ["trust"] * len(codes) + ["site"] * len(codes) + ["unit"] * len(codes),
            "parent_code": [None] * len(codes) + [*codes, *sites],
            "unit_type": [None] * (2 * len(codes)) + ["emergency_department"] * len(codes),
        },
        schema=dict.fromkeys(("code", "name", "level", "parent_code", "unit_type"), pl.String),
    )
    return _typed(frame.sort("code"), "organisations")


def _counts(rows: pl.DataFrame) -> pl.DataFrame:
    frame = rows.select(
        (pl.col("org_code") + UNIT_SUFFIX).alias("unit_code"),
        pl.col("period").alias("period_start"),
        pl.lit("month").alias("period_type"),
        pl.lit(COUNTS_INDICATOR).alias("indicator"),
        (pl.col("attendances") - pl.col("breaches")).alias("numerator"),
        pl.col("attendances").alias("denominator"),
    )
    return _typed(frame.sort("unit_code", "period_start"), "counts")


def _typed(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """``frame`` with exactly the columns of ``table``'s schema, in order and typed; optional
    columns it lacks are there, empty."""
    columns = SCHEMAS[table].columns
    return frame.select(
        (pl.col(column.name) if column.name in frame.columns else pl.lit(None))
        .cast(DTYPES[column.kind])
        .alias(column.name)
        for column in columns
    )
