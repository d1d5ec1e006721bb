"""The audit trail for a period: who did or tried what, and when. Logins, failed logins and
locks, refusals with the rule they broke, exports with their file's SHA-256, settings
changes, quarantines and backups. It covers the whole clinic, not one registration, and
only the roles that may read the audit trail can export it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ledger import clock
from ledger.access import Actor, authorize
from ledger.clock import end_of_day
from ledger.database import Database
from ledger.errors import InvalidDate
from ledger.models import AuditEvent, Movement
from ledger.models.base import table_of
from ledger.settings import clinic_settings
from reports.model import Column, Fact, Integrity, Kind, Part, Period, Report, Row, Total
from reports.scope import Request, pinned_head, stream

COLUMNS = (
    Column("When", Kind.DATETIME, width=15),
    Column("User", width=12, wrap=True),
    Column("Action", width=14),
    Column("Outcome", width=8),
    Column("Rule", width=18),
    Column("File sha256", width=40),
    Column("Detail", width=40, wrap=True),
)

#: Detail keys shown in their own column, or too long to be worth repeating on every line.
_NOT_IN_DETAIL = {"sha256", "head_hash"}


def detail_text(detail: str) -> str:
    """An event's detail as a person reads it: `key value; key value`."""
    try:
        found = json.loads(detail) if detail else {}
    except ValueError:
        return detail
    if not isinstance(found, dict):
        return detail
    parts = []
    for key, value in found.items():
        if key in _NOT_IN_DETAIL or value in (None, "", {}):
            continue
        shown = json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value
        parts.append(f"{key.replace('_', ' ')} {shown}")
    return "; ".join(parts)


def _sha256(detail: str) -> str | None:
    # Exports recorded before the digest had its own column kept it in the detail.
    try:
        found = json.loads(detail) if detail else {}
    except ValueError:
        return None
    return found.get("sha256") if isinstance(found, dict) else None


def build(db: Database, actor: Actor, request: Request) -> Report:
    a, m = table_of(AuditEvent), table_of(Movement)
    with db.read() as session:
        user = authorize(session, actor, "audit.read")
        if request.date_to < request.date_from:
            raise InvalidDate(
                f"the period ends ({request.date_to}) before it starts ({request.date_from})"
            )
        settings = clinic_settings(session)
        after = end_of_day(settings.timezone, request.date_from - timedelta(days=1))
        until = end_of_day(settings.timezone, request.date_to)
        head_seq, head_hash = pinned_head(session, request.head_seq)
        in_period = sa.and_(a.c.at > after, a.c.at <= until)
        by_outcome = dict(
            session.execute(
                sa.select(a.c.outcome, sa.func.count()).where(in_period).group_by(a.c.outcome)
            ).all()
        )
        first, last = session.execute(
            sa.select(sa.func.min(m.c.id), sa.func.max(m.c.id)).where(
                m.c.event_at > after, m.c.event_at <= until, m.c.id <= head_seq
            )
        ).one()
    tz = ZoneInfo(settings.timezone)

    def convert(row: sa.Row) -> Row:  # type: ignore[type-arg]
        return (
            row.at.astimezone(tz),
            row.username or "",
            row.action,
            row.outcome,
            row.rule or "",
            row.sha256 or _sha256(row.detail),
            detail_text(row.detail),
        )

    events = (
        sa.select(a.c.at, a.c.username, a.c.action, a.c.outcome, a.c.rule, a.c.detail, a.c.sha256)
        .where(in_period)
        .order_by(a.c.at, a.c.id)
    )
    return Report(
        name="audit-trail",
        title="Audit trail",
        header=(
            Fact("Clinic", settings.name),
            Fact("Clinic address", settings.address or "-"),
            Fact("Times shown in", settings.timezone),
        ),
        period=Period(request.date_from, request.date_to),
        filters=(),
        parts=(
            Part(
                title="Audit events",
                columns=COLUMNS,
                rows=stream(db, events, convert),
                totals=tuple(
                    Total(f"Events: {outcome}", int(n), Kind.INTEGER)
                    for outcome, n in sorted(by_outcome.items())
                )
                or (Total("Events", 0, Kind.INTEGER),),
                note="Every login, failed login, lock, refusal (with the rule it broke), "
                "export (with its file's SHA-256), settings change, quarantine and backup in "
                "the period, clinic-wide. An event is written when it happens and never "
                "changed; passwords are never recorded.",
            ),
        ),
        integrity=Integrity(
            generated_at=clock.now().astimezone(tz),
            generated_by=f"{user.full_name} ({user.username})",
            first_seq=first,
            last_seq=last,
            head_seq=head_seq,
            head_hash=head_hash,
        ),
        timezone=settings.timezone,
    )
