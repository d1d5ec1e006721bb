"""The audit-event trail: logins, locks, refusals and exports, each in its own transaction."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ledger import clock
from ledger.database import Database
from ledger.plain_tables import audit_event

if TYPE_CHECKING:
    from sqlmodel import Session


def record(
    db: Database,
    *,
    action: str,
    outcome: str,
    username: str | None,
    rule: str | None = None,
    detail: dict[str, Any] | str = "",
    sha256: str | None = None,
) -> None:
    """Write one audit event, committed on its own.

    A refusal rolls the action's transaction back; its audit event must survive
    that, so it is written afterwards in a separate transaction.
    """
    with db.writing() as conn:
        add(
            conn,
            action=action,
            outcome=outcome,
            username=username,
            rule=rule,
            detail=detail,
            sha256=sha256,
        )


def add(
    session: Session | sa.Connection,
    *,
    action: str,
    outcome: str,
    username: str | None,
    rule: str | None = None,
    detail: dict[str, Any] | str = "",
    sha256: str | None = None,
) -> None:
    """Add one audit event to the caller's transaction (it commits or rolls back with it).

    `sha256` is the digest of a file the action wrote, kept in its own column so that
    `verify-export` matches it exactly. `session` is an ORM session or a Core connection:
    the row is one Core INSERT either way, so signing in needs no ORM.
    """
    text = detail if isinstance(detail, str) else json.dumps(detail, sort_keys=True, default=str)
    # What a person typed is kept as typed, except a NUL byte, which PostgreSQL cannot store:
    # a refusal must always reach the trail.
    text = text.replace("\x00", "\ufffd")
    if username:
        username = username.replace("\x00", "\ufffd")
    session.execute(
        sa.insert(audit_event).values(
            at=clock.now(),
            username=username[:64] if username else username,
            action=action,
            outcome=outcome,
            rule=rule,
            detail=text[:2000],
            sha256=sha256,
        )
    )
