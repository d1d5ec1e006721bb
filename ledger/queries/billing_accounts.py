"""A patient's account as of a day, read from the append-only billing rows: what each issued
invoice still owes (for statements and accounts-receivable aging) and the prepaid package
liability (unused, unexpired credits at their allocated price).

An invoice owes its total, less its credit notes and the payments applied to it, plus what
was refunded of those payments (only an applied part is ever refunded); a voided invoice
owes nothing from the day it was voided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from ledger.models import Patient
from ledger.models.base import table_of
from ledger.models.billing import CreditNote, Invoice, InvoiceVoid
from ledger.models.billing_money import (
    CreditMovement,
    PackageCredit,
    Payment,
    PaymentRefund,
)


@dataclass(frozen=True)
class OpenInvoice:
    invoice_id: int
    number: str
    patient_id: int
    mrn: str
    patient_name: str
    issued_on: date
    total_cents: int
    owed_cents: int


def open_invoices(
    session: Session, as_of: date, *, patient_id: int | None = None
) -> list[OpenInvoice]:
    """Issued invoices (not voided by `as_of`) with what each still owed at the end of
    `as_of`; fully settled ones included with 0 owed."""
    inv, p, v = table_of(Invoice), table_of(Patient), table_of(InvoiceVoid)
    cn, pay, ref = table_of(CreditNote), table_of(Payment), table_of(PaymentRefund)
    stmt = (
        sa.select(inv.c.id, inv.c.number, inv.c.patient_id, p.c.mrn, p.c.name, inv.c.issued_on,
                  inv.c.total_cents)
        .join(p, p.c.id == inv.c.patient_id)
        .outerjoin(v, sa.and_(v.c.invoice_id == inv.c.id, v.c.voided_on <= as_of))
        .where(inv.c.issued_on.is_not(None), inv.c.issued_on <= as_of, v.c.id.is_(None))
        .order_by(p.c.name, inv.c.issued_on, inv.c.id)
    )  # fmt: skip
    if patient_id is not None:
        stmt = stmt.where(inv.c.patient_id == patient_id)
    rows = session.execute(stmt).all()
    ids = [r.id for r in rows] or [-1]
    credited = dict(
        session.execute(
            sa.select(cn.c.invoice_id, sa.func.sum(cn.c.amount_cents))
            .where(cn.c.invoice_id.in_(ids), cn.c.issued_on <= as_of)
            .group_by(cn.c.invoice_id)
        ).all()
    )
    applied: dict[int, int] = {}
    payments = session.execute(
        sa.select(pay.c.id, pay.c.invoice_id, pay.c.amount_cents, pay.c.applied_cents).where(
            pay.c.invoice_id.in_(ids), pay.c.received_on <= as_of
        )
    ).all()
    refunded = dict(
        session.execute(
            sa.select(ref.c.payment_id, sa.func.sum(ref.c.amount_cents))
            .where(
                ref.c.payment_id.in_([x.id for x in payments] or [-1]), ref.c.refunded_on <= as_of
            )
            .group_by(ref.c.payment_id)
        ).all()
    )
    for x in payments:
        # A refund gives back part of what was applied (an overpayment stays credit).
        back = int(refunded.get(x.id, 0))
        applied[x.invoice_id] = applied.get(x.invoice_id, 0) + int(x.applied_cents) - back
    return [
        OpenInvoice(
            r.id, r.number or "", r.patient_id, r.mrn, r.name, r.issued_on, int(r.total_cents or 0),
            int(r.total_cents or 0) - int(credited.get(r.id, 0)) - applied.get(r.id, 0),
        )
        for r in rows
    ]  # fmt: skip


AGING_BUCKETS = ("current (0-30 days)", "31-60 days", "61-90 days", "over 90 days")


def aging_bucket(issued_on: date, as_of: date) -> int:
    """0 for 0-30 days since issue, 1 for 31-60, 2 for 61-90, 3 beyond."""
    age = (as_of - issued_on).days
    if age <= 30:
        return 0
    if age <= 60:
        return 1
    if age <= 90:
        return 2
    return 3


@dataclass(frozen=True)
class Liability:
    patient_id: int
    mrn: str
    patient_name: str
    credits: int
    cents: int
    next_expiry: date | None


def package_liability(session: Session, as_of: date) -> list[Liability]:
    """Per patient: package credits sold by `as_of`, not used, expired or refunded by then,
    and still valid on `as_of`, at their allocated price."""
    c, m, p = table_of(PackageCredit), table_of(CreditMovement), table_of(Patient)
    closed = sa.select(m.c.closes_credit_id).where(
        m.c.closes_credit_id.is_not(None), m.c.moved_on <= as_of
    )
    rows = session.execute(
        sa.select(
            c.c.patient_id, p.c.mrn, p.c.name, sa.func.count(c.c.id),
            sa.func.sum(c.c.allocated_cents), sa.func.min(c.c.expires_on),
        )
        .join(p, p.c.id == c.c.patient_id)
        .where(c.c.sold_on <= as_of, c.c.expires_on >= as_of, c.c.id.not_in(closed))
        .group_by(c.c.patient_id, p.c.mrn, p.c.name)
        .order_by(p.c.name, p.c.mrn)
    )  # fmt: skip
    return [
        Liability(pid, mrn, name, int(n), int(cents), first)
        for pid, mrn, name, n, cents, first in rows
    ]
