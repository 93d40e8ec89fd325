"""Use cases: each writes its change and one audit entry in one transaction, or nothing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from caresignal.clock import FixedClock
from caresignal.data.dataset import Dataset
from caresignal.data.imports import import_files
from caresignal.domain import Role
from caresignal.errors import CaresignalError
from caresignal.store import audit, repo, service
from caresignal.store.tables import AuditRow, GrantRow, OrganisationRow, UserRow

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "organisations.csv"


def _counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in (OrganisationRow, UserRow, GrantRow, AuditRow)
        }


def _dataset(directory: Path, clock: FixedClock, source: Path = EXAMPLE) -> Dataset:
    dataset = Dataset(directory)
    import_files(dataset, "organisations", [source], clock=clock, imported_by="test")
    return dataset


@pytest.fixture
def synced(sessions: sessionmaker[Session], clock: FixedClock, tmp_path: Path) -> Dataset:
    dataset = _dataset(tmp_path / "data", clock)
    service.sync_organisations(sessions, dataset, actor="loader", clock=clock, reason="import")
    return dataset


def test_sync_organisations_copies_the_hierarchy_once(
    sessions: sessionmaker[Session], clock: FixedClock, synced: Dataset
) -> None:
    with sessions() as session:
        trust = repo.find_organisation(session, "RZZ")
        assert trust is not None
        assert (trust.level, trust.region) == ("trust", "South East")
        assert repo.regions(session) == ["South East"]
        logged = audit.entries(session)
    assert len(logged) == 9
    assert {entry.action for entry in logged} == {"organisation.add"}
    again = service.sync_organisations(
        sessions, synced, actor="loader", clock=clock, reason="again"
    )
    assert (again.added, again.changed, again.unchanged) == ((), (), 9)
    assert _counts(sessions)["audit_entries"] == 9


def test_sync_records_a_changed_organisation_before_and_after(
    sessions: sessionmaker[Session], clock: FixedClock, synced: Dataset, tmp_path: Path
) -> None:
    renamed = tmp_path / "renamed.csv"
    frame = pl.read_csv(EXAMPLE, infer_schema=False).filter(pl.col("code") == "RZZ02")
    frame.with_columns(pl.lit("Southmoor Community Hospital").alias("name")).write_csv(renamed)
    import_files(synced, "organisations", [renamed], clock=clock, imported_by="t", correction=True)
    result = service.sync_organisations(sessions, synced, actor="loader", clock=clock, reason="r")
    assert result.changed == ("RZZ02",)
    with sessions() as session:
        last = audit.entries(session)[-1]
    assert last.action == "organisation.change"
    assert last.before is not None
    assert last.after is not None
    assert (last.before["name"], last.after["name"]) == (
        "Southmoor Hospital",
        "Southmoor Community Hospital",
    )


def test_add_user_writes_the_user_and_one_entry(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    user = service.add_user(
        sessions, "a.shah", "a.shah@nhs.net", actor="admin", clock=clock, reason="new analyst"
    )
    with sessions() as session:
        assert repo.find_user(session, "a.shah") == user
        (entry,) = audit.entries(session)
    assert (entry.actor, entry.action, entry.entity_id, entry.reason) == (
        "admin",
        "user.add",
        "a.shah",
        "new analyst",
    )
    assert entry.at == clock.now()
    assert entry.before is None
    assert entry.after == {"id": user.id, "name": "a.shah", "email": "a.shah@nhs.net"}


def test_a_failure_midway_leaves_nothing(
    sessions: sessionmaker[Session], clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(audit, "append", broken)
    with pytest.raises(RuntimeError, match="disk is full"):
        service.add_user(sessions, "a.shah", "a.shah@nhs.net", actor="a", clock=clock, reason="r")
    assert _counts(sessions) == dict.fromkeys(_counts(sessions), 0)


def test_grants_are_scoped_and_audited(
    sessions: sessionmaker[Session], clock: FixedClock, synced: Dataset
) -> None:
    service.add_user(sessions, "lead", "lead@nhs.net", actor="a", clock=clock, reason="r")
    grant, added = service.grant_role(
        sessions,
        "lead",
        service.parse_role("Unit-Lead"),
        "RZZ01-MAT",
        actor="a",
        clock=clock,
        reason="new lead",
    )
    assert added
    assert (grant.role, grant.organisation_code, grant.region) == (
        Role.UNIT_LEAD,
        "RZZ01-MAT",
        None,
    )
    regulator, _ = service.grant_role(
        sessions, "lead", Role.REGULATOR, "South East", actor="a", clock=clock, reason="r"
    )
    assert (regulator.organisation_code, regulator.region) == (None, "South East")
    before = _counts(sessions)
    same, added = service.grant_role(
        sessions, "lead", Role.UNIT_LEAD, "RZZ01-MAT", actor="a", clock=clock, reason="r"
    )
    assert (same, added) == (grant, False)
    assert _counts(sessions) == before
    with sessions() as session:
        user = repo.find_user(session, "lead")
        assert user is not None
        assert repo.grants_of(session, user) == [grant, regulator]
        assert [entry.action for entry in audit.entries(session)][-2:] == ["role.grant"] * 2


@pytest.mark.parametrize(
    ("user", "role", "scope", "message"),
    [
        ("nobody", "unit_lead", "RZZ", "no user called 'nobody'"),
        ("lead", "chief", "RZZ", "no role called 'chief'"),
        ("lead", "board_member", "XYZ", "no organisation with code 'XYZ'"),
        ("lead", "regulator", "RZZ", "no region called 'RZZ'"),
        ("lead", "board_member", "RZZ01", "board_member is a role held in a trust, and RZZ01 is a"),
        ("lead", "unit_lead", "RZZ", "unit_lead is a role held in a site or a unit, and RZZ is"),
    ],
)
def test_unknown_names_are_refused_and_nothing_is_written(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    synced: Dataset,
    user: str,
    role: str,
    scope: str,
    message: str,
) -> None:
    service.add_user(sessions, "lead", "lead@nhs.net", actor="a", clock=clock, reason="r")
    before = _counts(sessions)
    with pytest.raises(CaresignalError, match=message) as error:
        service.grant_role(
            sessions, user, service.parse_role(role), scope, actor="a", clock=clock, reason="r"
        )
    assert error.value.hint
    assert _counts(sessions) == before


def test_a_user_name_is_used_once(sessions: sessionmaker[Session], clock: FixedClock) -> None:
    service.add_user(sessions, "lead", "lead@nhs.net", actor="a", clock=clock, reason="r")
    with pytest.raises(CaresignalError, match="already a user called 'lead'"):
        service.add_user(sessions, "lead", "other@nhs.net", actor="a", clock=clock, reason="r")
    with pytest.raises(CaresignalError, match="not an email address"):
        service.add_user(sessions, "x", "nope", actor="a", clock=clock, reason="r")
    assert _counts(sessions)["users"] == 1


def test_a_revoked_role_is_gone_and_the_audit_log_keeps_it(
    sessions: sessionmaker[Session], clock: FixedClock, synced: Dataset
) -> None:
    service.add_user(sessions, "lead", "lead@nhs.net", actor="a", clock=clock, reason="r")
    grant, _ = service.grant_role(
        sessions, "lead", Role.UNIT_LEAD, "RZZ01-MAT", actor="a", clock=clock, reason="r"
    )
    before = _counts(sessions)
    with pytest.raises(CaresignalError, match="does not hold the role unit_lead in RZZ01"):
        service.revoke_role(
            sessions, "lead", Role.UNIT_LEAD, "RZZ01", actor="a", clock=clock, reason="r"
        )
    assert _counts(sessions) == before
    revoked = service.revoke_role(
        sessions, "lead", Role.UNIT_LEAD, "RZZ01-MAT", actor="a", clock=clock, reason="moved on"
    )
    assert revoked == grant
    [(user, grants)] = service.list_users(sessions)
    assert (user.name, grants) == ("lead", [])
    with sessions() as session:
        last = audit.entries(session)[-1]
        assert (last.action, last.before, last.after, last.reason) == (
            "role.revoke",
            grant.to_dict(),
            None,
            "moved on",
        )
        assert audit.verify(session) is None


def test_a_password_is_kept_as_an_argon2_hash_and_checked(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    service.add_user(sessions, "lead", "lead@nhs.net", actor="a", clock=clock, reason="r")
    assert service.sign_in(sessions, "lead", "anything at all") is None  # no password yet
    with pytest.raises(CaresignalError, match="at least 12 characters"):
        service.set_password(sessions, "lead", "short", actor="a", clock=clock, reason="r")
    service.set_password(sessions, "lead", "a long pass phrase", actor="a", clock=clock, reason="r")
    with sessions() as session:
        stored = repo.password_hash(session, "lead")
        entry = audit.entries(session)[-1]
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert "a long pass phrase" not in stored
    assert (entry.action, entry.before, entry.after) == (
        "user.password",
        {"password": "none"},
        {"password": "set"},
    )
    user = service.sign_in(sessions, "lead", "a long pass phrase")
    assert user is not None
    assert user.name == "lead"
    assert service.sign_in(sessions, "lead", "a long pass phrasE") is None
    assert service.sign_in(sessions, "nobody", "a long pass phrase") is None
