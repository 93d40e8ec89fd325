"""A risk model as a plain, JSON-serialisable dict, and back.

Private helpers of :mod:`caresignal.stats.riskmodel`. Floats are written as Python floats, which
JSON stores to full precision, so a model predicts identically after a round trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FORMAT = "caresignal.riskmodel.logistic/1"
_ARRAYS = ("coefficients", "std_errors", "z", "p_values", "ci_lower", "ci_upper")
_SCALARS = ("outcome", "formula", "ci_level", "n", "events", "c_statistic")


def model_to_dict(model: Any) -> dict[str, Any]:
    """Every field of a :class:`~caresignal.stats.riskmodel.RiskModel` as plain Python values."""
    record: dict[str, Any] = {"format": FORMAT}
    record.update({name: getattr(model, name) for name in _SCALARS})
    record["covariates"] = list(model.covariates)
    record["levels"] = {name: list(levels) for name, levels in model.levels.items()}
    record["terms"] = list(model.terms)
    record.update({name: getattr(model, name).tolist() for name in _ARRAYS})
    return record


def model_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """Check a stored record and return the constructor fields (arrays still as lists)."""
    if not isinstance(record, Mapping):
        raise TypeError(f"record must be a dict from RiskModel.to_dict(), got {type(record)}")
    if record.get("format") != FORMAT:
        raise ValueError(f"record has format {record.get('format')!r}; expected {FORMAT!r}")
    missing = [
        name
        for name in (*_SCALARS, *_ARRAYS, "covariates", "levels", "terms")
        if name not in record
    ]
    if missing:
        raise ValueError(f"record lacks {missing}; was it written by RiskModel.to_dict()?")
    terms = tuple(str(term) for term in record["terms"])
    for name in _ARRAYS:
        if len(record[name]) != len(terms):
            raise ValueError(
                f"record {name!r} has {len(record[name])} values for {len(terms)} terms"
            )
    fields = {name: record[name] for name in (*_SCALARS, *_ARRAYS)}
    fields["ci_level"] = float(record["ci_level"])
    fields["c_statistic"] = float(record["c_statistic"])
    fields["n"], fields["events"] = int(record["n"]), int(record["events"])
    fields["covariates"] = tuple(str(name) for name in record["covariates"])
    fields["levels"] = {str(name): tuple(levels) for name, levels in record["levels"].items()}
    fields["terms"] = terms
    return fields
