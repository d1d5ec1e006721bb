"""An itemized receipt for a health savings or flexible spending account (HSA/FSA): one
payment, or every payment of a patient over a period, with the services and items on the
invoices they paid (codes and amounts), on the clinic's letterhead."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ledger.access import Actor
from ledger.clock import end_of_day
from ledger.database import Database
from ledger.errors import UnknownRecord
from ledger.models import Patient
from ledger.models.base import table_of
from ledger.models.billing import Invoice, InvoiceLine
from ledger.models.billing_money import Payment, PaymentMethod, PaymentRefund
from ledger.queries.billing_documents import payment_by_id
from ledger.queries.billing_parties import identity_of, patient_identity
from reports.billing_scope import money_range, open_billing_scope
from reports.letterhead import letterhead, patient_block
from reports.model import Column, Fact, Kind, Part, Report, Row, Total
from reports.scope import Request

PAYMENTS = (
    Column("Date", Kind.DATE, width=11),
    Column("Payment", Kind.INTEGER, width=7),
    Column("Method", width=7),
    Column("Reference", width=16),
    Column("Invoice", width=16),
    Column("Received", Kind.MONEY, width=11),
    Column("Refunded", Kind.MONEY, width=11),
)
ITEMS = (
    Column("Invoice", width=16),
    Column("Issued", Kind.DATE, width=11),
    Column("Service or item", width=40, wrap=True),
    Column("CPT", width=7),
    Column("HCPCS", width=7),
    Column("Quantity", Kind.INTEGER, width=7),
    Column("Amount", Kind.MONEY, width=11),
)


def build(db: Database, actor: Actor, request: Request) -> Report:
    pay, ref, inv, ln = (
        table_of(Payment),
        table_of(PaymentRefund),
        table_of(Invoice),
        table_of(InvoiceLine),
    )
    payment_id = getattr(request, "payment", None)
    mrn = getattr(request, "patient", None)
    with db.read() as session:
        scope = open_billing_scope(session, actor, request)
        if payment_id is not None:
            one = payment_by_id(session, payment_id)
            patient = session.get(Patient, one.patient_id)
            assert patient is not None
            who = identity_of(patient)
            which = pay.c.id == one.id
            period = scope.on(one.received_on)
        elif mrn:
            who = patient_identity(session, mrn)
            which = sa.and_(
                pay.c.patient_id == who.patient_id,
                pay.c.received_on >= request.date_from,
                pay.c.received_on <= request.date_to,
            )
            period = scope.period
        else:
            raise UnknownRecord("a receipt needs --payment ID or --patient MRN with a period")
        # Patient credit applied to an invoice was paid once already, by the overpayment.
        which = sa.and_(which, pay.c.method != PaymentMethod.CREDIT)
        refunded = (
            sa.select(ref.c.payment_id, sa.func.sum(ref.c.amount_cents).label("cents"))
            .group_by(ref.c.payment_id)
            .subquery()
        )
        found = session.execute(
            sa.select(
                pay.c.received_on, pay.c.id, pay.c.method, pay.c.reference, inv.c.number,
                pay.c.amount_cents, sa.func.coalesce(refunded.c.cents, 0), pay.c.invoice_id,
            )
            .join(inv, inv.c.id == pay.c.invoice_id)
            .outerjoin(refunded, refunded.c.payment_id == pay.c.id)
            .where(which)
            .order_by(pay.c.received_on, pay.c.id)
        ).all()  # fmt: skip
        payments: list[Row] = [
            (r[0], r[1], str(r[2]), r[3] or "", r[4] or "", int(r[5]), int(r[6]) or None)
            for r in found
        ]
        received = sum(int(r[5]) for r in found)
        back = sum(int(r[6]) for r in found)
        invoices = sorted({int(r[7]) for r in found})
        items: list[Row] = [
            (r.number or "", r.issued_on, r.description, r.cpt or "", r.hcpcs or "",
             r.quantity, r.line_cents)
            for r in session.execute(
                sa.select(inv.c.number, inv.c.issued_on, ln)
                .join(inv, inv.c.id == ln.c.invoice_id)
                .where(ln.c.invoice_id.in_(invoices or [-1]))
                .order_by(inv.c.issued_on, ln.c.id)
            )
        ]  # fmt: skip
        first, last = money_range(
            session,
            scope,
            patient_id=who.patient_id,
            after=end_of_day(scope.timezone, period.start - timedelta(days=1)),
            until=end_of_day(scope.timezone, period.end),
        )
    return Report(
        name="receipt",
        title=f"Receipt for HSA/FSA: {who.name}",
        header=scope.header() + (Fact("Patient", f"{who.name} (MRN {who.mrn})"),),
        period=period,
        filters=(Fact("Payment", str(payment_id)),) if payment_id is not None else (),
        parts=(
            letterhead(scope.clinic),
            patient_block(who),
            Part(
                title="Payments received",
                sheet="Payments",
                columns=PAYMENTS,
                rows=lambda: iter(payments),
                totals=(
                    Total("Received", received, Kind.MONEY),
                    Total("Refunded", back, Kind.MONEY),
                    Total("Amount paid", received - back, Kind.MONEY),
                ),
            ),
            Part(
                title="Services and items on the invoices paid",
                sheet="Items",
                columns=ITEMS,
                rows=lambda: iter(items),
                note="Medical services for the patient named above. Keep this receipt for "
                "your health savings or flexible spending account.",
            ),
        ),
        integrity=scope.integrity(first, last),
        timezone=scope.timezone,
    )
