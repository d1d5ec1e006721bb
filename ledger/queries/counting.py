"""What the counter sees: the open counts, the vials to count and their own readings so far.

Blind by construction: nothing here selects a balance or a counted µg figure for output. The
balance is only used to choose which vials are on the shelf to count (the same choice
`submit_count` makes), never returned. The approvals of a submitted count are read here too,
so the variance review can say which sign-offs are done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session

from ledger.access import Actor
from ledger.database import Database
from ledger.errors import UnknownRecord
from ledger.models import (
    Count,
    CountApproval,
    CountLine,
    CountResult,
    Product,
    User,
    Vial,
    VialBalance,
    VialState,
)
from ledger.models.base import table_of
from ledger.unit_of_work import look

#: States of a vial still on the shelf (as ledger/services/counts.py ON_SHELF).
_ON_SHELF = (VialState.SEALED, VialState.OPEN, VialState.EMPTY, VialState.QUARANTINED)


@dataclass(frozen=True)
class CountHead:
    id: int
    kind: str
    at: str | None
    started_at: datetime
    started_by: str
    witness: str | None
    submitted_at: datetime | None


@dataclass(frozen=True)
class VialToCount:
    label: str
    product: str
    lot: str
    expires: date
    sealed: bool
    state: str


@dataclass(frozen=True)
class CountSheet:
    head: CountHead
    vials: list[VialToCount]
    #: The counter's own latest reading of each vial: "present", "missing" or "3.2 mL".
    readings: dict[str, str]


def _head(session: Session, count: Count) -> CountHead:
    def name(user_id: int | None) -> str | None:
        if user_id is None:
            return None
        user = session.get(User, user_id)
        return user.username if user is not None else None

    assert count.id is not None
    return CountHead(
        id=count.id,
        kind=count.kind,
        at=count.at,
        started_at=count.started_at,
        started_by=name(count.started_by_id) or "",
        witness=name(count.witness_id),
        submitted_at=count.submitted_at,
    )


def recent_counts(db: Database, actor: Actor, limit: int = 20) -> list[CountHead]:
    """The newest counts first: open ones to carry on, submitted ones to review."""
    with look(db, actor) as tx:
        session = tx.session
        c = table_of(Count)
        ids = session.execute(sa.select(c.c.id).order_by(c.c.id.desc()).limit(limit)).scalars()
        return [_head(session, session.get(Count, i)) for i in ids]  # type: ignore[arg-type]


def count_head(db: Database, actor: Actor, count_id: int) -> CountHead:
    """One count's heading: kind, place, who started it and who witnessed it."""
    with look(db, actor) as tx:
        session = tx.session
        count = session.get(Count, count_id)
        if count is None:
            raise UnknownRecord(f"no count {count_id}", subject=str(count_id))
        return _head(session, count)


def count_sheet(db: Database, actor: Actor, count_id: int) -> CountSheet:
    """The vials to count for `count_id` (label, product, lot, expiry, sealed or open) and
    what was recorded for them so far. No book amount."""
    with look(db, actor, "count") as tx:
        session = tx.session
        count = session.get(Count, count_id)
        if count is None:
            raise UnknownRecord(f"no count {count_id}", subject=str(count_id))
        v, p, b, line = (
            table_of(Vial),
            table_of(Product),
            table_of(VialBalance),
            table_of(CountLine),
        )
        counted = sa.select(line.c.vial_id).where(line.c.count_id == count_id)
        rows = session.execute(
            sa.select(v.c.label, p.c.name, v.c.lot, v.c.expires, v.c.opened_at, v.c.state)
            .join(p, p.c.id == v.c.product_id)
            .join(b, b.c.vial_id == v.c.id, isouter=True)
            .where(v.c.registration_id == count.registration_id)
            .where(
                sa.or_(
                    sa.and_(b.c.balance_ug > 0, v.c.state.in_([str(s) for s in _ON_SHELF])),
                    v.c.id.in_(counted),
                )
            )
            .order_by(v.c.label)
        ).all()
        vials = [
            VialToCount(r.label, r.name, r.lot, r.expires, r.opened_at is None, r.state)
            for r in rows
        ]
        latest = session.execute(
            sa.select(v.c.label, line.c.reading, line.c.counted_ul)
            .join(v, v.c.id == line.c.vial_id)
            .where(line.c.count_id == count_id)
            .order_by(line.c.id)
        ).all()
        readings = {
            r.label: r.reading if r.counted_ul is None else f"{Decimal(r.counted_ul) / 1000} mL"
            for r in latest  # the latest line of each vial wins, as at submission
        }
        return CountSheet(_head(session, count), vials, readings)


def count_approvals(db: Database, actor: Actor, count_id: int) -> dict[str, int]:
    """The vials of a submitted count a registrant signed off, with the adjustment written."""
    with look(db, actor) as tx:
        session = tx.session
        v, r, a = table_of(Vial), table_of(CountResult), table_of(CountApproval)
        rows = session.execute(
            sa.select(v.c.label, a.c.movement_id)
            .join(r, r.c.id == a.c.result_id)
            .join(v, v.c.id == r.c.vial_id)
            .where(r.c.count_id == count_id)
        ).all()
        return {row.label: int(row.movement_id) for row in rows}
