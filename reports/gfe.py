"""A good faith estimate as it was given (45 CFR 149.610): patient and date of birth, the
services in plain words with CPT/HCPCS and diagnosis codes and expected charges, the clinic's
and rendering provider's names, NPIs, tax ID and location, and the required disclaimers."""

from __future__ import annotations

from ledger.access import Actor
from ledger.database import Database
from ledger.errors import InvalidText
from ledger.queries.billing_estimates import DISCLAIMERS, estimate_view
from ledger.queries.billing_parties import Provider
from reports.billing_scope import money_range, needs, open_billing_scope
from reports.letterhead import letterhead, patient_block
from reports.model import Column, Fact, Kind, Part, Report, Row, Total
from reports.scope import Request

SERVICES = (
    Column("Service", width=40, wrap=True),
    Column("Code", width=9),
    Column("CPT", width=7),
    Column("HCPCS", width=7),
    Column("Diagnosis codes", width=14, wrap=True),
    Column("Quantity", Kind.INTEGER, width=7),
    Column("Unit charge", Kind.MONEY, width=11),
    Column("Expected charge", Kind.MONEY, width=12),
)
DISCLAIMER = (
    Column("#", Kind.INTEGER, width=3),
    Column("What you should know", width=90, wrap=True),
)
DATES = (
    Column("Scheduled for", width=12),
    Column("Requested by the patient", width=10),
    Column("Due by", width=11),
    Column("Given", Kind.DATETIME, width=16),
    Column("Covers services up to", width=12),
)


def build(db: Database, actor: Actor, request: Request) -> Report:
    text = needs(request, "estimate", "--estimate ID")
    if not text.isdigit():
        raise InvalidText(f"--estimate takes the estimate's number, not {text!r}")
    with db.read() as session:
        scope = open_billing_scope(session, actor, request)
        v = estimate_view(session, int(text))
        first, last = money_range(session, scope, patient_id=v.patient.patient_id, until=v.given_at)
    codes = ", ".join(v.diagnoses) or "-"
    services: list[Row] = [
        (ln.description, ln.code, ln.cpt or "", ln.hcpcs or "", codes, ln.quantity,
         ln.unit_cents, ln.line_cents)
        for ln in v.lines
    ]  # fmt: skip
    dates: list[Row] = [
        (
            v.scheduled_for.isoformat() if v.scheduled_for else "-",
            "yes" if v.requested else "no",
            v.due_on.isoformat() if v.due_on else "not required",
            scope.local(v.given_at),
            v.valid_until.isoformat() if v.valid_until else "-",
        )
    ]
    notes: list[Row] = [(i, d) for i, d in enumerate(DISCLAIMERS, 1)]
    provider = v.provider or Provider(0, "-", "-")
    return Report(
        name="gfe",
        title=f"Good Faith Estimate {v.estimate_id}: {v.patient.name}",
        header=scope.header()
        + (Fact("Rendering provider", provider.name), Fact("Provider NPI", provider.npi)),
        period=scope.on(v.created_on),
        filters=(
            Fact("Patient", f"{v.patient.name} (MRN {v.patient.mrn})"),
            Fact("Born", v.patient.dob.isoformat()),
        ),
        parts=(
            letterhead(v.clinic, v.provider),
            patient_block(v.patient),
            Part(title="Dates", columns=DATES, rows=lambda: iter(dates)),
            Part(
                title="Expected services and charges",
                sheet="Services",
                columns=SERVICES,
                rows=lambda: iter(services),
                totals=(Total("Total expected charges", v.total_cents, Kind.MONEY),),
                note=v.note or "",
            ),
            Part(title="Disclaimers", columns=DISCLAIMER, rows=lambda: iter(notes)),
        ),
        integrity=scope.integrity(first, last),
        timezone=scope.timezone,
    )
