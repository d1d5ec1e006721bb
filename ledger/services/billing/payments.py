"""Payments against issued invoices (partial or in full), overpayments kept as patient credit
and applied later, and refunds of payments."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import (
    InvalidAmount,
    InvalidPaymentMethod,
    PaymentNotAllowed,
    RefundTooLarge,
    UnknownRecord,
)
from ledger.models import (
    PatientCredit,
    PatientCreditKind,
    Payment,
    PaymentMethod,
    PaymentRefund,
)
from ledger.models.base import table_of
from ledger.money import MAX_CENTS, cents_text
from ledger.services.billing.chain import seal
from ledger.services.billing.common import clinic_day, figures, invoice_label, reason_text
from ledger.services.billing.corrections import issued_invoice
from ledger.services.patients import patient_by_mrn
from ledger.text import clean_text
from ledger.unit_of_work import UnitOfWork, act, look

#: Methods that bring money in (CREDIT moves the patient's own credit instead).
MONEY_METHODS = (PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.CHECK, PaymentMethod.HSA)


@dataclass(frozen=True)
class PaymentTaken:
    payment_id: int
    invoice_id: int
    method: str
    amount_cents: int
    #: What went to the invoice.
    applied_cents: int
    #: What became patient credit (an overpayment).
    credit_cents: int
    balance_cents: int


def _method(value: str) -> PaymentMethod:
    text = str(value).strip().lower()
    if text in ("fsa", "hsa/fsa"):
        text = "hsa"
    try:
        return PaymentMethod(text)
    except ValueError:
        raise InvalidPaymentMethod(
            f"payment method {value!r} is not one of cash, card, check, hsa (HSA/FSA) or credit",
            subject=str(value),
        ) from None


def _amount(cents: int, what: str) -> int:
    if isinstance(cents, bool) or not isinstance(cents, int) or not 0 < cents <= MAX_CENTS:
        raise InvalidAmount(f"{what} is more than 0.00")
    return cents


def patient_credit_balance(session: Session, patient_id: int) -> int:
    """The patient's credit from overpayments, less what was applied."""
    t = table_of(PatientCredit)
    return int(
        session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(t.c.amount_cents), 0)).where(
                t.c.patient_id == patient_id
            )
        ).scalar_one()
    )


def _credit_move(tx: UnitOfWork, payment: Payment, kind: str, cents: int) -> None:
    row = PatientCredit(
        patient_id=payment.patient_id,
        kind=kind,
        amount_cents=cents,
        payment_id=payment.id,  # type: ignore[arg-type]
        at=tx.entered_at,
        actor_id=tx.user_id,
    )
    tx.session.add(row)
    tx.session.flush()
    seal(
        tx,
        kind="patient_credit",
        amount_cents=cents,
        source_table="patient_credit",
        source_id=row.id,
        document=f"payment {payment.id}",
        patient_id=payment.patient_id,
        detail={"kind": kind},
    )


@audited("billing.payment")
def pay_invoice(
    db: Database,
    actor: Actor,
    invoice: str | int,
    *,
    amount_cents: int,
    method: str,
    reference: str | None = None,
) -> PaymentTaken:
    """Take a payment against an issued invoice. Above what the invoice still owes, the rest
    becomes the patient's credit. Method `credit` applies that credit (up to what is held)."""
    how = _method(method)
    cents = _amount(amount_cents, "a payment")
    ref = clean_text(reference, "reference", 200, required=False, one_line=True) or None
    with act(db, actor, "billing.payment") as tx:
        inv = issued_invoice(tx, invoice)
        owed = figures(tx.session, inv).balance_cents
        label = invoice_label(inv)
        if owed <= 0:
            raise PaymentNotAllowed(
                f"invoice {label} owes nothing ({cents_text(owed)})", subject=label
            )
        if how == PaymentMethod.CREDIT:
            held = patient_credit_balance(tx.session, inv.patient_id)
            if cents > held:
                raise PaymentNotAllowed(
                    f"the patient holds {cents_text(held)} of credit; {cents_text(cents)} "
                    "cannot be applied",
                    subject=label,
                )
            if cents > owed:
                raise PaymentNotAllowed(
                    f"invoice {label} owes {cents_text(owed)}; apply no more credit than that",
                    subject=label,
                )
        applied = min(cents, owed)
        payment = Payment(
            invoice_id=inv.id,  # type: ignore[arg-type]
            patient_id=inv.patient_id,
            method=how,
            reference=ref,
            amount_cents=cents,
            applied_cents=applied,
            received_at=tx.entered_at,
            received_on=clinic_day(tx),
            received_by_id=tx.user_id,
        )
        tx.session.add(payment)
        tx.session.flush()
        assert payment.id is not None and inv.id is not None
        seal(
            tx,
            kind="payment",
            amount_cents=cents,
            source_table="payment",
            source_id=payment.id,
            document=inv.number,
            patient_id=inv.patient_id,
            detail={"method": str(how), "applied_cents": applied, "reference": ref},
        )
        if how == PaymentMethod.CREDIT:
            _credit_move(tx, payment, PatientCreditKind.APPLIED, -cents)
        elif cents > applied:
            _credit_move(tx, payment, PatientCreditKind.OVERPAYMENT, cents - applied)
        tx.audit(detail={"invoice": inv.number, "payment": payment.id, "cents": cents})
        return PaymentTaken(
            payment_id=payment.id,
            invoice_id=inv.id,
            method=str(how),
            amount_cents=cents,
            applied_cents=applied,
            credit_cents=cents - applied if how != PaymentMethod.CREDIT else 0,
            balance_cents=owed - applied,
        )


