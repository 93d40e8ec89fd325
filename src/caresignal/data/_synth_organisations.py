"""Synthetic data, part 16: the ``organisations`` table (trust → site → unit).

A maternity unit (``ZAB01-MAT``) under every maternity site, a neonatal unit (``ZAB01-NNU``) at
level 2 and 3 sites, and the paediatric wards (``-PAE``), emergency departments (``-ED``) and adult
wards (``-ADW1``…) of the plan at their trust's first site. Sites and their maternity and neonatal
units carry the site's comparator group (its neonatal care level); every row carries the region.
"""

from __future__ import annotations

import polars as pl

from caresignal.data._synth_plan import Plan, Sites, Wards
from caresignal.data.schema import ORGANISATIONS

__all__ = ["organisations_table"]


def _rows(
    code: tuple[str, ...],
    name: tuple[str, ...],
    level: str,
    parent: tuple[str | None, ...],
    unit_type: str | None,
    comparator: tuple[str | None, ...],
    region: tuple[str, ...],
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "code": code,
            "name": name,
            "level": [level] * len(code),
            "parent_code": parent,
            "unit_type": [unit_type] * len(code),
            "comparator_group": comparator,
            "region": region,
        },
        schema=dict.fromkeys(ORGANISATIONS.names, pl.String),
    )


def _wards(wards: Wards, region: dict[str, str]) -> pl.DataFrame:
    regions = tuple(region[site] for site in wards.site)
    none = (None,) * len(wards.code)
    return _rows(wards.code, wards.name, "unit", wards.site, wards.kind, none, regions)


def _neonatal(s: Sites) -> pl.DataFrame:
    at = [k for k, level in enumerate(s.level) if level != "level_1"]
    return _rows(
        tuple(f"{s.code[k]}-NNU" for k in at),
        tuple(f"{s.name[k]} neonatal unit" for k in at),
        "unit",
        tuple(s.code[k] for k in at),
        "neonatal",
        tuple(s.level[k] for k in at),
        tuple(s.region[k] for k in at),
    )


def organisations_table(plan: Plan) -> pl.DataFrame:
    """Every trust, site and unit of the plan, in order of code."""
    t, s = plan.trusts, plan.sites
    region = dict(zip(s.code, s.region, strict=True))
    none = (None,) * len(t.code)
    maternity = tuple(f"{name} maternity unit" for name in s.name)
    frames = [
        _rows(t.code, t.name, "trust", none, None, none, t.region),
        _rows(s.code, s.name, "site", s.trust, None, s.level, s.region),
        _rows(s.unit, maternity, "unit", s.code, "maternity", s.level, s.region),
        _neonatal(s),
        *(_wards(wards, region) for wards in (plan.paediatric, plan.emergency, plan.adult)),
    ]
    return pl.concat(frames).sort("code")
