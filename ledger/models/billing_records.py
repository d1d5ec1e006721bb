"""Patient-facing billing records: diagnosis codes and good faith estimates (No Surprises Act).

All append-only. A diagnosis is retired by a new row, never by editing the old one; an
estimate is given once and never changes (a new estimate replaces it).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ledger.models.base import UTCDateTime


class DiagnosisStatus(enum.StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class PatientDiagnosis(SQLModel, table=True):
    """An ICD-10 code recorded for a patient, or its retirement. Append-only: the newest row
    for a (patient, code) says whether the code is on the patient's record."""

    __tablename__ = "patient_diagnosis"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    #: "F33.1", as validated.
    icd10: str = Field(max_length=8)
    status: str = Field(default=DiagnosisStatus.ACTIVE, max_length=8)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by_id: int = Field(foreign_key="app_user.id")
    reason: str | None = Field(default=None, max_length=500)


class GoodFaithEstimate(SQLModel, table=True):
    """A written good faith estimate given to a self-pay patient (45 CFR 149.610)."""

    __tablename__ = "good_faith_estimate"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    #: The first date of the service estimated, when it is scheduled.
    scheduled_for: date | None = None
    #: The patient asked for an estimate (rather than scheduling).
    requested: bool = False
    requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: When the law wants it given by (1 or 3 business days, see the services).
    due_on: date | None = None
    given_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: A series may be estimated once for up to 12 months.
    valid_until: date | None = None
    total_cents: int
    #: ICD-10 codes the estimate lists, comma-separated.
    diagnoses: str = Field(default="", max_length=200)
    #: The rendering provider named on it (the medical director unless another is named).
    provider_id: int | None = Field(default=None, foreign_key="app_user.id")
    note: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int = Field(foreign_key="app_user.id")


class EstimateLine(SQLModel, table=True):
    """One expected charge of an estimate."""

    __tablename__ = "estimate_line"

    id: int | None = Field(default=None, primary_key=True)
    estimate_id: int = Field(foreign_key="good_faith_estimate.id", index=True)
    item_code: str | None = Field(default=None, max_length=32)
    package_code: str | None = Field(default=None, max_length=32)
    description: str = Field(max_length=200)
    cpt: str | None = Field(default=None, max_length=16)
    hcpcs: str | None = Field(default=None, max_length=16)
    quantity: int = 1
    unit_cents: int
    line_cents: int
