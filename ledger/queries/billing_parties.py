"""Who a billing document names: the clinic (NPI, tax ID, address), the rendering provider
(the medical director unless another is named) and the patient with their diagnosis codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, func, select

from ledger.errors import BillingIdentityMissing, InvalidText, UnknownRecord
from ledger.identifiers import normalize_mrn
from ledger.models import Patient, User
from ledger.models.base import table_of
from ledger.models.billing_records import DiagnosisStatus, PatientDiagnosis
from ledger.settings import clinic_settings


@dataclass(frozen=True)
class ClinicIdentity:
    name: str
    address: str
    npi: str
    tax_id: str
    timezone: str


@dataclass(frozen=True)
class Provider:
    user_id: int
    name: str
    npi: str


@dataclass(frozen=True)
class PatientIdentity:
    patient_id: int
    name: str
    dob: date
    address: str
    mrn: str


def clinic_identity(session: Session, *, complete: bool = True) -> ClinicIdentity:
    """The clinic as a billing document names it; refused when its NPI or tax ID is not set
    (an insurer returns a superbill without them, and an estimate must list both)."""
    s = clinic_settings(session)
    if complete:
        missing = [what for what, value in (("NPI", s.npi), ("tax ID", s.tax_id)) if not value]
        if missing:
            raise BillingIdentityMissing(
                f"the clinic's {' and '.join(missing)} must be set first "
                "(settings set --npi ... --tax-id ...)"
            )
    return ClinicIdentity(s.name, s.address, s.npi, s.tax_id, s.timezone)


def rendering_provider(session: Session, user_id: int | None = None) -> Provider:
    """The named provider, or the clinic's medical director; refused without an NPI."""
    if user_id is None:
        user_id = clinic_settings(session).medical_director_id
    if user_id is None:
        raise BillingIdentityMissing(
            "the clinic has no medical director to name as rendering provider "
            "(settings set --medical-director USERNAME)"
        )
    user = session.get(User, user_id)
    if user is None or user.id is None:
        raise UnknownRecord(f"no user {user_id} to name as rendering provider")
    if not user.npi:
        raise BillingIdentityMissing(
            f"the rendering provider {user.full_name} has no NPI "
            f"(user update {user.username} --npi ...)",
            subject=user.username,
        )
    return Provider(user.id, user.full_name, user.npi)


def patient_identity(session: Session, mrn: str) -> PatientIdentity:
    """The patient with this MRN (any case), for a document; refused when there is none."""
    text = str(mrn).strip()
    try:
        wanted = normalize_mrn(text)
    except InvalidText:  # an MRN that cannot exist is simply not found
        wanted = text.upper()
    # MRNs are stored upper-case: the exact match uses the index; the case-blind one is
    # only for an MRN stored before they were normalized.
    p = (
        session.exec(select(Patient).where(Patient.mrn == wanted)).first()
        or session.exec(select(Patient).where(func.upper(Patient.mrn) == wanted)).first()
    )
    if p is None or p.id is None:
        raise UnknownRecord(f"no patient with MRN {text[:40]!r}", subject=text[:40])
    return identity_of(p)


def identity_of(p: Patient) -> PatientIdentity:
    assert p.id is not None
    return PatientIdentity(p.id, p.name, p.dob, p.address, p.mrn)


def diagnoses(session: Session, patient_id: int) -> list[str]:
    """The ICD-10 codes on the patient's record, in the order first recorded: a code counts
    while its newest row says active."""
    d = table_of(PatientDiagnosis)
    newest = (
        sa.select(d.c.icd10, sa.func.max(d.c.id).label("last"), sa.func.min(d.c.id).label("first"))
        .where(d.c.patient_id == patient_id)
        .group_by(d.c.icd10)
        .subquery()
    )
    rows = session.execute(
        sa.select(newest.c.icd10)
        .join(d, d.c.id == newest.c.last)
        .where(d.c.status == DiagnosisStatus.ACTIVE)
        .order_by(newest.c.first)
    ).all()
    return [r[0] for r in rows]
