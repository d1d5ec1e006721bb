"""Invoices: a draft for a patient, issued with the next gapless number, and shown with what
it is owed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import InfusionNotPending, InvoiceEmpty, InvoiceTotalNegative
from ledger.models import Invoice, InvoiceLine, InvoiceStatus, Patient
from ledger.models.base import table_of
from ledger.queries.reversals import reversed_infusion
from ledger.services.billing.chain import seal
from ledger.services.billing.common import (
    clinic_day,
    figures,
    find_invoice,
    invoice_label,
)
from ledger.services.billing.credits import grant_credits
from ledger.services.billing.lines import Line, draft_invoice, invoice_lines, line_view, lines_total
from ledger.services.billing.numbering import INVOICE_SERIES, next_number
from ledger.services.patients import patient_by_mrn
from ledger.unit_of_work import act, look


@dataclass(frozen=True)
class InvoiceIssued:
    invoice_id: int
    number: str
    total_cents: int
    #: Credits granted by the packages it sold.
    credit_ids: list[int]


@dataclass(frozen=True)
class InvoiceView:
    """An invoice with its lines and what it is owed, as shown and exported."""

    id: int
    number: str | None
    status: str
    patient_id: int
    mrn: str
    patient: str
    created_at: datetime
    issued_at: datetime | None
    issued_on: date | None
    lines: list[Line]
    total_cents: int
    credited_cents: int
    paid_cents: int
    balance_cents: int
    void_reason: str | None


@audited("billing.invoice")
def new_invoice(db: Database, actor: Actor, *, patient: str) -> int:
    """Open a draft invoice for the patient with this MRN; returns its id."""
    with act(db, actor, "billing.invoice") as tx:
        person = patient_by_mrn(tx.session, patient)
        assert person.id is not None
        invoice = Invoice(
            patient_id=person.id,
            status=InvoiceStatus.DRAFT,
            created_at=tx.entered_at,
            created_by_id=tx.user_id,
        )
        tx.session.add(invoice)
        tx.session.flush()
        assert invoice.id is not None
        tx.audit(detail={"invoice": invoice.id, "patient": person.mrn})
        return invoice.id


@audited("billing.invoice")
def issue_invoice(db: Database, actor: Actor, invoice: str | int) -> InvoiceIssued:
    """Issue a draft: its number is the next of the year, its lines and total are fixed, and
    the packages it sells grant their credits, all in this one transaction."""
    with act(db, actor, "billing.invoice") as tx:
        draft = draft_invoice(tx, invoice)
        assert draft.id is not None
        if not invoice_lines(tx.session, draft.id):
            raise InvoiceEmpty(
                f"invoice {invoice_label(draft)} has no lines", subject=str(draft.id)
            )
        withdrawn = reversed_lines(tx.session, draft.id)
        if withdrawn:
            # The infusion was reversed after its line was put on the draft: the drug ledger
            # says it never happened, so the clinic cannot bill it.
            listed = ", ".join(f"line {line} (infusion {inf})" for line, inf in withdrawn)
            raise InfusionNotPending(
                f"invoice {invoice_label(draft)} bills reversed infusions: {listed}; "
                "remove those lines first",
                subject=str(withdrawn[0][1]),
            )
        total = lines_total(tx.session, draft)
        if total < 0:
            raise InvoiceTotalNegative(f"invoice {invoice_label(draft)} totals below 0.00")
        day = clinic_day(tx)
        draft.number = next_number(tx.session, INVOICE_SERIES, day.year)
        draft.status = InvoiceStatus.ISSUED
        draft.issued_at = tx.entered_at
        draft.issued_by_id = tx.user_id
        draft.issued_on = day
        draft.total_cents = total
        tx.session.add(draft)
        tx.session.flush()
        seal(
            tx,
            kind="invoice_issue",
            amount_cents=total,
            source_table="invoice",
            source_id=draft.id,
            document=draft.number,
            patient_id=draft.patient_id,
        )
        credits = grant_credits(tx, draft)
        tx.audit(detail={"invoice": draft.id, "number": draft.number, "total_cents": total})
        return InvoiceIssued(draft.id, draft.number, total, credits)


def reversed_lines(session: Session, invoice_id: int) -> list[tuple[int, int]]:
    """(line id, infusion id) of the draft's lines billing an infusion since reversed."""
    line = table_of(InvoiceLine)
    rows = session.execute(
        sa.select(line.c.id, line.c.infusion_id)
        .where(line.c.invoice_id == invoice_id, reversed_infusion(line.c.infusion_id))
        .order_by(line.c.id)
    ).all()
    return [(int(r.id), int(r.infusion_id)) for r in rows]


def invoice_view(session: Session, invoice: Invoice) -> InvoiceView:
    from ledger.models import InvoiceVoid

    assert invoice.id is not None
    person = session.get(Patient, invoice.patient_id)
    assert person is not None
    f = figures(session, invoice)
    void = session.exec(select(InvoiceVoid).where(InvoiceVoid.invoice_id == invoice.id)).first()
    return InvoiceView(
        id=invoice.id,
        number=invoice.number,
        status=invoice.status,
        patient_id=invoice.patient_id,
        mrn=person.mrn,
        patient=person.name,
        created_at=invoice.created_at,
        issued_at=invoice.issued_at,
        issued_on=invoice.issued_on,
        lines=[line_view(r) for r in invoice_lines(session, invoice.id)],
        total_cents=int(invoice.total_cents) if invoice.total_cents is not None else f.total_cents,
        credited_cents=f.credited_cents,
        paid_cents=f.paid_cents,
        balance_cents=f.balance_cents,
        void_reason=void.reason if void else None,
    )


def show_invoice(db: Database, actor: Actor, invoice: str | int) -> InvoiceView:
    """An invoice by draft id or issued number, with its lines and balance."""
    with look(db, actor, "billing.read") as tx:
        return invoice_view(tx.session, find_invoice(tx.session, invoice))


def patient_invoices(db: Database, actor: Actor, *, patient: str) -> list[InvoiceView]:
    """Every invoice of a patient, newest first (the patient account screen)."""
    with look(db, actor, "billing.read") as tx:
        person = patient_by_mrn(tx.session, patient)
        rows = tx.session.exec(
            select(Invoice).where(Invoice.patient_id == person.id).order_by(col(Invoice.id).desc())
        ).all()
        return [invoice_view(tx.session, r) for r in rows]
