"""Administration: the people who hold roles in the organisations an administrator administers,
adding them and granting and revoking their roles; the organisation tree; and the indicator
catalogue with its fitted risk models; each page beside its JSON twin under ``/api/v1``
(docs/web.md, "Administration").

Only administrators use these pages (anyone else: 403). A person, or a role, outside the
organisations the administrator administers is "not found". Every change is made by the
store's use case, which writes it with its audit entry naming the administrator and their
reason. Passwords are never set or shown here: people set their own at the command line.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from starlette.responses import Response

from caresignal.domain import Role
from caresignal.store.service import UnknownError
from caresignal.web.deps import CurrentViewer, State
from caresignal.web.pages import back_to, render
from caresignal.web.security import check_csrf
from caresignal.workflow import admin, catalogue_view

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(check_csrf)])


def _choices(within: admin.Administered) -> dict[str, Any]:
    """What the forms offer: the roles an administrator grants and where."""
    return {
        "roles": [role.value for role in admin.GRANTABLE],
        "organisations": [
            {"code": o.code, "name": o.name, "level": o.level} for o in within.organisations
        ],
    }


def _overview(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    return admin.administered(state.sessions, viewer.name).to_dict()


def _users(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    within, found = admin.people(state.sessions, viewer.name)
    return {
        **within.to_dict(),
        "users": [p.to_dict() for p in found],
        **_choices(within),
    }


def _user(state: State, viewer: CurrentViewer, name: str) -> dict[str, Any]:
    within = admin.administered(state.sessions, viewer.name)
    found = admin.person(state.sessions, viewer.name, name)
    return {
        "user": found.to_dict(),
        "trail": f"/audit/user/{quote(found.user.name)}",
        **_choices(within),
    }


def _organisations(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    return {"organisations": admin.organisation_tree(state.sessions, viewer.name)}


def _catalogue(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    admin.administered(state.sessions, viewer.name)  # administrators only
    directory = state.settings.data_dir
    catalogue = catalogue_view.catalogue_of(directory)
    return {
        "data_dir": str(directory),
        "files": list(catalogue.files),
        "indicators": [
            {**catalogue_view.entry(i), "fitted": catalogue_view.fitted(directory, i)}
            for i in catalogue
        ],
    }


def _indicator(state: State, viewer: CurrentViewer, indicator: str) -> dict[str, Any]:
    admin.administered(state.sessions, viewer.name)
    catalogue = catalogue_view.catalogue_of(state.settings.data_dir)
    if indicator not in catalogue:
        raise UnknownError(f"there is no indicator {indicator!r} in the catalogue")
    found = catalogue.get(indicator)
    fit = catalogue_view.fitted(state.settings.data_dir, found)
    return {**catalogue_view.entry(found), "fitted": fit}


def _source(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    admin.administered(state.sessions, viewer.name)
    catalogue = catalogue_view.catalogue_of(state.settings.data_dir)
    return {"files": catalogue_view.sources(catalogue)}


def _page(request: Request, template: str, data: dict[str, Any]) -> Response:
    return render(request, template, {"d": data, "notice": request.session.pop("notice", None)})


@router.get("/admin", include_in_schema=False)
def overview_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """What the administrator administers, and the administration pages."""
    return _page(request, "admin.html", _overview(state, viewer))


@router.get("/api/v1/admin", tags=["administration"])
def overview(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """The ``administrator`` and the organisations they ``administer`` (code, name, level)."""
    return _overview(state, viewer)


@router.get("/admin/users", include_in_schema=False)
def users_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """The people holding roles where the administrator administers, and the form to add one."""
    return _page(request, "admin_users.html", _users(state, viewer))


@router.get("/api/v1/admin/users", tags=["administration"])
def users(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """Every person holding a role where the administrator administers (``name``, ``email``
    and those ``roles``), with the ``roles`` and ``organisations`` a grant may name."""
    return _users(state, viewer)


@router.get("/admin/users/{name}", include_in_schema=False)
def user_page(request: Request, state: State, viewer: CurrentViewer, name: str) -> Response:
    """One person: their roles here, and the forms to grant and revoke."""
    return _page(request, "admin_user.html", _user(state, viewer, name))


@router.get("/api/v1/admin/users/{name}", tags=["administration"])
def user(state: State, viewer: CurrentViewer, name: str) -> dict[str, Any]:
    """One person the administrator administers, with the link to their audit trail."""
    return _user(state, viewer, name)


@router.get("/admin/organisations", include_in_schema=False)
def organisations_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """The organisations the administrator administers, as imported."""
    return _page(request, "admin_organisations.html", _organisations(state, viewer))


@router.get("/api/v1/admin/organisations", tags=["administration"])
def organisations(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """The organisation trees the administrator administers: each organisation's fields with
    its ``children``."""
    return _organisations(state, viewer)


@router.get("/admin/catalogue", include_in_schema=False)
def catalogue_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """Every indicator of the catalogue, with its fitted risk model if one is recorded."""
    return _page(request, "admin_catalogue.html", _catalogue(state, viewer))


@router.get("/api/v1/admin/catalogue", tags=["administration"])
def catalogue(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """Every indicator's catalogue entry with its recorded fit (``fitted``: null when none)."""
    return _catalogue(state, viewer)


