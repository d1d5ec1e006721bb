"""Patients: finding one by MRN and adding one. Importing a clinic's existing list is in
patient_import; it is named here too, where the screens and the command line look for it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, func, select

from ledger import clock
from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import DuplicateRecord, InvalidText, UnknownRecord
from ledger.identifiers import normalize_mrn
from ledger.models import Patient
from ledger.services.patient_import import import_patients
from ledger.services.patient_rules import (
    NewPatient,
    allocate_mrns,
    hold_patient_writers_lock,
    person_key,
    same_people,
    taken_mrns,
    validated_patient,
)
from ledger.unit_of_work import act

__all__ = ["NewPatient", "add_patient", "import_patients", "patient_by_mrn"]


def patient_by_mrn(session: Session, ref: str | int) -> Patient:
    """The patient with this MRN, whatever its case; refused with UnknownRecord otherwise.

    MRNs are stored upper-case; one stored before that is found by the slower
    case-blind comparison, tried only when the exact one misses.
    """
    text = str(ref).strip()
    try:
        mrn: str | None = normalize_mrn(text)
    except InvalidText:
        mrn = None
    patient = None
    if mrn is not None:
        patient = session.exec(select(Patient).where(Patient.mrn == mrn)).first()
        if patient is None:
            legacy = select(Patient).where(func.upper(Patient.mrn) == mrn)
            patient = session.exec(legacy).first()
    if patient is None or patient.id is None:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise UnknownRecord(f"no patient with MRN {shown!r}", subject=shown)
    return patient


@audited("patient.add")
def add_patient(
    db: Database, actor: Actor, patient: NewPatient, *, allow_duplicate: bool = False
) -> Patient:
    """Add one patient. The same name and date of birth as a patient already held is refused,
    naming that patient's MRN, unless `allow_duplicate` says it is deliberate (two people)."""
    with act(db, actor, "patient.add") as tx:
        session = tx.session
        row = validated_patient(patient, clock.clinic_today(tx.settings.timezone))
        hold_patient_writers_lock(session)
        if not allow_duplicate:
            same = same_people(session, [(person_key(row.name), row.dob)])
            if same:
                mrn = next(iter(same.values()))
                raise DuplicateRecord(
                    f"{row.name}, born {row.dob}, is already patient {mrn}; "
                    "if this is another person, add them with --allow-duplicate",
                    subject=mrn,
                )
        if not row.mrn:
            row.mrn = allocate_mrns(session, 1, set())[0]
        # The lower-case spelling catches an MRN stored before MRNs were normalized.
        elif taken_mrns(session, [row.mrn, row.mrn.lower()]):
            raise DuplicateRecord(f"a patient with MRN {row.mrn} already exists", subject=row.mrn)
        session.add(row)
        try:
            session.flush()
        except sa.exc.IntegrityError:
            # Only a writer that skips the lock (an older vialbook) can get here.
            raise DuplicateRecord(
                f"a patient with MRN {row.mrn} was added at the same moment; try again",
                subject=row.mrn,
            ) from None
        return row
