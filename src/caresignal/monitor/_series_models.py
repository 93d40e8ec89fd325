"""Recorded risk-model fits (private; see :mod:`caresignal.monitor.series`).

Each indicator's fit lives in ``<data-dir>/models/<indicator>.json``: the current fit and, under
``history``, every fit it replaced. Files are written atomically (temporary file, fsync,
``os.replace``, directory fsync), so a crash leaves the old record or the new one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caresignal.data.dataset import replace_file
from caresignal.errors import CaresignalError
from caresignal.monitor._catalogue_types import Indicator
from caresignal.stats.riskmodel import RiskModel

#: What a model file is, and the version of its layout.
FORMAT = "caresignal-risk-model"
VERSION = 1
#: The folder of model files inside the data directory.
MODELS = "models"


class ModelRecordError(CaresignalError, ValueError):
    """A model file cannot be read, or records a fit of another definition than the catalogue's."""


@dataclass(frozen=True, slots=True)
class FitRecord:
    """One recorded fit of an indicator's risk model.

    ``start``/``end`` are the baseline window actually used (inclusive days); ``cases`` and
    ``events`` the baseline's size; ``fitted_at`` when it was fitted (from the clock);
    ``baseline_hash`` the SHA-256 of the baseline data (:mod:`._series_hash`); ``definition``
    the catalogue entries the fit is of (population, outcome, model), so that a changed
    definition is noticed.
    """

    model: RiskModel
    start: dt.date
    end: dt.date
    cases: int
    events: int
    c_statistic: float
    fitted_at: dt.datetime
    baseline_hash: str
    definition: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-serialisable data."""
        return {
            "model": self.model.to_dict(),
            "baseline": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "cases": self.cases,
            "events": self.events,
            "c_statistic": self.c_statistic,
            "fitted_at": self.fitted_at.isoformat(),
            "baseline_hash": self.baseline_hash,
            "definition": self.definition,
        }

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> FitRecord:
        """Rebuild a record from :meth:`to_dict` output."""
        return cls(
            model=RiskModel.from_dict(record["model"]),
            start=dt.date.fromisoformat(record["baseline"]["start"]),
            end=dt.date.fromisoformat(record["baseline"]["end"]),
            cases=int(record["cases"]),
            events=int(record["events"]),
            c_statistic=float(record["c_statistic"]),
            fitted_at=dt.datetime.fromisoformat(record["fitted_at"]),
            baseline_hash=str(record["baseline_hash"]),
            definition=dict(record["definition"]),
        )


def definition_of(indicator: Indicator) -> dict[str, Any]:
    """The parts of an indicator a fit depends on, as JSON data."""
    spec = indicator.risk_model
    assert spec is not None
    return {
        "table": indicator.table,
        "population": indicator.definition.population,
        "outcome": indicator.definition.outcome,
        "covariates": list(spec.covariates),
        "categorical": list(spec.categorical),
        "formula": spec.formula,
        "derived": [list(pair) for pair in spec.derived],
    }


def model_path(directory: Path, indicator_id: str) -> Path:
    """Where an indicator's fits are recorded."""
    return directory / MODELS / f"{indicator_id}.json"


def read_records(path: Path) -> tuple[FitRecord | None, list[dict[str, Any]]]:
    """The current fit recorded in ``path`` (None if there is no file) and the older ones."""
    if not path.exists():
        return None, []
    try:
        document = json.loads(path.read_text("utf-8"))
        if document.get("format") != FORMAT or document.get("version") != VERSION:
            raise ValueError(f"not a {FORMAT} file of version {VERSION}")
        return FitRecord.from_dict(document["current"]), list(document["history"])
    except (ValueError, KeyError, TypeError) as error:
        raise ModelRecordError(
            f"{path}: the recorded risk model cannot be read ({error})",
            hint="restore the file from a backup, or refit the model on purpose (refit=True)",
        ) from None


def write_records(
    path: Path, indicator_id: str, current: FitRecord, history: list[dict[str, Any]]
) -> None:
    """Record ``current`` (with ``history``, oldest first) atomically in ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "indicator": indicator_id,
        "current": current.to_dict(),
        "history": history,
    }
    replace_file(path, (json.dumps(document, indent=2, allow_nan=False) + "\n").encode("utf-8"))
