"""The store's commands: ``caresignal store sync``, ``user add``, ``user grant`` and
``audit verify`` (docs/cli.md, docs/store.md). Thin: each calls one use case or check."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from caresignal._cli_common import (
    DataDirOption,
    _print_json,
    _require_data,
    _settings,
    _stdout,
    _translate_errors,
)
from caresignal.clock import SystemClock
from caresignal.errors import CaresignalError

if TYPE_CHECKING:  # the database libraries load when a command opens the store, not at start-up
    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["audit_app", "store_app", "user_app"]

store_app = typer.Typer(
    help="The store: organisations, users, roles and the audit log.", no_args_is_help=True
)
user_app = typer.Typer(help="People who use caresignal, and their roles.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)

ByOption = Annotated[
    str | None, typer.Option("--by", help="Who is making the change [default: your user name].")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")]
EXIT_CHAIN_BROKEN = 1


@contextmanager
def _store(data_dir: Path | None) -> Iterator[sessionmaker[Session]]:
    """The store's sessions, its schema migrated; database errors become one line and a hint."""
    from sqlalchemy.exc import DBAPIError

    from caresignal.store import database_url, make_engine, session_factory, upgrade

    engine = make_engine(database_url(_settings(data_dir)))
    try:
        upgrade(engine)
        yield session_factory(engine)
    except DBAPIError as error:
        raise CaresignalError(
            f"the database refused: {str(error.orig).strip().splitlines()[0]}",
            hint="check CARESIGNAL_DATABASE_URL and that the database server is running",
        ) from None
    finally:
        engine.dispose()


@store_app.command("sync")
@_translate_errors
def store_sync(
    data_dir: DataDirOption = None,
    by: ByOption = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, recorded in the audit log.")
    ] = "organisations imported into the data directory",
    as_json: JsonOption = False,
) -> None:
    """Copy the data directory's organisations into the store (run after importing them)."""
    from caresignal.data.dataset import Dataset
    from caresignal.store.service import sync_organisations

    directory = _settings(data_dir).data_dir
    _require_data(directory)
    with _store(data_dir) as sessions:
        result = sync_organisations(
            sessions,
            Dataset(directory),
            actor=by or getpass.getuser(),
            clock=SystemClock(),
            reason=reason,
        )
    if as_json:
        _print_json(
            {"added": result.added, "changed": result.changed, "unchanged": result.unchanged}
        )
        return
    _stdout().print(
        f"Organisations: {len(result.added):,} added, {len(result.changed):,} changed, "
        f"{result.unchanged:,} already up to date."
    )


@user_app.command("add")
@_translate_errors
def user_add(
    name: Annotated[str, typer.Argument(help="The user's name, unique (e.g. a.shah).")],
    email: Annotated[str, typer.Option("--email", help="Their email address.")],
    data_dir: DataDirOption = None,
    by: ByOption = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, recorded in the audit log.")
    ] = "new user",
    as_json: JsonOption = False,
) -> None:
    """Add a user; the change and its audit entry are written together."""
    from caresignal.store.service import add_user

    with _store(data_dir) as sessions:
        user = add_user(
            sessions, name, email, actor=by or getpass.getuser(), clock=SystemClock(), reason=reason
        )
    if as_json:
        _print_json(user.to_dict())
    else:
        _stdout().print(f"Added user {user.name} <{user.email}>.")


@user_app.command("grant")
@_translate_errors
def user_grant(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    role: Annotated[str, typer.Argument(help="The role, e.g. unit_lead or regulator.")],
    organisation: Annotated[
        str,
        typer.Argument(help="The organisation code it applies to; for a regulator, the region."),
    ],
    data_dir: DataDirOption = None,
    by: ByOption = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, recorded in the audit log.")
    ] = "role granted",
    as_json: JsonOption = False,
) -> None:
    """Grant a user a role within an organisation (a regulator: within a region)."""
    from caresignal.store.service import grant_role, parse_role

    chosen = parse_role(role)
    with _store(data_dir) as sessions:
        grant, added = grant_role(
            sessions,
            name,
            chosen,
            organisation,
            actor=by or getpass.getuser(),
            clock=SystemClock(),
            reason=reason,
        )
    if as_json:
        _print_json({"status": "granted" if added else "already_held", "grant": grant.to_dict()})
        return
    held = "now holds" if added else "already held"
    _stdout().print(f"{grant.user_name} {held} the role {grant.role.value} in {grant.scope}.")


@user_app.command("password")
@_translate_errors
def user_password(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    data_dir: DataDirOption = None,
    by: ByOption = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input."),
    ] = False,
) -> None:
    """Set a user's password for the web app (asked for twice, never shown)."""
    import sys

    from caresignal.store.service import set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    with _store(data_dir) as sessions:
        user = set_password(
            sessions,
            name,
            password,
            actor=by or getpass.getuser(),
            clock=SystemClock(),
            reason="password set",
        )
    _stdout().print(f"{user.name} can now sign in to the web app.")


@user_app.command("revoke")
@_translate_errors
def user_revoke(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    role: Annotated[str, typer.Argument(help="The role, e.g. unit_lead or regulator.")],
    organisation: Annotated[
        str,
        typer.Argument(help="The organisation code it applies to; for a regulator, the region."),
    ],
    data_dir: DataDirOption = None,
    by: ByOption = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, recorded in the audit log.")
    ] = "role revoked",
    as_json: JsonOption = False,
) -> None:
    """Take a role away from a user (the audit log keeps the grant as it was)."""
    from caresignal.store.service import parse_role, revoke_role

    with _store(data_dir) as sessions:
        grant = revoke_role(
            sessions,
            name,
            parse_role(role),
            organisation,
            actor=by or getpass.getuser(),
            clock=SystemClock(),
            reason=reason,
        )
    if as_json:
        _print_json({"status": "revoked", "grant": grant.to_dict()})
        return
    _stdout().print(
        f"{grant.user_name} no longer holds the role {grant.role.value} in {grant.scope}."
    )


@user_app.command("list")
@_translate_errors
def user_list(data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """List the users and the roles each holds."""
    from caresignal.store.service import list_users

    with _store(data_dir) as sessions:
        found = list_users(sessions)
    if as_json:
        _print_json(
            [{**user.to_dict(), "roles": [g.to_dict() for g in grants]} for user, grants in found]
        )
        return
    out = _stdout()
    if not found:
        out.print("No users yet: add one with `caresignal user add`.")
    for user, grants in found:
        roles = ", ".join(f"{g.role.value} in {g.scope}" for g in grants) or "no roles"
        out.print(f"{user.name} <{user.email}>: {roles}", soft_wrap=True)


@audit_app.command("verify")
@_translate_errors
def audit_verify(data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Check the whole audit chain; exit 1 naming the first bad entry if it is broken."""
    from caresignal.store import audit

    with _store(data_dir) as sessions, sessions() as session:
        broken = audit.verify(session)
        count, last = audit.head(session)
    if as_json:
        _print_json(
            {
                "intact": broken is None,
                "entries": count,
                "last_hash": last,
                "first_bad": None if broken is None else broken.to_dict(),
            }
        )
    elif broken is None:
        _stdout().print(
            f"The audit log is intact: {count:,} entries, last hash {last}.", soft_wrap=True
        )
    else:
        _stdout().print(
            f"The audit log is broken at entry {broken.seq}: {broken.reason}.", soft_wrap=True
        )
    if broken is not None:
        raise typer.Exit(EXIT_CHAIN_BROKEN)
