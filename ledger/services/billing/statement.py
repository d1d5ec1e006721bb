"""A patient's statement for a period: opening balance, invoices, voids, credit notes,
payments and refunds in date order with a running balance, and the closing balance.

The balance is what the patient owes (negative: credit they hold). A payment counts at its
full amount, so an overpayment shows as credit; applying that credit to a later invoice moves
nothing on the statement, and neither does returning it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from ledger.access import Actor
from ledger.database import Database
from ledger.errors import InvalidDate
from ledger.models import (
    CreditNote,
    Invoice,
    InvoiceVoid,
    Patient,
    Payment,
    PaymentMethod,
    PaymentRefund,
)
from ledger.models.base import table_of
from ledger.services.patients import patient_by_mrn
from ledger.unit_of_work import look


@dataclass(frozen=True)
class StatementLine:
    on: date
    #: invoice, void, credit_note, payment, refund.
    kind: str
    document: str
    description: str
    #: Positive: the patient owes more; negative: less.
    amount_cents: int
    balance_cents: int


@dataclass(frozen=True)
class Statement:
    patient_id: int
    mrn: str
    patient: str
    address: str
    start: date
    end: date
    opening_cents: int
    lines: list[StatementLine]
    closing_cents: int


def _events(session: Session, patient_id: int) -> list[tuple[date, int, str, str, str, int]]:
    """(day, order, kind, document, description, cents) for everything on the account."""
    inv, void, cn = table_of(Invoice), table_of(InvoiceVoid), table_of(CreditNote)
    p, r = table_of(Payment), table_of(PaymentRefund)
    out: list[tuple[date, int, str, str, str, int]] = []
    for row in session.execute(
        sa.select(inv.c.issued_on, inv.c.id, inv.c.number, inv.c.total_cents).where(
            inv.c.patient_id == patient_id, inv.c.number.is_not(None)
        )
    ):
        out.append((row[0], row[1], "invoice", row[2], "Invoice", int(row[3])))
    for row in session.execute(
        sa.select(void.c.voided_on, void.c.id, inv.c.number, inv.c.total_cents, void.c.reason)
        .select_from(void.join(inv, inv.c.id == void.c.invoice_id))
        .where(inv.c.patient_id == patient_id)
    ):
        out.append((row[0], row[1], "void", row[2], f"Void: {row[4]}", -int(row[3])))
    for row in session.execute(
        sa.select(cn.c.issued_on, cn.c.id, cn.c.number, cn.c.amount_cents, cn.c.reason).where(
            cn.c.patient_id == patient_id
        )
    ):
        out.append((row[0], row[1], "credit_note", row[2], f"Credit note: {row[4]}", -int(row[3])))
    for row in session.execute(
        sa.select(p.c.received_on, p.c.id, inv.c.number, p.c.amount_cents, p.c.method)
        .select_from(p.join(inv, inv.c.id == p.c.invoice_id))
        .where(p.c.patient_id == patient_id, p.c.method != PaymentMethod.CREDIT)
    ):
        out.append(
            (row[0], row[1], "payment", f"payment {row[1]}", f"Payment ({row[4]}) on {row[2]}",
             -int(row[3]))
        )  # fmt: skip
    for row in session.execute(
        sa.select(r.c.refunded_on, r.c.id, r.c.payment_id, r.c.amount_cents, r.c.reason)
        .select_from(r.join(p, p.c.id == r.c.payment_id))
        .where(r.c.patient_id == patient_id, p.c.method != PaymentMethod.CREDIT)
    ):
        out.append(
            (row[0], row[1], "refund", f"refund {row[1]}", f"Refund of payment {row[2]}: {row[4]}",
             int(row[3]))
        )  # fmt: skip
    order = {"invoice": 0, "void": 1, "credit_note": 2, "payment": 3, "refund": 4}
    out.sort(key=lambda e: (e[0], order[e[2]], e[1]))
    return out


def statement_of(session: Session, patient: Patient, start: date, end: date) -> Statement:
    if end < start:
        raise InvalidDate("a statement's period ends on or after it starts")
    assert patient.id is not None
    opening = 0
    lines: list[StatementLine] = []
    running = 0
    for day, _, kind, document, text, cents in _events(session, patient.id):
        if day > end:
            break
        running += cents
        if day < start:
            opening = running
            continue
        lines.append(StatementLine(day, kind, document, text, cents, running))
    return Statement(
        patient_id=patient.id,
        mrn=patient.mrn,
        patient=patient.name,
        address=patient.address,
        start=start,
        end=end,
        opening_cents=opening,
        lines=lines,
        closing_cents=running,
    )


def patient_statement(
    db: Database, actor: Actor, *, patient: str, start: date, end: date
) -> Statement:
    """`billing statement --patient MRN --from DATE --to DATE`."""
    with look(db, actor, "billing.read") as tx:
        return statement_of(tx.session, patient_by_mrn(tx.session, patient), start, end)
