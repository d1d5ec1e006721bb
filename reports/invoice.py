"""One invoice on the clinic's letterhead: who is billed, every line with its codes, the
credit notes and payments against it, and what is still owed. A void invoice says so, with
its reason; an issued invoice prints exactly as it was issued (its lines never change)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ledger.access import Actor
from ledger.database import Database
from ledger.models import Patient
from ledger.models.base import table_of
from ledger.models.billing import CreditNote, InvoiceLine, InvoiceStatus, InvoiceVoid
from ledger.models.billing_money import Payment, PaymentRefund
from ledger.queries.billing_accounts import open_invoices
from ledger.queries.billing_documents import invoice_by_ref
from ledger.queries.billing_parties import identity_of
from ledger.queries.billing_statement import dollars_text
from reports.billing_scope import money_range, needs, open_billing_scope
from reports.letterhead import letterhead, patient_block
from reports.model import Column, Fact, Kind, Part, Report, Row, Total
from reports.scope import Request

LINES = (
    Column("Description", width=40, wrap=True),
    Column("Code", width=9),
    Column("CPT", width=7),
    Column("HCPCS", width=7),
    Column("Quantity", Kind.INTEGER, width=7),
    Column("Unit price", Kind.MONEY, width=11),
    Column("Amount", Kind.MONEY, width=11),
)
SETTLED = (
    Column("Date", Kind.DATE, width=11),
    Column("Document", width=16),
    Column("Detail", width=44, wrap=True),
    Column("Amount", Kind.MONEY, width=11),
)


def build(db: Database, actor: Actor, request: Request) -> Report:
    ref = needs(request, "invoice", "--invoice ID or NUMBER")
    ln, cn, pay, ref_t = (
        table_of(InvoiceLine),
        table_of(CreditNote),
        table_of(Payment),
        table_of(PaymentRefund),
    )
    with db.read() as session:
        scope = open_billing_scope(session, actor, request)
        inv = invoice_by_ref(session, ref)
        assert inv.id is not None
        patient = session.get(Patient, inv.patient_id)
        assert patient is not None
        who = identity_of(patient)
        lines_of = sa.select(ln).where(ln.c.invoice_id == inv.id).order_by(ln.c.id)
        lines: list[Row] = [
            (
                r.description + (f" ({r.reason})" if r.reason else ""),
                r.code or "",
                r.cpt or "",
                r.hcpcs or "",
                r.quantity,
                r.unit_cents,
                r.line_cents,
            )
            for r in session.execute(lines_of)
        ]
        lines_cents = sum(
            int(r.line_cents)
            for r in session.execute(sa.select(ln.c.line_cents).where(ln.c.invoice_id == inv.id))
        )
        notes = session.execute(
            sa.select(cn).where(cn.c.invoice_id == inv.id).order_by(cn.c.id)
        ).all()
        credited = sum(int(r.amount_cents) for r in notes)
        settled: list[Row] = [
            (r.issued_on, r.number, f"Credit note: {r.reason}", -int(r.amount_cents)) for r in notes
        ]
        payments = sa.select(pay).where(pay.c.invoice_id == inv.id).order_by(pay.c.id)
        for r in session.execute(payments):
            extra = int(r.amount_cents) - int(r.applied_cents)
            detail = f"Payment, {r.method}" + (f" ({r.reference})" if r.reference else "")
            if extra:
                detail += f"; {dollars_text(extra)} above the balance kept as the patient's credit"
            settled.append((r.received_on, f"payment {r.id}", detail, -int(r.applied_cents)))
        refunds = (
            sa.select(ref_t)
            .join(pay, pay.c.id == ref_t.c.payment_id)
            .where(pay.c.invoice_id == inv.id)
            .order_by(ref_t.c.id)
        )
        for r in session.execute(refunds):
            detail = f"Refund of payment {r.payment_id}: {r.reason}"
            settled.append((r.refunded_on, f"refund {r.id}", detail, int(r.amount_cents)))
        void = session.execute(
            sa.select(table_of(InvoiceVoid)).where(table_of(InvoiceVoid).c.invoice_id == inv.id)
        ).first()
        still = open_invoices(session, date.max, patient_id=inv.patient_id)
        owed = next((o.owed_cents for o in still if o.invoice_id == inv.id), 0)
        first, last = money_range(session, scope, patient_id=inv.patient_id)
    total = inv.total_cents if inv.total_cents is not None else lines_cents
    status = str(inv.status)
    title = f"Invoice {inv.number}" if inv.number else f"Draft invoice {inv.id} (not issued)"
    if status == InvoiceStatus.VOID:
        title += " - VOID"
    filters = [Fact("Status", status)]
    if inv.issued_on:
        filters.append(Fact("Issued", inv.issued_on.isoformat()))
    if void is not None:
        filters.append(Fact("Voided", f"{void.voided_on.isoformat()}: {void.reason}"))
    day = inv.issued_on or scope.request.date_to
    return Report(
        name="invoice",
        title=title,
        header=scope.header() + (Fact("Bill to", f"{who.name} (MRN {who.mrn})"),),
        period=scope.on(day),
        filters=tuple(filters),
        parts=(
            letterhead(scope.clinic),
            patient_block(who, "Bill to"),
            Part(
                title="Services and items",
                sheet="Lines",
                columns=LINES,
                rows=lambda: iter(lines),
                totals=(Total("Invoice total", total, Kind.MONEY),),
            ),
            Part(
                title="Credit notes, payments and refunds",
                sheet="Settlement",
                columns=SETTLED,
                rows=lambda: iter(settled),
                totals=(
                    Total("Credit notes", credited, Kind.MONEY),
                    Total("Balance due", 0 if status == InvoiceStatus.VOID else owed, Kind.MONEY),
                ),
                note="Payment above what the invoice owed is kept as the patient's credit, "
                "applied to a later invoice or refunded.",
            ),
        ),
        integrity=scope.integrity(first, last),
        timezone=scope.timezone,
    )
