"""A patient's statement for a period: the opening balance, every invoice, void, credit note,
payment and refund in date order with the running balance, and the closing balance.

The balance is what the patient owes (negative: credit in the patient's favour). Patient
credit applied to a later invoice moves money between the patient's own documents and does
not change the balance, so it is listed with no amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from ledger.models.base import table_of
from ledger.models.billing import CreditNote, Invoice, InvoiceVoid
from ledger.models.billing_money import Payment, PaymentMethod, PaymentRefund


def dollars_text(cents: int) -> str:
    """Cents as the dollars a person reads ($1,234.50), exactly."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


@dataclass(frozen=True)
class AccountEvent:
    day: date
    document: str
    description: str
    #: Positive: the patient owes more (an invoice, a refund); negative: less.
    cents: int
    order: int = 0


@dataclass(frozen=True)
class Statement:
    opening_cents: int
    events: tuple[AccountEvent, ...]

    @property
    def closing_cents(self) -> int:
        return self.opening_cents + sum(e.cents for e in self.events)

    @property
    def charges_cents(self) -> int:
        return sum(e.cents for e in self.events if e.cents > 0)

    @property
    def credits_cents(self) -> int:
        return -sum(e.cents for e in self.events if e.cents < 0)


def account_events(session: Session, patient_id: int, until: date) -> list[AccountEvent]:
    inv, v, cn = table_of(Invoice), table_of(InvoiceVoid), table_of(CreditNote)
    pay, ref = table_of(Payment), table_of(PaymentRefund)
    out: list[AccountEvent] = []
    for number, day, total in session.execute(
        sa.select(inv.c.number, inv.c.issued_on, inv.c.total_cents).where(
            inv.c.patient_id == patient_id, inv.c.issued_on.is_not(None), inv.c.issued_on <= until
        )
    ):
        out.append(AccountEvent(day, number or "", "Invoice", int(total or 0), 0))
    for number, day, total, reason in session.execute(
        sa.select(inv.c.number, v.c.voided_on, inv.c.total_cents, v.c.reason)
        .join(v, v.c.invoice_id == inv.c.id)
        .where(inv.c.patient_id == patient_id, v.c.voided_on <= until)
    ):
        out.append(AccountEvent(day, number or "", f"Void: {reason}", -int(total or 0), 1))
    for number, invoice, day, amount, reason in session.execute(
        sa.select(cn.c.number, inv.c.number, cn.c.issued_on, cn.c.amount_cents, cn.c.reason)
        .join(inv, inv.c.id == cn.c.invoice_id)
        .where(cn.c.patient_id == patient_id, cn.c.issued_on <= until)
    ):
        out.append(
            AccountEvent(day, number, f"Credit note on {invoice}: {reason}", -int(amount), 2)
        )
    for pid, number, day, method, reference, amount, applied in session.execute(
        sa.select(
            pay.c.id, inv.c.number, pay.c.received_on, pay.c.method, pay.c.reference,
            pay.c.amount_cents, pay.c.applied_cents,
        )
        .join(inv, inv.c.id == pay.c.invoice_id)
        .where(pay.c.patient_id == patient_id, pay.c.received_on <= until)
    ):  # fmt: skip
        ref_text = f" ({reference})" if reference else ""
        if method == PaymentMethod.CREDIT:
            text = f"Patient credit applied to {number}: {dollars_text(int(applied))}"
            out.append(AccountEvent(day, f"payment {pid}", text, 0, 3))
        else:
            text = f"Payment, {method}{ref_text}, on {number}"
            out.append(AccountEvent(day, f"payment {pid}", text, -int(amount), 3))
    for rid, pid, day, amount, reason in session.execute(
        sa.select(
            ref.c.id, ref.c.payment_id, ref.c.refunded_on, ref.c.amount_cents, ref.c.reason
        ).where(ref.c.patient_id == patient_id, ref.c.refunded_on <= until)
    ):
        out.append(
            AccountEvent(day, f"refund {rid}", f"Refund of payment {pid}: {reason}", int(amount), 4)
        )
    return sorted(out, key=lambda e: (e.day, e.order, e.document))


def statement(session: Session, patient_id: int, first: date, last: date) -> Statement:
    events = account_events(session, patient_id, last)
    opening = sum(e.cents for e in events if e.day < first)
    return Statement(opening, tuple(e for e in events if e.day >= first))