def refunded_cents(session: Session, payment_id: int) -> int:
    t = table_of(PaymentRefund)
    return int(
        session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(t.c.amount_cents), 0)).where(
                t.c.payment_id == payment_id
            )
        ).scalar_one()
    )


def write_refund(
    tx: UnitOfWork,
    payment: Payment,
    cents: int,
    why: str,
    *,
    package_refund_id: int | None = None,
) -> PaymentRefund:
    """Step: give back `cents` of a payment's applied part: money for money, and a credit
    application's share back to the patient's credit."""
    refund = PaymentRefund(
        payment_id=payment.id,  # type: ignore[arg-type]
        patient_id=payment.patient_id,
        amount_cents=cents,
        reason=why,
        package_refund_id=package_refund_id,
        refunded_at=tx.entered_at,
        refunded_on=clinic_day(tx),
        refunded_by_id=tx.user_id,
    )
    tx.session.add(refund)
    tx.session.flush()
    seal(
        tx,
        kind="payment_refund",
        amount_cents=cents,
        source_table="payment_refund",
        source_id=refund.id,
        document=f"payment {payment.id}",
        patient_id=payment.patient_id,
        reason=why,
    )
    if payment.method == PaymentMethod.CREDIT:
        _credit_move(tx, payment, PatientCreditKind.RETURNED, cents)
    return refund


def refundable_cents(session: Session, payment: Payment) -> int:
    """What of a payment can still be given back: its applied part, less earlier refunds.
    (An overpayment stays patient credit, to apply to a later invoice.)"""
    assert payment.id is not None
    return payment.applied_cents - refunded_cents(session, payment.id)


@audited("billing.refund")
def refund_payment(
    db: Database, actor: Actor, payment_id: int, *, amount_cents: int, reason: str
) -> int:
    """Give back part or all of a payment; the invoice owes that much again."""
    why = reason_text(reason, "refund reason")
    cents = _amount(amount_cents, "a refund")
    with act(db, actor, "billing.refund") as tx:
        payment = tx.session.get(Payment, payment_id, with_for_update=True)
        if payment is None:
            raise UnknownRecord(f"no payment {payment_id}", subject=str(payment_id))
        room = refundable_cents(tx.session, payment)
        if cents > room:
            raise RefundTooLarge(
                f"payment {payment_id} has {cents_text(room)} left to refund; "
                f"{cents_text(cents)} is more",
                subject=str(payment_id),
            )
        refund = write_refund(tx, payment, cents, why)
        tx.audit(detail={"payment": payment_id, "refund": refund.id, "cents": cents})
        assert refund.id is not None
        return refund.id


def patient_credit(db: Database, actor: Actor, *, patient: str) -> int:
    """The patient's credit from overpayments that is not yet applied, in cents."""
    with look(db, actor, "billing.read") as tx:
        person = patient_by_mrn(tx.session, patient)
        assert person.id is not None
        return patient_credit_balance(tx.session, person.id)
