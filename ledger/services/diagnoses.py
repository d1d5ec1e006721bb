"""Diagnosis codes on a patient's record: recorded (format-checked ICD-10-CM), never edited;
a code no longer on the record is retired by a new row."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import DuplicateRecord, UnknownRecord
from ledger.icd10 import normalize_icd10
from ledger.models.billing_records import DiagnosisStatus, PatientDiagnosis
from ledger.queries.billing_parties import diagnoses, patient_identity
from ledger.text import clean_text
from ledger.unit_of_work import act, look


@dataclass(frozen=True)
class DiagnosisRecorded:
    diagnosis_id: int
    mrn: str
    icd10: str
    status: str
    #: The codes on the patient's record afterwards, oldest first.
    codes: list[str]


@audited("patient.diagnose")
def diagnose(
    db: Database, actor: Actor, mrn: str, icd10: str, *, retire: bool = False, reason: str = ""
) -> DiagnosisRecorded:
    """Add `icd10` to the patient's record (or, with `retire`, take it off)."""
    code = normalize_icd10(icd10)
    why = clean_text(reason, "reason", 500, required=False) or None
    with act(db, actor, "patient.diagnose") as tx:
        patient = patient_identity(tx.session, mrn)
        held = diagnoses(tx.session, patient.patient_id)
        if not retire and code in held:
            raise DuplicateRecord(f"{code} is already on {patient.mrn}'s record", subject=code)
        if retire and code not in held:
            raise UnknownRecord(f"{code} is not on {patient.mrn}'s record", subject=code)
        row = PatientDiagnosis(
            patient_id=patient.patient_id,
            icd10=code,
            status=DiagnosisStatus.RETIRED if retire else DiagnosisStatus.ACTIVE,
            recorded_at=tx.entered_at,
            recorded_by_id=tx.user_id,
            reason=why,
        )
        tx.session.add(row)
        tx.session.flush()
        assert row.id is not None
        tx.audit(detail={"mrn": patient.mrn, "icd10": code, "status": row.status})
        return DiagnosisRecorded(
            row.id, patient.mrn, code, row.status, diagnoses(tx.session, patient.patient_id)
        )


def patient_codes(db: Database, actor: Actor, mrn: str) -> list[str]:
    with look(db, actor, "billing.read") as tx:
        return diagnoses(tx.session, patient_identity(tx.session, mrn).patient_id)
