"""The prepaid package liability on a day, the number an accountant asks for at month end:
per patient, the package credits sold and not yet used, expired or refunded, at their
allocated price."""

from __future__ import annotations

from ledger.access import Actor
from ledger.clock import end_of_day
from ledger.database import Database
from ledger.queries.billing_accounts import package_liability
from reports.billing_scope import money_range, open_billing_scope
from reports.model import Column, Fact, Kind, Part, Report, Row, Total
from reports.scope import Request

OWED = (
    Column("Patient", width=24, wrap=True),
    Column("MRN", width=10),
    Column("Unused credits", Kind.INTEGER, width=8),
    Column("First expiry", Kind.DATE, width=11),
    Column("Liability", Kind.MONEY, width=12),
)


def build(db: Database, actor: Actor, request: Request) -> Report:
    day = request.date_to
    with db.read() as session:
        scope = open_billing_scope(session, actor, request)
        owed = package_liability(session, day)
        first, last = money_range(session, scope, until=end_of_day(scope.timezone, day))
    rows: list[Row] = [(x.patient_name, x.mrn, x.credits, x.next_expiry, x.cents) for x in owed]
    return Report(
        name="package-liability",
        title="Prepaid package liability",
        header=scope.header(),
        period=scope.on(day),
        filters=(Fact("As of", day.isoformat()),),
        parts=(
            Part(
                title="Unused, unexpired package credits",
                sheet="Liability",
                columns=OWED,
                rows=lambda: iter(rows),
                totals=(
                    Total("Credits outstanding", sum(x.credits for x in owed), Kind.INTEGER),
                    Total("Total liability", sum(x.cents for x in owed), Kind.MONEY),
                ),
                note="Each credit counts at its allocated price (package price / sessions, the "
                "remainder cents on the first credit).",
            ),
        ),
        integrity=scope.integrity(first, last),
        timezone=scope.timezone,
    )