@router.get("/admin/catalogue/source", include_in_schema=False)
def source_page(request: Request, state: State, viewer: CurrentViewer) -> Response:
    """The catalogue files as written."""
    return _page(request, "admin_catalogue_source.html", _source(state, viewer))


@router.get("/api/v1/admin/catalogue/source", tags=["administration"])
def source(state: State, viewer: CurrentViewer) -> dict[str, Any]:
    """The catalogue files, each ``name`` with its ``text``."""
    return _source(state, viewer)


@router.get("/admin/catalogue/{indicator}", include_in_schema=False)
def indicator_page(
    request: Request, state: State, viewer: CurrentViewer, indicator: str
) -> Response:
    """One indicator: its entry and its fitted risk model, term by term."""
    return _page(request, "admin_indicator.html", _indicator(state, viewer, indicator))


@router.get("/api/v1/admin/catalogue/{indicator}", tags=["administration"])
def indicator_entry(state: State, viewer: CurrentViewer, indicator: str) -> dict[str, Any]:
    """One indicator's entry with its recorded fit."""
    return _indicator(state, viewer, indicator)


class NewPerson(BaseModel):
    """A person to add, with their first role and why."""

    name: str
    email: str
    role: Role
    organisation: str
    reason: str


class RoleChange(BaseModel):
    """A role in an organisation to grant or revoke, and why."""

    role: Role
    organisation: str
    reason: str


@router.post("/api/v1/admin/users", tags=["administration"])
def add_user(state: State, viewer: CurrentViewer, new: NewPerson) -> dict[str, Any]:
    """Add a person with their first role (each change with its audit entry)."""
    made = admin.add_person(
        state.sessions, viewer.name, new.name, new.email, new.role, new.organisation,
        reason=new.reason, clock=state.clock,
    )  # fmt: skip
    return made.to_dict()


@router.post("/api/v1/admin/users/{name}/roles", tags=["administration"])
def grant(state: State, viewer: CurrentViewer, name: str, change: RoleChange) -> dict[str, Any]:
    """Grant a role; ``new`` is false when they held it already (nothing changes)."""
    _, new = admin.grant(
        state.sessions, viewer.name, name, change.role, change.organisation,
        reason=change.reason, clock=state.clock,
    )  # fmt: skip
    return {"new": new, "user": admin.person(state.sessions, viewer.name, name).to_dict()}


@router.post("/api/v1/admin/users/{name}/revoke", tags=["administration"])
def revoke(state: State, viewer: CurrentViewer, name: str, change: RoleChange) -> dict[str, Any]:
    """Take a role away; the ``revoked`` grant as it was."""
    gone = admin.revoke(
        state.sessions, viewer.name, name, change.role, change.organisation,
        reason=change.reason, clock=state.clock,
    )  # fmt: skip
    return {"revoked": gone.to_dict()}


@router.post("/admin/users", include_in_schema=False)
def add_user_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    name: Annotated[str, Form()],
    email: Annotated[str, Form()],
    role: Annotated[Role, Form()],
    organisation: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """The form twin of adding a person: on to their page."""
    given = NewPerson(name=name, email=email, role=role, organisation=organisation, reason=reason)
    made = add_user(state, viewer, given)
    notice = f"{made['name']} is added as {role.value} in {organisation}."
    return back_to(request, f"/admin/users/{quote(made['name'])}", notice)


@router.post("/admin/users/{name}/roles", include_in_schema=False)
def grant_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    name: str,
    role: Annotated[Role, Form()],
    organisation: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """The form twin of granting a role."""
    change = RoleChange(role=role, organisation=organisation, reason=reason)
    done = grant(state, viewer, name, change)
    held = "now holds" if done["new"] else "already held"
    notice = f"{name} {held} the role {role.value} in {organisation}."
    return back_to(request, f"/admin/users/{quote(name)}", notice)


@router.post("/admin/users/{name}/revoke", include_in_schema=False)
def revoke_form(
    request: Request,
    state: State,
    viewer: CurrentViewer,
    name: str,
    role: Annotated[Role, Form()],
    organisation: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """The form twin of revoking a role: back to the list of people."""
    revoke(state, viewer, name, RoleChange(role=role, organisation=organisation, reason=reason))
    notice = f"{name} no longer holds the role {role.value} in {organisation}."
    return back_to(request, "/admin/users", notice)
