"""Correcting an issued invoice: voiding it with a reason, or a credit note in its own series.
Neither changes the invoice's lines or total."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import CreditNoteTooLarge, InvalidAmount, InvoiceNotIssued, VoidRefused
from ledger.models import (
    CreditMovementKind,
    CreditNote,
    Invoice,
    InvoiceStatus,
    InvoiceVoid,
    MoneyEntry,
)
from ledger.models.base import table_of
from ledger.money import cents_text
from ledger.services.billing.chain import seal
from ledger.services.billing.common import (
    clinic_day,
    figures,
    find_invoice,
    invoice_label,
    reason_text,
)
from ledger.services.billing.credits import close_open_credits, used_count
from ledger.services.billing.numbering import CREDIT_NOTE_SERIES, next_number
from ledger.unit_of_work import UnitOfWork, act


@dataclass(frozen=True)
class CreditNoteIssued:
    credit_note_id: int
    number: str
    invoice_id: int
    amount_cents: int


def issued_invoice(tx: UnitOfWork, ref: str | int) -> Invoice:
    """An issued (not draft, not void) invoice, locked for this transaction."""
    invoice = find_invoice(tx.session, ref, lock=True)
    if invoice.status != InvoiceStatus.ISSUED:
        raise InvoiceNotIssued(
            f"invoice {invoice_label(invoice)} is {invoice.status}", subject=invoice_label(invoice)
        )
    return invoice


def issue_entry(session: Session, invoice_id: int) -> int | None:
    """The money entry that sealed an invoice's issue."""
    m = table_of(MoneyEntry)
    found = session.execute(
        sa.select(m.c.id).where(
            m.c.source_table == "invoice", m.c.source_id == invoice_id, m.c.kind == "invoice_issue"
        )
    ).scalar()
    return int(found) if found is not None else None


@audited("billing.void")
def void_invoice(db: Database, actor: Actor, invoice: str | int, *, reason: str) -> int:
    """Void an issued invoice with a reason; its unused credits are cancelled.

    Refused once a credit it granted was used, a payment is applied to it (refund first) or
    a credit note names it: the money already moved must be answered first.
    """
    why = reason_text(reason, "void reason")
    with act(db, actor, "billing.void") as tx:
        inv = issued_invoice(tx, invoice)
        assert inv.id is not None
        label = invoice_label(inv)
        if used_count(tx.session, invoice_id=inv.id):
            raise VoidRefused(
                f"invoice {label} sold credits that infusions have used; issue a credit note "
                "instead",
                subject=label,
            )
        f = figures(tx.session, inv)
        if f.paid_cents:
            raise VoidRefused(
                f"invoice {label} has {cents_text(f.paid_cents)} paid on it; refund the "
                "payment first",
                subject=label,
            )
        if f.credited_cents:
            raise VoidRefused(
                f"invoice {label} has credit notes; it cannot be voided", subject=label
            )
        void = InvoiceVoid(
            invoice_id=inv.id,
            reason=why,
            voided_at=tx.entered_at,
            voided_on=clinic_day(tx),
            voided_by_id=tx.user_id,
        )
        tx.session.add(void)
        tx.session.flush()  # the invoice's guard lets it become void only once this exists
        inv.status = InvoiceStatus.VOID
        tx.session.add(inv)
        tx.session.flush()
        seal(
            tx,
            kind="invoice_void",
            amount_cents=int(inv.total_cents or 0),
            source_table="invoice_void",
            source_id=void.id,
            document=inv.number,
            patient_id=inv.patient_id,
            original_id=issue_entry(tx.session, inv.id),
            reason=why,
        )
        close_open_credits(
            tx, invoice_id=inv.id, kind=CreditMovementKind.VOID, reason=why, document=inv.number
        )
        tx.audit(detail={"invoice": inv.id, "number": inv.number, "reason": why})
        assert void.id is not None
        return void.id


def write_credit_note(tx: UnitOfWork, inv: Invoice, amount_cents: int, why: str) -> CreditNote:
    """Step: a credit note on an issued invoice, numbered in its own series."""
    assert inv.id is not None
    day = clinic_day(tx)
    note = CreditNote(
        number=next_number(tx.session, CREDIT_NOTE_SERIES, day.year),
        invoice_id=inv.id,
        patient_id=inv.patient_id,
        amount_cents=amount_cents,
        reason=why,
        issued_at=tx.entered_at,
        issued_on=day,
        issued_by_id=tx.user_id,
    )
    tx.session.add(note)
    tx.session.flush()
    seal(
        tx,
        kind="credit_note",
        amount_cents=amount_cents,
        source_table="credit_note",
        source_id=note.id,
        document=note.number,
        patient_id=inv.patient_id,
        original_id=issue_entry(tx.session, inv.id),
        reason=why,
        detail={"invoice": inv.number},
    )
    return note


@audited("billing.credit_note")
def credit_note(
    db: Database, actor: Actor, invoice: str | int, *, amount_cents: int, reason: str
) -> CreditNoteIssued:
    """Credit part or all of an issued invoice. The invoice's own total never changes; what
    the patient owes falls by the note (an overpaid invoice leaves money to refund)."""
    why = reason_text(reason, "credit note reason")
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidAmount("a credit note is more than 0.00")
    with act(db, actor, "billing.credit_note") as tx:
        inv = issued_invoice(tx, invoice)
        f = figures(tx.session, inv)
        room = f.total_cents - f.credited_cents
        if amount_cents > room:
            raise CreditNoteTooLarge(
                f"invoice {invoice_label(inv)} has {cents_text(room)} left to credit; "
                f"{cents_text(amount_cents)} is more",
                subject=invoice_label(inv),
            )
        note = write_credit_note(tx, inv, amount_cents, why)
        tx.audit(detail={"invoice": inv.number, "credit_note": note.number, "cents": amount_cents})
        assert note.id is not None and inv.id is not None
        return CreditNoteIssued(note.id, note.number, inv.id, amount_cents)


def credit_notes_of(session: Session, invoice_id: int) -> list[CreditNote]:
    return list(session.exec(select(CreditNote).where(CreditNote.invoice_id == invoice_id)).all())
