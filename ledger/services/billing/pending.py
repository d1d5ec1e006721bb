"""Pending charges: infusions no credit covered, waiting for an invoice line at their day's
list price. A charge is billed once a line of an issued (not void) invoice names it, and
withdrawn once its infusion is reversed: the reversal movements (append-only, in the drug
chain) are the record of the withdrawal, written in the reversal's own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from ledger.access import Actor
from ledger.database import Database
from ledger.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Patient,
    PendingCharge,
)
from ledger.models.base import table_of
from ledger.queries.reversals import reversed_infusion
from ledger.services.patients import patient_by_mrn
from ledger.unit_of_work import look


@dataclass(frozen=True)
class Pending:
    id: int
    infusion_id: int
    patient_id: int
    mrn: str
    patient: str
    code: str
    description: str
    unit_cents: int
    service_on: date
    note: str
    #: A draft invoice already holding it, if any.
    draft_invoice_id: int | None


def billed_line(session: Session, infusion_id: int, *, statuses: tuple[str, ...]) -> int | None:
    """The invoice holding a line for this infusion among invoices of `statuses`."""
    line, inv = table_of(InvoiceLine), table_of(Invoice)
    found = session.execute(
        sa.select(inv.c.id)
        .select_from(line.join(inv, inv.c.id == line.c.invoice_id))
        .where(line.c.infusion_id == infusion_id, inv.c.status.in_(statuses))
        .limit(1)
    ).scalar()
    return int(found) if found is not None else None


def pending_rows(session: Session, patient_id: int | None = None) -> list[Pending]:
    """Every pending charge neither billed nor withdrawn, oldest first."""
    pc, line, inv, pt = (
        table_of(PendingCharge),
        table_of(InvoiceLine),
        table_of(Invoice),
        table_of(Patient),
    )
    billed = (
        sa.select(line.c.id)
        .select_from(line.join(inv, inv.c.id == line.c.invoice_id))
        .where(line.c.infusion_id == pc.c.infusion_id, inv.c.status == InvoiceStatus.ISSUED)
    )
    draft = (
        sa.select(sa.func.min(inv.c.id))
        .select_from(line.join(inv, inv.c.id == line.c.invoice_id))
        .where(line.c.infusion_id == pc.c.infusion_id, inv.c.status == InvoiceStatus.DRAFT)
        .scalar_subquery()
    )
    stmt = (
        sa.select(pc, pt.c.mrn, pt.c.name, draft.label("draft_id"))
        .select_from(pc.join(pt, pt.c.id == pc.c.patient_id))
        .where(~sa.exists(billed), ~reversed_infusion(pc.c.infusion_id))
        .order_by(pc.c.service_on, pc.c.id)
    )
    if patient_id is not None:
        stmt = stmt.where(pc.c.patient_id == patient_id)
    return [
        Pending(
            id=r.id,
            infusion_id=r.infusion_id,
            patient_id=r.patient_id,
            mrn=r.mrn,
            patient=r.name,
            code=r.code,
            description=r.description,
            unit_cents=r.unit_cents,
            service_on=r.service_on,
            note=r.note,
            draft_invoice_id=r.draft_id,
        )
        for r in session.execute(stmt)
    ]


def pending_charges(db: Database, actor: Actor, *, patient: str | None = None) -> list[Pending]:
    """What billing staff still have to bill (`vialbook billing pending`)."""
    with look(db, actor, "billing.read") as tx:
        pid = patient_by_mrn(tx.session, patient).id if patient else None
        return pending_rows(tx.session, pid)
