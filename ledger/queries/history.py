"""Movement history per vial, patient or period, each row with the vial's running balance."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ledger.access import Actor
from ledger.clock import end_of_day
from ledger.database import Database
from ledger.errors import InvalidDate, UnknownRecord
from ledger.models import Movement, Patient, Product, User, Vial
from ledger.models.base import table_of
from ledger.queries.vials import balance_after, vial_id_for
from ledger.unit_of_work import look
from ledger.units import mg_text, ml_text


@dataclass(frozen=True)
class LogLine:
    id: int
    event_at: datetime
    entered_at: datetime
    kind: str
    vial: str
    product: str
    amount_ug: int
    balance_ug: int
    strength_ug_per_ml: int
    actor: str
    witness: str | None
    patient: str | None
    infusion_id: int | None
    original_id: int | None
    late: bool
    reason: str | None
    method: str | None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "event_at": self.event_at.isoformat(),
            "entered_at": self.entered_at.isoformat(),
            "kind": self.kind,
            "vial": self.vial,
            "product": self.product,
            "amount_ug": self.amount_ug,
            "amount_mg": mg_text(self.amount_ug),
            "amount_ml": ml_text(self.amount_ug, self.strength_ug_per_ml),
            "balance_ug": self.balance_ug,
            "balance_mg": mg_text(self.balance_ug),
            "actor": self.actor,
            "witness": self.witness,
            "patient": self.patient,
            "infusion_id": self.infusion_id,
            "original_id": self.original_id,
            "late": self.late,
            "reason": self.reason,
            "method": self.method,
        }


def movement_log(
    db: Database,
    actor: Actor,
    *,
    vial: str | None = None,
    patient: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    after_id: int = 0,
    before_id: int | None = None,
    newest_first: bool = False,
    limit: int | None = None,
) -> Iterator[LogLine]:
    """Stream history in sequence order, or newest first.

    Keyset paging: pass the last id seen as `after_id` (oldest first) or `before_id`
    (newest first), so a page costs the same on the first day and after five years.
    A period that ends before it starts is refused here, before any row is read.
    """
    check_period(date_from, date_to)
    return _lines(
        db,
        actor,
        vial=vial,
        patient=patient,
        date_from=date_from,
        date_to=date_to,
        after_id=after_id,
        before_id=before_id,
        newest_first=newest_first,
        limit=limit,
    )


def check_period(date_from: date | None, date_to: date | None) -> None:
    """`--from` after `--to` selects nothing: a typing mistake, said so instead of an empty log."""
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidDate(f"the period starts on {date_from}, after it ends on {date_to}")


def log_select(*extra: sa.ColumnElement[object]) -> sa.Select[tuple[object, ...]]:
    """The movement log's columns and joins (vial, product, who recorded and witnessed,
    patient, running balance), plus `extra` columns; callers add their filters and order."""
    m = table_of(Movement)
    v, p, pt = table_of(Vial), table_of(Product), table_of(Patient)
    actor_t = table_of(User).alias("actor")
    witness_t = table_of(User).alias("witness")
    return sa.select(
        m.c.id,
        m.c.event_at,
        m.c.entered_at,
        m.c.kind,
        m.c.amount_ug,
        m.c.infusion_id,
        m.c.original_id,
        m.c.late,
        m.c.reason,
        m.c.method,
        v.c.label,
        p.c.name,
        p.c.strength_ug_per_ml,
        actor_t.c.username.label("actor"),
        witness_t.c.username.label("witness"),
        pt.c.mrn,
        balance_after(m, m.c.id).label("balance"),
        *extra,
    ).select_from(
        m.join(v, v.c.id == m.c.vial_id)
        .join(p, p.c.id == v.c.product_id)
        .join(actor_t, actor_t.c.id == m.c.actor_id)
        .outerjoin(witness_t, witness_t.c.id == m.c.witness_id)
        .outerjoin(pt, pt.c.id == m.c.patient_id)
    )


def log_line(row: sa.Row[tuple[object, ...]]) -> LogLine:
    """One row of `log_select` as the log shows it."""
    return LogLine(
        id=row.id,
        event_at=row.event_at,
        entered_at=row.entered_at,
        kind=row.kind,
        vial=row.label,
        product=row.name,
        amount_ug=row.amount_ug,
        balance_ug=int(row.balance),
        strength_ug_per_ml=row.strength_ug_per_ml,
        actor=row.actor,
        witness=row.witness,
        patient=row.mrn,
        infusion_id=row.infusion_id,
        original_id=row.original_id,
        late=row.late,
        reason=row.reason,
        method=row.method,
    )


def _lines(
    db: Database,
    actor: Actor,
    *,
    vial: str | None,
    patient: str | None,
    date_from: date | None,
    date_to: date | None,
    after_id: int,
    before_id: int | None,
    newest_first: bool,
    limit: int | None,
) -> Iterator[LogLine]:
    m, pt = table_of(Movement), table_of(Patient)
    stmt = log_select().where(m.c.id > after_id).order_by(m.c.id.desc() if newest_first else m.c.id)
    if before_id is not None:
        stmt = stmt.where(m.c.id < before_id)
    with look(db, actor) as tx:
        session, settings = tx.session, tx.settings
        if vial:
            stmt = stmt.where(m.c.vial_id == vial_id_for(session, vial))
        if patient:
            pid = session.execute(sa.select(pt.c.id).where(pt.c.mrn == patient.strip())).scalar()
            if pid is None:
                raise UnknownRecord(f"no patient with MRN {patient!r}", subject=patient)
            stmt = stmt.where(m.c.patient_id == pid)
        if date_from:
            stmt = stmt.where(
                m.c.event_at > end_of_day(settings.timezone, date_from - timedelta(days=1))
            )
        if date_to:
            stmt = stmt.where(m.c.event_at <= end_of_day(settings.timezone, date_to))
        if limit is not None:
            stmt = stmt.limit(limit)
        result = session.execute(stmt.execution_options(yield_per=1000))
        for row in result:
            yield log_line(row)
