"""Good faith estimates as they were given, and the $400 check of bills against them
(45 CFR 149.620: billed charges $400 or more above the estimate open the patient-provider
dispute process)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.clock import local_date
from ledger.errors import UnknownRecord
from ledger.models import Patient, User
from ledger.models.base import table_of
from ledger.models.billing import CreditNote, Invoice, InvoiceLine, InvoiceStatus, LineKind
from ledger.models.billing_records import EstimateLine, GoodFaithEstimate
from ledger.queries.billing_parties import (
    ClinicIdentity,
    PatientIdentity,
    Provider,
    clinic_identity,
    identity_of,
)

#: The difference that opens the dispute process, in cents.
DISPUTE_THRESHOLD_CENTS = 40_000

#: What every estimate says, in the order 45 CFR 149.610(c) lists them.
DISCLAIMERS: tuple[str, ...] = (
    "This Good Faith Estimate shows the costs of items and services that are reasonably "
    "expected for your health care needs for an item or service. The estimate is based on "
    "information known at the time the estimate was created.",
    "The Good Faith Estimate does not include any unknown or unexpected costs that may arise "
    "during treatment. You could be charged more if complications or special circumstances "
    "occur. There may be additional items or services the provider recommends as part of "
    "your course of care that must be scheduled or requested separately and are not "
    "reflected in this estimate.",
    "If you are billed for more than this Good Faith Estimate, you have the right to dispute "
    "the bill. You may contact the health care provider or facility listed to let them know "
    "the billed charges are higher than the Good Faith Estimate. You can ask them to update "
    "the bill to match the Good Faith Estimate, ask to negotiate the bill, or ask if there is "
    "financial assistance available.",
    "You may also start a dispute resolution process with the U.S. Department of Health and "
    "Human Services (HHS) if your billed charges are $400 or more above this Good Faith "
    "Estimate. You must start the dispute process within 120 calendar days (about 4 months) "
    "of the date on the original bill. There is a $25 fee to use the dispute process. If the "
    "agency reviewing your dispute agrees with you, you will have to pay the price on this "
    "Good Faith Estimate; if it disagrees and agrees with the provider, you will have to pay "
    "the higher amount.",
    "Starting a dispute will not adversely affect the quality of the health care services "
    "you receive from this provider or facility.",
    "To learn more and get a form to start the process, go to www.cms.gov/nosurprises or "
    "call 1-800-985-3059. For questions or more information about your right to a Good Faith "
    "Estimate or the dispute process, visit www.cms.gov/nosurprises.",
    "This Good Faith Estimate is not a contract and does not require you to obtain the items "
    "or services from any of the providers or facilities identified in it.",
    "Keep a copy of this Good Faith Estimate in a safe place or take pictures of it. You may "
    "need it if you are billed a higher amount.",
)


@dataclass(frozen=True)
class EstimateLineView:
    item_code: str | None
    package_code: str | None
    description: str
    cpt: str | None
    hcpcs: str | None
    quantity: int
    unit_cents: int
    line_cents: int

    @property
    def code(self) -> str:
        return self.item_code or self.package_code or ""


@dataclass(frozen=True)
class EstimateView:
    estimate_id: int
    patient: PatientIdentity
    clinic: ClinicIdentity
    provider: Provider | None
    diagnoses: tuple[str, ...]
    scheduled_for: date | None
    requested: bool
    created_on: date
    due_on: date | None
    given_at: datetime | None
    valid_until: date | None
    total_cents: int
    note: str | None
    lines: tuple[EstimateLineView, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, object]:
        return {
            "estimate": self.estimate_id,
            "patient": self.patient.mrn,
            "patient_name": self.patient.name,
            "dob": self.patient.dob.isoformat(),
            "diagnoses": list(self.diagnoses),
            "scheduled_for": self.scheduled_for.isoformat() if self.scheduled_for else None,
            "requested": self.requested,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "given_at": self.given_at.isoformat() if self.given_at else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "total_cents": self.total_cents,
            "clinic": {
                "name": self.clinic.name,
                "address": self.clinic.address,
                "npi": self.clinic.npi,
                "tax_id": self.clinic.tax_id,
            },
            "provider": (
                {"name": self.provider.name, "npi": self.provider.npi} if self.provider else None
            ),
            "lines": [
                {
                    "code": ln.code,
                    "description": ln.description,
                    "cpt": ln.cpt,
                    "hcpcs": ln.hcpcs,
                    "quantity": ln.quantity,
                    "unit_cents": ln.unit_cents,
                    "line_cents": ln.line_cents,
                }
                for ln in self.lines
            ],
            "disclaimers": list(DISCLAIMERS),
        }


def estimate_view(session: Session, estimate_id: int) -> EstimateView:
    e = session.get(GoodFaithEstimate, estimate_id)
    if e is None or e.id is None:
        raise UnknownRecord(f"no good faith estimate {estimate_id}", subject=str(estimate_id))
    patient = session.get(Patient, e.patient_id)
    assert patient is not None
    clinic = clinic_identity(session, complete=False)
    provider = None
    if e.provider_id is not None:
        u = session.get(User, e.provider_id)
        if u is not None and u.id is not None:
            provider = Provider(u.id, u.full_name, u.npi or "")
    lines = session.exec(
        select(EstimateLine).where(EstimateLine.estimate_id == e.id).order_by(col(EstimateLine.id))
    ).all()
    return EstimateView(
        estimate_id=e.id,
        patient=identity_of(patient),
        clinic=clinic,
        provider=provider,
        diagnoses=tuple(c for c in e.diagnoses.split(",") if c),
        scheduled_for=e.scheduled_for,
        requested=e.requested,
        created_on=local_date(clinic.timezone, e.created_at),
        due_on=e.due_on,
        given_at=e.given_at,
        valid_until=e.valid_until,
        total_cents=e.total_cents,
        note=e.note,
        lines=tuple(
            EstimateLineView(
                ln.item_code,
                ln.package_code,
                ln.description,
                ln.cpt,
                ln.hcpcs,
                ln.quantity,
                ln.unit_cents,
                ln.line_cents,
            )
            for ln in lines
        ),
    )


@dataclass(frozen=True)
class EstimateCheck:
    """One estimate against what was billed for its services in its period."""

    estimate_id: int
    patient: str
    patient_name: str
    starts_on: date
    ends_on: date
    estimated_cents: int
    billed_cents: int

    @property
    def over_cents(self) -> int:
        return self.billed_cents - self.estimated_cents

    @property
    def flagged(self) -> bool:
        return self.over_cents >= DISPUTE_THRESHOLD_CENTS

    def as_json(self) -> dict[str, object]:
        return {
            "estimate": self.estimate_id,
            "patient": self.patient,
            "patient_name": self.patient_name,
            "from": self.starts_on.isoformat(),
            "to": self.ends_on.isoformat(),
            "estimated_cents": self.estimated_cents,
            "billed_cents": self.billed_cents,
            "over_cents": self.over_cents,
            "flagged": self.flagged,
        }


def estimate_checks(session: Session, *, patient_id: int | None = None) -> list[EstimateCheck]:
    """Every estimate in force (not replaced by a newer one for the same patient whose period
    starts inside it) against the patient's issued, unvoided invoice lines for its services
    issued in its period, less the credit notes on those invoices (up to the matched part)."""
    ln = table_of(EstimateLine)
    tz = clinic_identity(session, complete=False).timezone
    stmt = select(GoodFaithEstimate).order_by(
        col(GoodFaithEstimate.patient_id), col(GoodFaithEstimate.id)
    )
    if patient_id is not None:
        stmt = stmt.where(GoodFaithEstimate.patient_id == patient_id)
    estimates = list(session.exec(stmt))
    codes: dict[int, set[str]] = {}
    for est_id, item, package in session.execute(
        sa.select(ln.c.estimate_id, ln.c.item_code, ln.c.package_code).where(
            ln.c.estimate_id.in_([e.id for e in estimates] or [-1])
        )
    ):
        codes.setdefault(est_id, set()).update(c for c in (item, package) if c)
    out: list[EstimateCheck] = []
    for i, e in enumerate(estimates):
        assert e.id is not None
        start = local_date(tz, e.created_at)
        end = e.valid_until or start
        later = [
            x
            for x in estimates[i + 1 :]
            if x.patient_id == e.patient_id and start <= local_date(tz, x.created_at) <= end
        ]
        if later:
            continue  # replaced: the newer estimate is the one the patient holds
        billed = _billed(session, e.patient_id, codes.get(e.id, set()), start, end)
        patient = session.get(Patient, e.patient_id)
        assert patient is not None
        out.append(
            EstimateCheck(e.id, patient.mrn, patient.name, start, end, e.total_cents, billed)
        )
    return out


def _billed(session: Session, patient_id: int, codes: set[str], start: date, end: date) -> int:
    if not codes:
        return 0
    i, ln, cn = table_of(Invoice), table_of(InvoiceLine), table_of(CreditNote)
    matched = session.execute(
        sa.select(i.c.id, sa.func.sum(ln.c.line_cents))
        .join(ln, ln.c.invoice_id == i.c.id)
        .where(
            i.c.patient_id == patient_id,
            i.c.status == InvoiceStatus.ISSUED,
            i.c.issued_on >= start,
            i.c.issued_on <= end,
            ln.c.kind.in_([LineKind.ITEM, LineKind.PACKAGE, LineKind.INFUSION]),
            ln.c.code.in_(sorted(codes)),
        )
        .group_by(i.c.id)
    ).all()
    if not matched:
        return 0
    credited = dict(
        session.execute(
            sa.select(cn.c.invoice_id, sa.func.sum(cn.c.amount_cents))
            .where(cn.c.invoice_id.in_([m[0] for m in matched]))
            .group_by(cn.c.invoice_id)
        ).all()
    )
    return sum(
        max(0, int(amount) - min(int(amount), int(credited.get(inv, 0)))) for inv, amount in matched
    )
