"""The superbill for one patient's date of service, for out-of-network reimbursement: the
clinic's letterhead with its NPI and tax ID, the rendering provider and NPI, the patient and
date of birth, the ICD-10-CM codes, and the CPT/HCPCS lines with units (from the recorded
start and end), charges and the amount paid. Only infusions actually recorded appear."""

from __future__ import annotations

from ledger.access import Actor
from ledger.clock import end_of_day
from ledger.database import Database
from ledger.queries.billing_superbill import superbill
from reports.billing_scope import money_range, needs, open_billing_scope
from reports.letterhead import letterhead, patient_block
from reports.model import Column, Fact, Kind, Part, Report, Row, Total
from reports.scope import Request

SERVICES = (
    Column("Date of service", Kind.DATE, width=10),
    Column("CPT/HCPCS", width=9),
    Column("Description", width=38, wrap=True),
    Column("Units", Kind.INTEGER, width=5),
    Column("Charge", Kind.MONEY, width=10),
    Column("Paid", Kind.MONEY, width=10),
    Column("Billed on", width=18, wrap=True),
)


def build(db: Database, actor: Actor, request: Request) -> Report:
    mrn = needs(request, "patient", "--patient MRN")
    with db.read() as session:
        scope = open_billing_scope(session, actor, request)
        bill = superbill(session, mrn, request.date_to)
        first, last = money_range(
            session,
            scope,
            patient_id=bill.patient.patient_id,
            until=end_of_day(scope.timezone, request.date_to),
        )
    day = bill.service_on
    several = len(bill.providers) > 1
    lines: list[Row] = [
        (
            day,
            ln.code,
            # With more than one rendering provider that day, each line names its own.
            f"{ln.description} (rendered by {ln.provider.name}, NPI {ln.provider.npi})"
            if several and ln.provider is not None
            else ln.description,
            ln.units,
            ln.charge_cents,
            ln.paid_cents,
            ln.billed_on,
        )
        for ln in bill.lines
    ]
    charges, paid = bill.charges_cents, bill.paid_cents
    return Report(
        name="superbill",
        title=f"Superbill: {bill.patient.name}, date of service {day.isoformat()}",
        header=scope.header()
        + (
            Fact("Rendering provider", bill.provider.name),
            Fact("Provider NPI", bill.provider.npi),
        ),
        period=scope.on(day),
        filters=(
            Fact("Patient", f"{bill.patient.name} (MRN {bill.patient.mrn})"),
            Fact("Born", bill.patient.dob.isoformat()),
        ),
        parts=(
            letterhead(bill.clinic, bill.provider),
            patient_block(bill.patient, diagnoses=bill.diagnoses),
            Part(
                title="Services",
                columns=SERVICES,
                rows=lambda: iter(lines),
                totals=(
                    Total("Total charges", charges, Kind.MONEY),
                    Total("Amount paid", paid, Kind.MONEY),
                    Total("Balance", charges - paid, Kind.MONEY),
                ),
                note="Infusion time units come from the recorded start and end: 96365 for the "
                "first hour, 96366 for each further hour beyond 30 minutes. Only services "
                "delivered on this date are listed; prepaid sessions not yet given are not.",
            ),
        ),
        integrity=scope.integrity(first, last),
        signatures=("Rendering provider",),
        timezone=scope.timezone,
    )
