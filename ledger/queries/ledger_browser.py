"""One page of the ledger browser: movements newest first, narrowed by kind, product, vial,
patient, user and the clinic's dates, paged by keyset on the movement's sequence number.

A page is `limit` rows below `before_id` (the oldest id on the page before), so paging costs
the same on the first day and on a ledger of millions of movements: the database walks the
primary key backwards (or the vial's, the patient's or the time index) and stops at `limit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from ledger.access import Actor
from ledger.clock import end_of_day
from ledger.database import Database
from ledger.errors import UnknownRecord
from ledger.models import Movement, MovementKind, Patient, Product, User, Vial
from ledger.models.base import table_of
from ledger.queries.history import LogLine, check_period, log_line, log_select
from ledger.queries.vials import vial_id_for
from ledger.unit_of_work import look


@dataclass(frozen=True)
class MovementFilter:
    """What the person browsing narrowed the ledger to; empty means everything."""

    kind: str = ""
    #: An NDC, or part of the product's name.
    product: str = ""
    vial: str = ""
    #: The patient's MRN.
    patient: str = ""
    #: Who recorded the movement, or who witnessed it.
    user: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class BrowsedLine:
    line: LogLine
    #: The id of the reversal that answers this movement, if one does.
    reversed_by: int | None


def movement_page(
    db: Database,
    actor: Actor,
    narrowed: MovementFilter,
    *,
    before_id: int | None = None,
    limit: int = 50,
) -> list[BrowsedLine]:
    """Up to `limit` movements older than `before_id` (None: from the newest), newest first.

    A filter naming something that does not exist (a vial, a patient, a user, a kind) is
    refused with UnknownRecord, so a typing mistake is said, not shown as an empty ledger.
    """
    check_period(narrowed.date_from, narrowed.date_to)
    m = table_of(Movement)
    v = table_of(Vial)
    p = table_of(Product)
    pt = table_of(Patient)
    u = table_of(User)
    answer = table_of(Movement).alias("answer")
    reversed_by = (
        sa.select(sa.func.min(answer.c.id))
        .where(answer.c.original_id == m.c.id, answer.c.kind == MovementKind.REVERSAL.value)
        .scalar_subquery()
    )
    stmt = log_select(reversed_by.label("reversed_by")).order_by(m.c.id.desc())
    # The page's ids are chosen first, from the movement table alone (a walk down its primary
    # key, or one of its indexes), and only those rows are joined and given their running
    # balance: the cost follows the page, never the number of movements the filter matches.
    picked = sa.select(m.c.id).order_by(m.c.id.desc()).limit(limit)
    if before_id is not None:
        picked = picked.where(m.c.id < before_id)
    with look(db, actor) as tx:
        session, zone = tx.session, tx.settings.timezone
        f = narrowed
        if f.kind:
            kinds = {k.value for k in MovementKind}
            if f.kind.strip().lower() not in kinds:
                known = ", ".join(sorted(kinds))
                raise UnknownRecord(
                    f"no movement kind {f.kind!r}; the kinds are: {known}", subject=f.kind
                )
            picked = picked.where(m.c.kind == f.kind.strip().lower())
        if f.product:
            wanted = f.product.strip()
            ids = session.execute(
                sa.select(p.c.id).where(
                    sa.or_(p.c.ndc == wanted, p.c.name.ilike(f"%{_like(wanted)}%", escape="\\"))
                )
            ).scalars()
            found = list(ids)
            if not found:
                raise UnknownRecord(f"no product {wanted!r} (an NDC or a name)", subject=wanted)
            picked = picked.where(
                m.c.vial_id.in_(sa.select(v.c.id).where(v.c.product_id.in_(found)))
            )
        if f.vial:
            picked = picked.where(m.c.vial_id == vial_id_for(session, f.vial))
        if f.patient:
            pid = session.execute(sa.select(pt.c.id).where(pt.c.mrn == f.patient.strip())).scalar()
            if pid is None:
                raise UnknownRecord(f"no patient with MRN {f.patient!r}", subject=f.patient)
            picked = picked.where(m.c.patient_id == pid)
        if f.user:
            uid = session.execute(
                sa.select(u.c.id).where(u.c.username == f.user.strip().lower())
            ).scalar()
            if uid is None:
                raise UnknownRecord(f"no user {f.user!r}", subject=f.user)
            picked = picked.where(sa.or_(m.c.actor_id == uid, m.c.witness_id == uid))
        if f.date_from:
            picked = picked.where(m.c.event_at > end_of_day(zone, f.date_from - timedelta(days=1)))
        if f.date_to:
            picked = picked.where(m.c.event_at <= end_of_day(zone, f.date_to))
        stmt = stmt.where(m.c.id.in_(picked.scalar_subquery()))
        return [BrowsedLine(log_line(row), row.reversed_by) for row in session.execute(stmt)]


def _like(text: str) -> str:
    """`text` matched literally inside LIKE (a product called "50%" is not a wildcard)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
