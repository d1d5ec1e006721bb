"""What the count reports share: one count read from the ledger with the latest line of each
vial, its results, and the people who counted, witnessed and signed it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.access import Actor, authorize
from ledger.clock import end_of_day, local_date
from ledger.errors import UnknownRecord
from ledger.models import (
    Count,
    CountLine,
    CountResult,
    Movement,
    Product,
    Registration,
    User,
    Vial,
    VialState,
)
from ledger.models.base import table_of
from ledger.settings import clinic_settings
from reports.model import Fact
from reports.scope import Request, Scope, open_scope


@dataclass(frozen=True)
class CountedVial:
    """One vial as the count found it (the latest line), and as submission judged it."""

    label: str
    product: Product
    lot: str
    expires: date
    state: str
    bud: datetime | None
    #: "present", "missing", "ml", or None when the count left the vial out.
    reading: str | None
    counted_ul: int | None
    counted_ug: int | None
    book_ug: int | None
    variance_ug: int | None
    outcome: str | None
    result_id: int | None


@dataclass(frozen=True)
class CountRecord:
    count: Count
    day: date
    scope: Scope
    vials: list[CountedVial]
    counted_by: str
    witness: str
    signed_by: str
    #: The last movement entered before the count was submitted (None: none, or open).
    last_seq: int | None

    def facts(self) -> tuple[Fact, ...]:
        c = self.count
        when = c.at or "close"
        out = [
            Fact("Count", f"{c.id} ({c.kind})"),
            Fact("Taken at", f"{when} of business on {self.day.isoformat()}"),
            Fact("Counted by", self.counted_by),
            Fact("Witnessed by", self.witness or "-"),
        ]
        if c.submitted_at is None:
            out.append(Fact("Submitted", "not yet submitted"))
        return tuple(out)


def _name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    user = session.get(User, user_id)
    return f"{user.full_name} ({user.username})" if user else str(user_id)


def latest_submitted(session: Session, request: Request) -> Count | None:
    """Without --count: the last count submitted (by the end of --to, when one is given)."""
    stmt = select(Count).where(col(Count.submitted_at).is_not(None))
    if request.date_to != date.min:
        tz = clinic_settings(session).timezone
        stmt = stmt.where(col(Count.started_at) <= end_of_day(tz, request.date_to))
    return session.exec(stmt.order_by(col(Count.started_at).desc(), col(Count.id).desc())).first()


def load_count(
    session: Session, actor: Actor, request: Request, *, submitted: bool = True
) -> CountRecord:
    """The count `request.count`, authorized for export, its period its own day."""
    authorize(session, actor, "export")
    count = (
        session.get(Count, request.count)
        if request.count is not None
        else latest_submitted(session, request)
    )
    if count is None:
        raise UnknownRecord(
            f"no count {request.count}" if request.count else "no count was submitted yet",
            subject=str(request.count),
        )
    reg = session.get(Registration, count.registration_id)
    assert reg is not None
    settings = clinic_settings(session)
    day = local_date(settings.timezone, count.started_at)
    pinned = replace(
        request, date_from=day, date_to=day, registration=reg.dea_number,
        taken=count.at or "close",
    )  # fmt: skip
    scope = open_scope(session, actor, pinned)
    lines = session.exec(
        select(CountLine).where(CountLine.count_id == count.id).order_by(col(CountLine.id))
    ).all()
    latest = {line.vial_id: line for line in lines}
    judged = select(CountResult).where(CountResult.count_id == count.id)
    results = {r.vial_id: r for r in session.exec(judged.order_by(col(CountResult.id))).all()}
    vial_ids = sorted(set(latest) | set(results))
    vials = []
    for vial_id in vial_ids:
        v = session.get(Vial, vial_id)
        assert v is not None
        p = session.get(Product, v.product_id)
        assert p is not None
        line, result = latest.get(vial_id), results.get(vial_id)
        vials.append(
            CountedVial(
                label=v.label, product=p, lot=v.lot, expires=v.expires, state=v.state,
                bud=v.bud, reading=line.reading if line else None,
                counted_ul=line.counted_ul if line else None,
                counted_ug=line.counted_ug if line else None,
                book_ug=result.book_ug if result else None,
                variance_ug=result.variance_ug if result else None,
                outcome=result.outcome if result else None,
                result_id=result.id if result else None,
            )
        )  # fmt: skip
    vials.sort(key=lambda x: (x.product.name, x.label))
    counters = [_name(session, count.started_by_id)] + [
        _name(session, uid) for uid in dict.fromkeys(line.recorded_by_id for line in lines)
    ]
    last = None
    if count.submitted_at is not None:
        m = table_of(Movement)
        last = session.execute(
            sa.select(sa.func.max(m.c.id)).where(
                m.c.entered_at <= count.submitted_at, m.c.id <= scope.head_seq
            )
        ).scalar()
    return CountRecord(
        count=count,
        day=day,
        scope=scope,
        vials=vials,
        counted_by=", ".join(dict.fromkeys(counters)),
        witness=_name(session, count.witness_id),
        signed_by=_name(session, count.signed_by_id),
        last_seq=last,
    )


def awaiting_disposal(v: CountedVial, record: CountRecord) -> str:
    """Why a vial is stock awaiting disposal on the count's day, or "" when it is not."""
    if v.expires < record.day:
        return "expired"
    if v.state == VialState.QUARANTINED:
        return "quarantined"
    if v.bud is not None and v.bud < record.count.started_at:
        return "past its beyond-use date"
    return ""


def counted_ml(v: CountedVial) -> Decimal | None:
    """The mL the counter read (exact: whole µL)."""
    return None if v.counted_ul is None else Decimal(v.counted_ul) / 1000
