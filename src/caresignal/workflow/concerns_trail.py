"""The audit trail of one concern, for the people who may read the concern itself
(docs/concerns.md, docs/web.md): every entry about it, oldest first, with the fields each
changed. The entries hold what was done, never the person's words or details.

A concern's trail follows the concern's own rule rather than the audit log's: roles with concern
access (:data:`~caresignal.workflow.concern_rules.CONCERN_ROLES`) in its organisation or above
read it, and to anyone else it does not exist, as the concern does not.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from caresignal.store import audit, repo
from caresignal.store import concerns as concern_repo
from caresignal.store.service import UnknownError
from caresignal.workflow import access
from caresignal.workflow.concern_rules import CONCERN_ROLES
from caresignal.workflow.tracker import TrailEntry, changes

__all__ = ["concern_trail"]


def concern_trail(
    sessions: sessionmaker[Session], user_name: str, concern_id: str
) -> list[TrailEntry]:
    """Every audit entry about the concern ``concern_id``, oldest first, if ``user_name`` holds
    a role with concern access where it is; "not found" otherwise."""
    missing = UnknownError(f"there is no audit trail for concern {concern_id}")
    with sessions() as session:
        user = repo.find_user(session, user_name)
        found = (
            concern_repo.find_concern(session, int(concern_id)) if concern_id.isdigit() else None
        )
        if user is None or found is None:
            raise missing
        if not access.holds(session, user, CONCERN_ROLES, found.organisation):
            raise missing
        entries = [e for e in audit.entries(session, entity="concern") if e.entity_id == concern_id]
    if not entries:
        raise missing
    return [TrailEntry(e, changes(e.before, e.after)) for e in entries]
