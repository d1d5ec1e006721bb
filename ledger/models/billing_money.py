"""Money that moved: payments, refunds, patient credit, package credits, pending charges, and
the money chain that makes them tamper-evident.

Every table here is append-only (database triggers refuse UPDATE and DELETE) except
`money_head`, which only moves forward to a stored entry. A state such as "credit used" or
"charge billed" is never a flag that changes: it is read from the rows that came later.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlmodel import Field, SQLModel

from ledger.models.base import UTCDateTime


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    CARD = "card"
    CHECK = "check"
    #: HSA or FSA card.
    HSA = "hsa"
    #: The patient's own credit (an earlier overpayment) applied to an invoice.
    CREDIT = "credit"


class CreditMovementKind(enum.StrEnum):
    GRANT = "grant"
    CONSUME = "consume"
    EXPIRE = "expire"
    REFUND = "refund"
    #: The invoice that sold it was voided before it was used.
    VOID = "void"
    #: Given back because the infusion that used it was reversed: a fresh credit of the same
    #: sale (same price share and expiry), since the used one stays closed for good.
    RETURN = "return"


class PatientCreditKind(enum.StrEnum):
    #: The part of a payment above what the invoice still owed (positive).
    OVERPAYMENT = "overpayment"
    #: Credit applied to a later invoice (negative).
    APPLIED = "applied"
    #: A refund of a credit application gives the credit back (positive).
    RETURNED = "returned"


class Payment(SQLModel, table=True):
    """Money received against an invoice. Append-only.

    `applied_cents` went to the invoice; the rest (`amount_cents - applied_cents`) became
    patient credit.
    """

    __tablename__ = "payment"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    method: str = Field(max_length=8)
    reference: str | None = Field(default=None, max_length=200)
    amount_cents: int
    applied_cents: int
    received_at: datetime = Field(sa_type=UTCDateTime)
    received_on: date
    received_by_id: int = Field(foreign_key="app_user.id")


class PackageRefund(SQLModel, table=True):
    """A refund of a package's unused credits by the package rule. Append-only.

    amount = max(0, paid − sessions used × single-infusion list price on the sale date)
    − admin fee, never below 0. It is given as a credit note on the selling invoice and
    refunds of that invoice's payments, so the patient's balance stays true.
    """

    __tablename__ = "package_refund"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id")
    invoice_line_id: int = Field(foreign_key="invoice_line.id", unique=True)
    package_id: int = Field(foreign_key="package.id")
    paid_cents: int
    sessions_used: int
    single_price_cents: int
    admin_fee_cents: int
    amount_cents: int
    credit_note_id: int | None = Field(default=None, foreign_key="credit_note.id")
    reason: str = Field(max_length=500)
    refunded_at: datetime = Field(sa_type=UTCDateTime)
    refunded_on: date
    refunded_by_id: int = Field(foreign_key="app_user.id")


class PaymentRefund(SQLModel, table=True):
    """Money given back from a payment. Append-only."""

    __tablename__ = "payment_refund"

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    amount_cents: int
    reason: str = Field(max_length=500)
    #: The package refund this is part of, if any.
    package_refund_id: int | None = Field(default=None, foreign_key="package_refund.id")
    refunded_at: datetime = Field(sa_type=UTCDateTime)
    refunded_on: date
    refunded_by_id: int = Field(foreign_key="app_user.id")


class PatientCredit(SQLModel, table=True):
    """One movement of a patient's credit balance (overpayments in, applications out).

    Append-only; the balance is the sum.
    """

    __tablename__ = "patient_credit"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    kind: str = Field(max_length=12)
    amount_cents: int
    payment_id: int = Field(foreign_key="payment.id")
    at: datetime = Field(sa_type=UTCDateTime)
    actor_id: int = Field(foreign_key="app_user.id")


class PackageCredit(SQLModel, table=True):
    """One prepaid session granted by a package sold on an issued invoice. Append-only.

    Its state (unused, used, expired, refunded) is read from its credit movements and
    `expires_on` against the clinic's date.
    """

    __tablename__ = "package_credit"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    package_id: int = Field(foreign_key="package.id")
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    invoice_line_id: int = Field(foreign_key="invoice_line.id")
    #: 1..sessions within its sale.
    seq: int
    #: price ÷ sessions; the remainder cents sit on credit 1, so a sale's credits sum to it.
    allocated_cents: int
    sold_on: date
    #: The last clinic day it may be used: sold_on + the package's valid_days.
    expires_on: date
    granted_at: datetime = Field(sa_type=UTCDateTime)


class CreditMovement(SQLModel, table=True):
    """A package credit granted, consumed by an infusion, expired or refunded. Append-only.

    `closes_credit_id` is set (and unique) on every movement that ends a credit, so the
    database itself refuses to use one credit twice.
    """

    __tablename__ = "credit_movement"

    id: int | None = Field(default=None, primary_key=True)
    credit_id: int = Field(foreign_key="package_credit.id", index=True)
    kind: str = Field(max_length=8)
    closes_credit_id: int | None = Field(default=None, foreign_key="package_credit.id", unique=True)
    infusion_id: int | None = Field(default=None, foreign_key="infusion.id", index=True)
    #: The item code the infusion was billed as (for a consume).
    service_code: str | None = Field(default=None, max_length=32)
    package_refund_id: int | None = Field(default=None, foreign_key="package_refund.id")
    at: datetime = Field(sa_type=UTCDateTime)
    moved_on: date
    actor_id: int = Field(foreign_key="app_user.id")


class PendingCharge(SQLModel, table=True):
    """An infusion no credit covered, waiting to be billed at the list price of its day.

    Append-only; it is billed once an issued invoice has a line naming it.
    """

    __tablename__ = "pending_charge"

    id: int | None = Field(default=None, primary_key=True)
    infusion_id: int = Field(foreign_key="infusion.id", unique=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    code: str = Field(max_length=32)
    #: The price version of the infusion's day; None when the code had no price then.
    price_item_id: int | None = Field(default=None, foreign_key="price_item.id")
    description: str = Field(max_length=200)
    unit_cents: int
    service_on: date
    #: Why it is pending ("no valid credit covers MOOD", or the refusal billing met).
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)


class MoneyEntry(SQLModel, table=True):
    """One entry of the money chain (ledger/chain.py `money_hash`). Append-only.

    `id` is the gapless sequence number, given under the money-head lock.
    """

    __tablename__ = "money_entry"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(sa_type=UTCDateTime)
    entered_at: datetime = Field(sa_type=UTCDateTime)
    #: invoice_issue, invoice_void, credit_note, payment, payment_refund, credit_grant,
    #: credit_consume, credit_expire, credit_refund, package_refund, patient_credit.
    kind: str = Field(max_length=16)
    #: The document's number or the record it names ("INV-2026-000001", "payment 12").
    document: str | None = Field(default=None, max_length=40)
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    amount_cents: int
    actor_id: int = Field(foreign_key="app_user.id")
    #: The money entry this one answers (a void names the issue).
    original_id: int | None = Field(default=None, foreign_key="money_entry.id")
    reason: str | None = Field(default=None, max_length=500)
    detail: str | None = Field(default=None, max_length=4000)
    #: The billing table and row this entry seals.
    source_table: str = Field(max_length=32)
    source_id: int
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class MoneyHead(SQLModel, table=True):
    """The single row naming the last money entry. Writers lock it to append."""

    __tablename__ = "money_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(max_length=64)
