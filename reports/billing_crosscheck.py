"""The billing <-> dispensing cross-check as a document: every infusion given but not billed,
every infusion service billed with no administration that day, and time and drug units that
disagree with the chart (ledger/queries/billing_crosscheck.py)."""

from __future__ import annotations

from datetime import timedelta

from ledger.access import Actor
from ledger.clock import end_of_day
from ledger.database import Database
from ledger.queries.billing_crosscheck import KINDS, crosscheck
from reports.billing_scope import money_range, open_billing_scope
from reports.model import Column, Kind, Part, Report, Row, Total
from reports.scope import Request

FINDINGS = (
    Column("Date", Kind.DATE, width=11),
    Column("Patient", width=10),
    Column("Finding", width=28),
    Column("Infusion", Kind.INTEGER, width=8),
    Column("What disagrees", width=70, wrap=True),
)


def build(db: Database, actor: Actor, request: Request) -> Report:
    with db.read() as session:
        scope = open_billing_scope(session, actor, request)
        found = crosscheck(session, scope.timezone, request.date_from, request.date_to)
        first, last = money_range(
            session,
            scope,
            after=end_of_day(scope.timezone, request.date_from - timedelta(days=1)),
            until=end_of_day(scope.timezone, request.date_to),
        )
    rows: list[Row] = [(f.day, f.patient, f.kind, f.infusion, f.message) for f in found]
    totals = tuple(
        Total(kind.replace("_", " "), sum(1 for f in found if f.kind == kind), Kind.INTEGER)
        for kind in KINDS
    )
    return Report(
        name="billing-crosscheck",
        title="Billing and dispensing cross-check",
        header=scope.header(),
        period=scope.period,
        filters=(),
        parts=(
            Part(
                title="Findings",
                columns=FINDINGS,
                rows=lambda: iter(rows),
                totals=totals,
                note="An empty list means every infusion given was billed or paid by a credit, "
                "and every billed infusion service matches an administration, its time units "
                "and its mg.",
            ),
        ),
        integrity=scope.integrity(first, last),
        timezone=scope.timezone,
    )
