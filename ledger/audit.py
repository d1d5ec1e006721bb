"""The audit-event trail: logins, locks, refusals and exports, each in its own transaction."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ledger import clock
from ledger.database import Database
from ledger.models import AuditEvent
from ledger.models.base import table_of


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
    with db.write() as session:
        add(
            session,
            action=action,
            outcome=outcome,
            username=username,
            rule=rule,
            detail=detail,
            sha256=sha256,
        )


def add(
    session: Session,
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
    `verify-export` matches it exactly.
    """
    session.add(
        AuditEvent(
            **_values(
                action=action,
                outcome=outcome,
                username=username,
                rule=rule,
                detail=detail,
                sha256=sha256,
            )
        )
    )


def insert(
    session: Session,
    *,
    action: str,
    outcome: str,
    username: str | None,
    rule: str | None = None,
    detail: dict[str, Any] | str = "",
) -> None:
    """`add`, written at once with a Core insert: for the chair-side hot path (a witness's
    sign-in at each infusion), where the ORM's per-object bookkeeping costs more than the row.
    Same transaction, same row."""
    values = _values(
        action=action, outcome=outcome, username=username, rule=rule, detail=detail, sha256=None
    )
    session.execute(sa.insert(table_of(AuditEvent)).values(values))


def _values(
    *,
    action: str,
    outcome: str,
    username: str | None,
    rule: str | None,
    detail: dict[str, Any] | str,
    sha256: str | None,
) -> dict[str, Any]:
    text = detail if isinstance(detail, str) else json.dumps(detail, sort_keys=True, default=str)
    # What a person typed is kept as typed, except a NUL byte, which PostgreSQL cannot store:
    # a refusal must always reach the trail.
    text = text.replace("\x00", "\ufffd")
    if username:
        username = username.replace("\x00", "\ufffd")
    return dict(
        at=clock.now(),
        username=username[:64] if username else username,
        action=action,
        outcome=outcome,
        rule=rule,
        detail=text[:2000],
        sha256=sha256,
    )
