"""Accounts receivable aging on a day: each issued invoice still owed, by how long since it
was issued (current 0-30 days, 31-60, 61-90, over 90), per patient and in total."""

from __future__ import annotations

from ledger.access import Actor
from ledger.clock import end_of_day
from ledger.database import Database
from ledger.queries.billing_accounts import AGING_BUCKETS, aging_bucket, open_invoices
from reports.billing_scope import money_range, open_billing_scope
from reports.model import Column, Fact, Kind, Part, Report, Row, Total
from reports.scope import Request

AGED = (
    Column("Patient", width=24, wrap=True),
    Column("MRN", width=10),
    Column("Invoice", width=16),
    Column("Issued", Kind.DATE, width=11),
    Column("Days", Kind.INTEGER, width=6),
) + tuple(Column(b.capitalize(), Kind.MONEY, width=12) for b in AGING_BUCKETS)


def build(db: Database, actor: Actor, request: Request) -> Report:
    day = request.date_to
    with db.read() as session:
        scope = open_billing_scope(session, actor, request)
        owed = [o for o in open_invoices(session, day) if o.owed_cents > 0]
        first, last = money_range(session, scope, until=end_of_day(scope.timezone, day))
    totals = [0, 0, 0, 0]
    rows: list[Row] = []
    for o in owed:
        b = aging_bucket(o.issued_on, day)
        totals[b] += o.owed_cents
        cells: list[int | None] = [None, None, None, None]
        cells[b] = o.owed_cents
        rows.append(
            (o.patient_name, o.mrn, o.number, o.issued_on, (day - o.issued_on).days, *cells)
        )
    return Report(
        name="ar-aging",
        title="Accounts receivable aging",
        header=scope.header(),
        period=scope.on(day),
        filters=(Fact("As of", day.isoformat()),),
        parts=(
            Part(
                title="Invoices still owed",
                sheet="Aging",
                columns=AGED,
                rows=lambda: iter(rows),
                totals=tuple(
                    Total(b.capitalize(), t, Kind.MONEY)
                    for b, t in zip(AGING_BUCKETS, totals, strict=True)
                )
                + (Total("Total receivable", sum(totals), Kind.MONEY),),
                note="Age counts from the invoice's issue date. Credit notes, payments and "
                "refunds up to the day are taken into account; void invoices owe nothing.",
            ),
        ),
        integrity=scope.integrity(first, last),
        timezone=scope.timezone,
    )
