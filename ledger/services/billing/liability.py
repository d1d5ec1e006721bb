"""Prepaid liability: what the clinic still owes in sessions, valued at their allocated
price. Unused credits count while unexpired on the clinic's date; used, refunded, voided and
expired credits do not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from ledger.access import Actor
from ledger.database import Database
from ledger.models import CreditMovement, PackageCredit, Patient
from ledger.models.base import table_of
from ledger.services.billing.common import clinic_day
from ledger.services.patients import patient_by_mrn
from ledger.unit_of_work import look


@dataclass(frozen=True)
class PatientLiability:
    patient_id: int
    mrn: str
    patient: str
    credits: int
    liability_cents: int
    #: The soonest an unused credit expires.
    next_expiry: date


@dataclass(frozen=True)
class Liability:
    on: date
    total_cents: int
    credits: int
    patients: list[PatientLiability]


def liability_on(session: Session, day: date, patient_id: int | None = None) -> Liability:
    pc, m, pt = table_of(PackageCredit), table_of(CreditMovement), table_of(Patient)
    closed = sa.select(m.c.id).where(m.c.closes_credit_id == pc.c.id)
    rows = session.execute(
        sa.select(
            pt.c.id,
            pt.c.mrn,
            pt.c.name,
            sa.func.count(pc.c.id),
            sa.func.sum(pc.c.allocated_cents),
            sa.func.min(pc.c.expires_on),
        )
        .select_from(pc.join(pt, pt.c.id == pc.c.patient_id))
        .where(pc.c.expires_on >= day, ~sa.exists(closed))
        .where(sa.true() if patient_id is None else pc.c.patient_id == patient_id)
        .group_by(pt.c.id, pt.c.mrn, pt.c.name)
        .order_by(pt.c.mrn)
    ).all()
    patients = [
        PatientLiability(
            patient_id=r[0],
            mrn=r[1],
            patient=r[2],
            credits=int(r[3]),
            liability_cents=int(r[4]),
            next_expiry=r[5],
        )
        for r in rows
    ]
    return Liability(
        on=day,
        total_cents=sum(p.liability_cents for p in patients),
        credits=sum(p.credits for p in patients),
        patients=patients,
    )


def prepaid_liability(
    db: Database, actor: Actor, *, on: date | None = None, patient: str | None = None
) -> Liability:
    """Outstanding prepaid liability per patient and in total (`billing liability`)."""
    with look(db, actor, "billing.read") as tx:
        pid = patient_by_mrn(tx.session, patient).id if patient else None
        return liability_on(tx.session, on or clinic_day(tx), pid)
