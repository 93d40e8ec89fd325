"""A ward's bedside audit for its manager: every late or missed response to a deterioration, a
carer's "worse", suspected sepsis or weight loss in a month, with the month's counts; beside its
JSON twin under ``/api/v1`` (docs/wardcare.md, docs/web.md).

The audit reads the data directory's ``encounters``, ``observations`` and ``responses`` of the
ward (:func:`caresignal.monitor.wardcare.audit`), and is kept until the data directory changes.
It names patients by their pseudonymous encounter ids, so it is shown only to people with
clinical access to the ward: a role among :data:`CLINICAL_ROLES` held in the ward, its site or
its trust. Anyone else is told the page is "not found", as for a ward that does not exist.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from caresignal.data.dataset import Dataset
from caresignal.domain import Role
from caresignal.monitor import wardcare
from caresignal.store.service import UnknownError
from caresignal.web.data_state import Kept, data_version, json_response
from caresignal.web.deps import AppState, CurrentViewer, State, Viewer
from caresignal.web.pages import render
from caresignal.web.security import check_csrf
from caresignal.web.standings import Seen, seen

__all__ = ["CLINICAL_ROLES", "bedside_href", "router"]

router = APIRouter(dependencies=[Depends(check_csrf)])

#: The roles that see a ward's patients' bedside audit (in the ward, its site or its trust):
#: those who lead, govern or answer for the care on it. Board members, regulators and
#: administrators see the monthly indicators instead, never a patient's row.
CLINICAL_ROLES = frozenset(
    {
        Role.UNIT_LEAD,
        Role.DIVISIONAL_DIRECTOR,
        Role.EXECUTIVE_SAFETY_CHAMPION,
        Role.QUALITY_ANALYST,
        Role.OUTREACH_TEAM,
        Role.ON_CALL_SENIOR,
    }
)
#: What a trigger's, a sepsis episode's or a weight review's status may say that a manager acts on.
LATE = ("late", "missed")

_AUDITS = Kept(64)


def bedside_href(view: Seen, viewer: Viewer, code: str) -> str | None:
    """The ward's bedside audit page, if it is a unit the person has clinical access to."""
    found = view.organisations.get(code)
    if found is None or found.level != "unit" or not _clinical(view, viewer, code):
        return None
    return f"/organisations/{code}/bedside"


def _clinical(view: Seen, viewer: Viewer, code: str) -> bool:
    """Whether the person holds a clinical role in ``code``, its site or its trust."""
    chain = set()
    found = view.organisations.get(code)
    while found is not None:
        chain.add(found.code)
        found = view.organisations.get(found.parent_code) if found.parent_code else None
    return any(
        grant.role in CLINICAL_ROLES and grant.organisation_code in chain for grant in viewer.grants
    )


def _audit(directory: Path, code: str) -> wardcare.WardcareAudit | None:
    """The ward's bedside audit over all its data, or None when it has no bedside data."""
    snapshot = Dataset(directory).snapshot()
    stays = snapshot.table("encounters").filter(pl.col("unit_code") == code).collect()
    if stays.height == 0:
        return None
    ids = stays.get_column("encounter_id").implode()
    observations = snapshot.table("observations").filter(pl.col("encounter_id").is_in(ids))
    responses = snapshot.table("responses").filter(pl.col("encounter_id").is_in(ids))
    return wardcare.audit(stays, observations.collect(), responses.collect())


def _month(text: str | None, months: list[str]) -> str:
    """The month asked for (``YYYY-MM``), or the latest with data."""
    if text is None:
        return months[-1]
    if text not in months:
        shown = f"{months[0]} to {months[-1]}" if months else "none"
        raise UnknownError(
            f"there is no bedside data for the month {text!r}; expected a month YYYY-MM with "
            f"data ({shown})"
        )
    return text


def _rows(frame: pl.DataFrame, column: str, month: str, status: str) -> list[dict[str, Any]]:
    """The frame's rows of ``month`` (by ``column``) whose ``status`` is late or missed."""
    start = dt.datetime.fromisoformat(f"{month}-01")
    end = (start + dt.timedelta(days=32)).replace(day=1)
    picked = frame.filter(
        (pl.col(column) >= start)
        & (pl.col(column) < end)
        & pl.col(status).cast(pl.String).is_in(LATE)
    ).sort(column)
    return [_plain(row) for row in picked.iter_rows(named=True)]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON-ready values: times and days as ISO text, a share of nothing as null."""
    return {key: _value(value) for key, value in row.items()}


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _sepsis_rows(frame: pl.DataFrame, month: str) -> list[dict[str, Any]]:
    """Suspected sepsis in ``month`` whose screen, antibiotic or senior review was not in time."""
    late = frame.with_columns(
        pl.when(
            (pl.col("screen_in_time") == False)  # noqa: E712 (null is pending, not late)
            | (pl.col("antibiotic_in_time") == False)  # noqa: E712
            | (pl.col("senior_review_in_time") == False)  # noqa: E712
        )
        .then(pl.lit("late"))
        .otherwise(pl.lit("in time"))
        .alias("status")
    )
    return _rows(late, "trigger_datetime", month, "status")


def _bedside(state: AppState, viewer: Viewer, code: str, month: str | None) -> dict[str, Any]:
    """Everything the bedside audit page shows, as JSON-ready data."""
    view = seen(state, viewer)
    found = view.organisations.get(code)
    if found is None or code not in view.reached or bedside_href(view, viewer, code) is None:
        raise UnknownError(f"there is no ward with code {code!r} in the store")
    directory = state.settings.data_dir
    audited: wardcare.WardcareAudit | None = _AUDITS.get(
        (str(directory), code), data_version(directory), lambda: _audit(directory, code)
    )
    data: dict[str, Any] = {"unit": found.to_dict(), "months": [], "month": None}
    if audited is None:
        return data | {"note": f"There are no bedside observations of {found.name}."}
    monthly = audited.monthly.filter(pl.col("unit_code") == code).sort("month")
    months = [m.strftime("%Y-%m") for m in monthly.get_column("month").to_list()]
    chosen = _month(month, months)
    counts = monthly.filter(pl.col("month").dt.strftime("%Y-%m") == chosen)
    triggers = audited.triggers.filter(pl.col("first_in_episode"))
    return data | {
        "months": months,
        "month": chosen,
        "as_of": audited.as_of.isoformat(sep=" ", timespec="minutes"),
        "counts": _plain(counts.row(0, named=True)) if counts.height else {},
        "triggers": _rows(triggers, "trigger_datetime", chosen, "status"),
        "sepsis": _sepsis_rows(audited.sepsis, chosen),
        "weight": _rows(audited.weight, "flag_datetime", chosen, "status"),
    }


@router.get("/organisations/{code}/bedside", include_in_schema=False)
def bedside_page(
    request: Request, state: State, viewer: CurrentViewer, code: str, month: str | None = None
) -> Response:
    """A ward's late and missed responses in a month (the latest with data unless ``month``)."""
    data = _bedside(state, viewer, code, month)
    return render(request, "bedside.html", {"d": data})


@router.get("/api/v1/organisations/{code}/bedside", tags=["overview"])
def bedside(state: State, viewer: CurrentViewer, code: str, month: str | None = None) -> Response:
    """A ward's bedside audit for ``month`` (``YYYY-MM``; the latest with data when left out):
    ``counts`` (the month's indicators), and every ``triggers``, ``sepsis`` and ``weight`` row
    whose response was late or missed; ``months`` lists the months with data."""
    return json_response(_bedside(state, viewer, code, month))
