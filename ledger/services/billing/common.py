"""What every billing service shares: the clinic's date, codes, reasons, finding an invoice and
what it is owed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from ledger.clock import local_date
from ledger.errors import InvalidText, UnknownRecord
from ledger.models import CreditNote, Invoice, InvoiceStatus, Payment, PaymentRefund
from ledger.models.base import table_of
from ledger.text import clean_text
from ledger.unit_of_work import UnitOfWork

_CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,31}")
_NUMBER = re.compile(r"(INV|CN)-\d{4}-\d{6}")


def clinic_day(tx: UnitOfWork) -> date:
    """Today on the clinic's clock: billing dates, aging and expiry all count from it."""
    return local_date(tx.settings.timezone, tx.entered_at)


def clean_code(value: object, what: str = "code") -> str:
    """A price-list or package code: upper case letters, digits, `.`, `_`, `-`; up to 32."""
    text = clean_text(value, what, 32, one_line=True).upper()
    if not _CODE.fullmatch(text):
        raise InvalidText(
            f"{what} {text!r} may hold only letters, digits, '.', '_' and '-'", subject=text
        )
    return text


def clean_billing_code(value: object, what: str) -> str | None:
    """A CPT/HCPCS code or other billing code as typed (96365, J3490), or None."""
    text = clean_text(value, what, 16, required=False, one_line=True).upper()
    return text or None


def reason_text(value: object, what: str = "reason") -> str:
    return clean_text(value, what, 500)


def find_invoice(session: Session, ref: str | int, *, lock: bool = False) -> Invoice:
    """An invoice by its draft id (`12`) or its issued number (`INV-2026-000123`)."""
    text = str(ref).strip().upper()
    stmt = select(Invoice)
    if text.isdigit():
        stmt = stmt.where(Invoice.id == int(text))
    elif _NUMBER.fullmatch(text):
        stmt = stmt.where(Invoice.number == text)
    else:
        raise UnknownRecord(
            f"{str(ref)!r} is neither an invoice id nor an invoice number (INV-YYYY-NNNNNN)",
            subject=str(ref),
        )
    if lock:
        stmt = stmt.with_for_update()
    invoice = session.exec(stmt).first()
    if invoice is None or invoice.id is None:
        raise UnknownRecord(f"no invoice {text}", subject=text)
    return invoice


def invoice_label(invoice: Invoice) -> str:
    """Its number once issued, else `draft N`."""
    return invoice.number or f"draft {invoice.id}"


@dataclass(frozen=True)
class InvoiceFigures:
    """What an invoice is owed, exact to the cent."""

    total_cents: int
    #: Sum of its credit notes.
    credited_cents: int
    #: Payments applied to it, less what was refunded from them.
    paid_cents: int

    @property
    def balance_cents(self) -> int:
        return self.total_cents - self.credited_cents - self.paid_cents


def figures(session: Session, invoice: Invoice) -> InvoiceFigures:
    """Totals of an invoice. A draft's total is the sum of its lines; a void owes nothing."""
    from ledger.services.billing.lines import lines_total

    if invoice.status == InvoiceStatus.DRAFT:
        return InvoiceFigures(lines_total(session, invoice), 0, 0)
    cn, p, r = table_of(CreditNote), table_of(Payment), table_of(PaymentRefund)
    credited = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(cn.c.amount_cents), 0)).where(
            cn.c.invoice_id == invoice.id
        )
    ).scalar_one()
    applied = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(p.c.applied_cents), 0)).where(
            p.c.invoice_id == invoice.id
        )
    ).scalar_one()
    refunded = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(r.c.amount_cents), 0))
        .select_from(r.join(p, p.c.id == r.c.payment_id))
        .where(p.c.invoice_id == invoice.id)
    ).scalar_one()
    total = int(invoice.total_cents or 0)
    if invoice.status == InvoiceStatus.VOID:
        return InvoiceFigures(0, int(credited), int(applied) - int(refunded))
    return InvoiceFigures(total, int(credited), int(applied) - int(refunded))
