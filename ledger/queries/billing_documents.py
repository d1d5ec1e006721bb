"""Finding a billing document by what a person types: an invoice by its id or number, a
credit note by its number or id, a payment by its id."""

from __future__ import annotations

from sqlmodel import Session, func, select

from ledger.errors import UnknownRecord
from ledger.models.billing import CreditNote, Invoice
from ledger.models.billing_money import Payment


def invoice_by_ref(session: Session, ref: str | int) -> Invoice:
    text = str(ref).strip()
    found = None
    if text.isdigit():
        found = session.get(Invoice, int(text))
    if found is None:
        found = session.exec(
            select(Invoice).where(func.upper(Invoice.number) == text.upper())
        ).first()
    if found is None or found.id is None:
        raise UnknownRecord(
            f"no invoice {text[:40]!r} (give its id or INV-YYYY-NNNNNN)", subject=text[:40]
        )
    return found


def credit_note_by_ref(session: Session, ref: str | int) -> CreditNote:
    text = str(ref).strip()
    found = None
    if text.isdigit():
        found = session.get(CreditNote, int(text))
    if found is None:
        found = session.exec(
            select(CreditNote).where(func.upper(CreditNote.number) == text.upper())
        ).first()
    if found is None or found.id is None:
        raise UnknownRecord(f"no credit note {text[:40]!r}", subject=text[:40])
    return found


def payment_by_id(session: Session, payment_id: int | str) -> Payment:
    text = str(payment_id).strip()
    found = session.get(Payment, int(text)) if text.isdigit() else None
    if found is None or found.id is None:
        raise UnknownRecord(f"no payment {text[:40]!r}", subject=text[:40])
    return found
