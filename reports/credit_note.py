"""One credit note on the clinic's letterhead: its number, the invoice it credits, the reason
and the amount. The invoice itself never changes; the note lowers what the patient owes."""

from __future__ import annotations

from ledger.access import Actor
from ledger.database import Database
from ledger.models import Invoice, Patient
from ledger.queries.billing_documents import credit_note_by_ref
from ledger.queries.billing_parties import identity_of
from reports.billing_scope import money_range, needs, open_billing_scope
from reports.letterhead import letterhead, patient_block
from reports.model import Column, Fact, Kind, Part, Report, Row, Total
from reports.scope import Request

NOTE = (
    Column("Credit note", width=16),
    Column("Date", Kind.DATE, width=11),
    Column("Invoice credited", width=16),
    Column("Invoice total", Kind.MONEY, width=12),
    Column("Reason", width=40, wrap=True),
    Column("Amount credited", Kind.MONEY, width=12),
)


def build(db: Database, actor: Actor, request: Request) -> Report:
    ref = needs(request, "credit_note", "--credit-note NUMBER")
    with db.read() as session:
        scope = open_billing_scope(session, actor, request)
        note = credit_note_by_ref(session, ref)
        invoice = session.get(Invoice, note.invoice_id)
        patient = session.get(Patient, note.patient_id)
        assert invoice is not None and patient is not None
        who = identity_of(patient)
        first, last = money_range(session, scope, patient_id=note.patient_id, until=note.issued_at)
    row: Row = (
        note.number,
        note.issued_on,
        invoice.number or "",
        int(invoice.total_cents or 0),
        note.reason,
        note.amount_cents,
    )
    return Report(
        name="credit-note",
        title=f"Credit note {note.number}",
        header=scope.header() + (Fact("Credited to", f"{who.name} (MRN {who.mrn})"),),
        period=scope.on(note.issued_on),
        filters=(Fact("Invoice", invoice.number or ""),),
        parts=(
            letterhead(scope.clinic),
            patient_block(who, "Credited to"),
            Part(
                title="Credit",
                columns=NOTE,
                rows=lambda: iter([row]),
                totals=(Total("Amount credited", note.amount_cents, Kind.MONEY),),
                note="The invoice credited is unchanged; this note lowers what is owed on it.",
            ),
        ),
        integrity=scope.integrity(first, last),
        timezone=scope.timezone,
    )
