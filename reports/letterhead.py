"""The clinic's letterhead and the patient block that open an invoice, a superbill, a receipt
and an estimate: who bills (clinic, address, NPI, tax ID, rendering provider) and for whom."""

from __future__ import annotations

from ledger.queries.billing_parties import ClinicIdentity, PatientIdentity, Provider
from reports.model import Column, Kind, Part, Row

LETTERHEAD = (
    Column("Clinic", width=20, wrap=True),
    Column("Address", width=28, wrap=True),
    Column("NPI", width=11),
    Column("Tax ID", width=11),
)
PROVIDER = (Column("Rendering provider", width=20, wrap=True), Column("Provider NPI", width=11))
PATIENT = (
    Column("Patient", width=22, wrap=True),
    Column("MRN", width=10),
    Column("Date of birth", Kind.DATE, width=11),
    Column("Address", width=34, wrap=True),
)
DIAGNOSES = Column("Diagnoses (ICD-10-CM)", width=20, wrap=True)


def letterhead(clinic: ClinicIdentity, provider: Provider | None = None) -> Part:
    """The clinic block; with a provider, the rendering provider and their NPI too."""
    row: Row = (clinic.name, clinic.address or "-", clinic.npi or "-", clinic.tax_id or "-")
    columns: tuple[Column, ...] = LETTERHEAD
    if provider is not None:
        columns = LETTERHEAD + PROVIDER
        row = row + (provider.name, provider.npi)
    return Part(title=clinic.name, columns=columns, rows=lambda: iter([row]), sheet="Clinic")


def patient_block(
    patient: PatientIdentity, title: str = "Patient", diagnoses: tuple[str, ...] | None = None
) -> Part:
    """The patient; with `diagnoses`, their ICD-10-CM codes too (superbill, estimate)."""
    row: Row = (patient.name, patient.mrn, patient.dob, patient.address or "-")
    columns: tuple[Column, ...] = PATIENT
    if diagnoses is not None:
        columns = PATIENT + (DIAGNOSES,)
        row = row + (", ".join(diagnoses) or "none recorded",)
    return Part(title=title, columns=columns, rows=lambda: iter([row]), sheet=title[:31])
