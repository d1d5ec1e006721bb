"""Accounts-receivable aging: what issued invoices still owe, by days since issue on the
clinic's date: current (0-30), 31-60, 61-90, over 90.

Aging is as of its day: only invoices issued, credit notes issued, payments received and
refunds made on or before that day (each dated on the clinic's calendar) count, so aging
on a past month-end reads the same whenever it is run. An invoice voided after the day was
still owed on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from ledger.access import Actor
from ledger.database import Database
from ledger.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
    InvoiceVoid,
    Patient,
    Payment,
    PaymentRefund,
)
from ledger.models.base import table_of
from ledger.services.billing.common import clinic_day
from ledger.services.patients import patient_by_mrn
from ledger.unit_of_work import look

BUCKETS = ("current", "31-60", "61-90", "over-90")


def bucket_of(days: int) -> str:
    if days <= 30:
        return "current"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "over-90"


@dataclass(frozen=True)
class AgedInvoice:
    invoice_id: int
    number: str
    patient_id: int
    mrn: str
    patient: str
    issued_on: date
    days: int
    bucket: str
    balance_cents: int


@dataclass(frozen=True)
class Aging:
    on: date
    invoices: list[AgedInvoice]
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def total_cents(self) -> int:
        return sum(self.totals.values())


def _sum_by_invoice(table: sa.Table, column: str, dated: str, day: date) -> sa.Subquery:
    """Per invoice, the sum of `column` over the rows dated (`dated`) on or before `day`."""
    return (
        sa.select(table.c.invoice_id, sa.func.sum(table.c[column]).label("cents"))
        .where(table.c[dated] <= day)
        .group_by(table.c.invoice_id)
        .subquery()
    )


def aging_on(session: Session, day: date, patient_id: int | None = None) -> Aging:
    inv, pt, void = table_of(Invoice), table_of(Patient), table_of(InvoiceVoid)
    p, r = table_of(Payment), table_of(PaymentRefund)
    credited = _sum_by_invoice(table_of(CreditNote), "amount_cents", "issued_on", day)
    applied = _sum_by_invoice(p, "applied_cents", "received_on", day)
    refunded = (
        sa.select(p.c.invoice_id, sa.func.sum(r.c.amount_cents).label("cents"))
        .select_from(r.join(p, p.c.id == r.c.payment_id))
        .where(r.c.refunded_on <= day)
        .group_by(p.c.invoice_id)
        .subquery()
    )
    voided_by_then = sa.exists(
        sa.select(void.c.id).where(void.c.invoice_id == inv.c.id, void.c.voided_on <= day)
    )
    balance = (
        inv.c.total_cents
        - sa.func.coalesce(credited.c.cents, 0)
        - sa.func.coalesce(applied.c.cents, 0)
        + sa.func.coalesce(refunded.c.cents, 0)
    )
    stmt = (
        sa.select(inv.c.id, inv.c.number, pt.c.id, pt.c.mrn, pt.c.name, inv.c.issued_on, balance)
        .select_from(
            inv.join(pt, pt.c.id == inv.c.patient_id)
            .outerjoin(credited, credited.c.invoice_id == inv.c.id)
            .outerjoin(applied, applied.c.invoice_id == inv.c.id)
            .outerjoin(refunded, refunded.c.invoice_id == inv.c.id)
        )
        .where(
            inv.c.status.in_((InvoiceStatus.ISSUED, InvoiceStatus.VOID)),
            ~voided_by_then,
            inv.c.issued_on <= day,
            balance > 0,
        )
        .order_by(inv.c.issued_on, inv.c.id)
    )
    if patient_id is not None:
        stmt = stmt.where(inv.c.patient_id == patient_id)
    out = []
    totals = dict.fromkeys(BUCKETS, 0)
    for row in session.execute(stmt):
        days = (day - row[5]).days
        aged = AgedInvoice(
            invoice_id=row[0],
            number=row[1],
            patient_id=row[2],
            mrn=row[3],
            patient=row[4],
            issued_on=row[5],
            days=days,
            bucket=bucket_of(days),
            balance_cents=int(row[6]),
        )
        totals[aged.bucket] += aged.balance_cents
        out.append(aged)
    return Aging(on=day, invoices=out, totals=totals)


def ar_aging(
    db: Database, actor: Actor, *, on: date | None = None, patient: str | None = None
) -> Aging:
    """AR aging as of `on` (default today on the clinic's clock): only what was issued,
    paid, refunded or credited on or before that day counts."""
    with look(db, actor, "billing.read") as tx:
        pid = patient_by_mrn(tx.session, patient).id if patient else None
        return aging_on(tx.session, on or clinic_day(tx), pid)
