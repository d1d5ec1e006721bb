"""A patient's statement for a period on the clinic's letterhead: the opening balance, every
invoice, void, credit note, payment and refund with the running balance, and the closing
balance (negative: credit in the patient's favour)."""

from __future__ import annotations

from datetime import timedelta

from ledger.access import Actor
from ledger.clock import end_of_day
from ledger.database import Database
from ledger.queries.billing_parties import patient_identity
from ledger.queries.billing_statement import statement
from reports.billing_scope import money_range, needs, open_billing_scope
from reports.letterhead import letterhead, patient_block
from reports.model import Column, Fact, Kind, Part, Report, Row, Total
from reports.scope import Request

ACTIVITY = (
    Column("Date", Kind.DATE, width=11),
    Column("Document", width=16),
    Column("Description", width=44, wrap=True),
    Column("Charges", Kind.MONEY, width=11),
    Column("Credits", Kind.MONEY, width=11),
    Column("Balance", Kind.MONEY, width=12),
)


def build(db: Database, actor: Actor, request: Request) -> Report:
    mrn = needs(request, "patient", "--patient MRN")
    with db.read() as session:
        scope = open_billing_scope(session, actor, request)
        who = patient_identity(session, mrn)
        st = statement(session, who.patient_id, request.date_from, request.date_to)
        first, last = money_range(
            session,
            scope,
            patient_id=who.patient_id,
            after=end_of_day(scope.timezone, request.date_from - timedelta(days=1)),
            until=end_of_day(scope.timezone, request.date_to),
        )
    rows: list[Row] = [(request.date_from, "", "Opening balance", None, None, st.opening_cents)]
    running = st.opening_cents
    for e in st.events:
        running += e.cents
        rows.append(
            (
                e.day,
                e.document,
                e.description,
                e.cents if e.cents > 0 else None,
                -e.cents if e.cents < 0 else None,
                running,
            )
        )
    return Report(
        name="statement",
        title=f"Statement: {who.name}",
        header=scope.header() + (Fact("Patient", f"{who.name} (MRN {who.mrn})"),),
        period=scope.period,
        filters=(Fact("Patient", f"{who.name} (MRN {who.mrn})"),),
        parts=(
            letterhead(scope.clinic),
            patient_block(who),
            Part(
                title="Account activity",
                sheet="Activity",
                columns=ACTIVITY,
                rows=lambda: iter(rows),
                totals=(
                    Total("Opening balance", st.opening_cents, Kind.MONEY),
                    Total("Charges", st.charges_cents, Kind.MONEY),
                    Total("Credits and payments", st.credits_cents, Kind.MONEY),
                    Total("Closing balance", st.closing_cents, Kind.MONEY),
                ),
                note="A negative balance is credit in the patient's favour. Patient credit "
                "applied to a later invoice moves no money and changes no balance.",
            ),
        ),
        integrity=scope.integrity(first, last),
        timezone=scope.timezone,
    )
