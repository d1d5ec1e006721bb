"""A patient's billing account in one read: credits left and their expiry, invoices,
payments, pending charges, patient credit and what they owe (the app's account screen)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from ledger.access import Actor
from ledger.database import Database
from ledger.models import Invoice, Payment
from ledger.services.billing.common import clinic_day, find_invoice
from ledger.services.billing.credits import Credit, patient_credits
from ledger.services.billing.invoices import InvoiceView, invoice_view
from ledger.services.billing.payments import patient_credit_balance, refunded_cents
from ledger.services.billing.pending import Pending, pending_rows
from ledger.services.patients import patient_by_mrn
from ledger.unit_of_work import look


@dataclass(frozen=True)
class PaymentView:
    id: int
    invoice_id: int
    method: str
    reference: str | None
    amount_cents: int
    applied_cents: int
    refunded_cents: int
    received_on: date


@dataclass(frozen=True)
class Account:
    patient_id: int
    mrn: str
    patient: str
    on: date
    credits: list[Credit]
    invoices: list[InvoiceView]
    payments: list[PaymentView]
    pending: list[Pending]
    #: Overpayments not yet applied.
    patient_credit_cents: int
    #: What issued invoices still owe, less the patient's credit.
    balance_cents: int

    @property
    def unused_credits(self) -> list[Credit]:
        return [c for c in self.credits if c.state == "unused"]


def payment_views(session: Session, *, patient_id: int | None = None,
                  invoice_id: int | None = None) -> list[PaymentView]:  # fmt: skip
    stmt = select(Payment).order_by(col(Payment.id))
    if patient_id is not None:
        stmt = stmt.where(Payment.patient_id == patient_id)
    if invoice_id is not None:
        stmt = stmt.where(Payment.invoice_id == invoice_id)
    out = []
    for p in session.exec(stmt).all():
        assert p.id is not None
        out.append(
            PaymentView(
                id=p.id,
                invoice_id=p.invoice_id,
                method=p.method,
                reference=p.reference,
                amount_cents=p.amount_cents,
                applied_cents=p.applied_cents,
                refunded_cents=refunded_cents(session, p.id),
                received_on=p.received_on,
            )
        )
    return out


def patient_account(db: Database, actor: Actor, *, patient: str) -> Account:
    """Everything billing staff see on a patient's account, on the clinic's date."""
    with look(db, actor, "billing.read") as tx:
        s = tx.session
        person = patient_by_mrn(s, patient)
        assert person.id is not None
        day = clinic_day(tx)
        invoices = [
            invoice_view(s, r)
            for r in s.exec(
                select(Invoice)
                .where(Invoice.patient_id == person.id)
                .order_by(col(Invoice.id).desc())
            ).all()
        ]
        held = patient_credit_balance(s, person.id)
        owed = sum(v.balance_cents for v in invoices if v.status == "issued")
        return Account(
            patient_id=person.id,
            mrn=person.mrn,
            patient=person.name,
            on=day,
            credits=patient_credits(s, person.id, day),
            invoices=invoices,
            payments=payment_views(s, patient_id=person.id),
            pending=pending_rows(s, person.id),
            patient_credit_cents=held,
            balance_cents=owed - held,
        )


def invoice_payments(db: Database, actor: Actor, invoice: str | int) -> list[PaymentView]:
    """The payments taken on an invoice (to refund one, or print its receipt)."""
    with look(db, actor, "billing.read") as tx:
        found = find_invoice(tx.session, invoice)
        return payment_views(tx.session, invoice_id=found.id)
