"""The indicator catalogue as an administrator reads it: each indicator's entry, the risk model
fitted for it and recorded in the data directory, and the catalogue files as written
(docs/web.md, "Administration"). Read only: nothing here changes a file.
"""

from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

from caresignal.monitor.catalogue import Catalogue, Indicator, load_catalogue
from caresignal.monitor.series import FitRecord, model_path

__all__ = ["catalogue_of", "entry", "fitted", "sources"]

SHIPPED = "caresignal/monitor/catalogue/"


def catalogue_of(data_dir: Path) -> Catalogue:
    """The shipped indicators and the data directory's own (``catalogue/*.toml``), as the
    command line and the scan read them."""
    own = data_dir / "catalogue"
    return load_catalogue(own) if own.is_dir() else load_catalogue()


def entry(indicator: Indicator) -> dict[str, Any]:
    """One indicator's catalogue entry, for JSON."""
    model = indicator.risk_model
    reference = indicator.reference
    return {
        "id": indicator.id, "title": indicator.title, "description": indicator.description,
        "file": indicator.file, "table": indicator.table, "level": indicator.level,
        "unit_types": list(indicator.unit_types), "period": indicator.period,
        "worse": indicator.worse,
        "methods": [
            {"method": m.method, "parameters": [[k, _plain(v)] for k, v in m.parameters]}
            for m in indicator.methods
        ],
        "risk_model": None if model is None else {
            "covariates": list(model.covariates), "categorical": list(model.categorical),
            "formula": model.formula, "derived": [list(pair) for pair in model.derived],
            "baseline": model.baseline.describe(),
        },
        "reference": None if reference is None else {
            "scope": reference.scope, "baseline": reference.baseline.describe(),
        },
    }  # fmt: skip


def _plain(value: object) -> object:
    """A parameter's value for JSON (a tuple as a list)."""
    return list(value) if isinstance(value, tuple) else value


def _number(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else float(value)


def fitted(data_dir: Path, indicator: Indicator) -> dict[str, Any] | None:
    """The fit of the indicator's risk model recorded in the data directory (None when there
    is none yet), or ``{"problem": ...}`` when the record cannot be read."""
    path = model_path(data_dir, indicator.id)
    if indicator.risk_model is None or not path.is_file():
        return None
    try:
        document = json.loads(path.read_text("utf-8"))
        record = FitRecord.from_dict(document["current"])
        earlier = len(document.get("history", []))
    except (OSError, ValueError, KeyError, TypeError) as error:
        return {"problem": f"the recorded model cannot be read ({error})"}
    m = record.model
    terms = [
        {"term": term, "coefficient": _number(m.coefficients[i]),
         "std_error": _number(m.std_errors[i]), "ci_lower": _number(m.ci_lower[i]),
         "ci_upper": _number(m.ci_upper[i]), "p_value": _number(m.p_values[i])}
        for i, term in enumerate(m.terms)
    ]  # fmt: skip
    return {
        "fitted_at": record.fitted_at.isoformat(),
        "baseline": {"start": record.start.isoformat(), "end": record.end.isoformat()},
        "cases": record.cases, "events": record.events,
        "c_statistic": _number(record.c_statistic), "ci_level": m.ci_level,
        "terms": terms, "earlier_fits": earlier,
    }  # fmt: skip


def sources(catalogue: Catalogue) -> list[dict[str, str]]:
    """Each file the catalogue was read from, with its text as written."""
    found = []
    folder = resources.files("caresignal.monitor").joinpath("catalogue")
    for name in catalogue.files:
        if name.startswith(SHIPPED):
            text = folder.joinpath(name.removeprefix(SHIPPED)).read_text("utf-8")
        else:
            text = Path(name).read_text("utf-8")
        found.append({"name": name, "text": text})
    return found
