"""Correcting a patient's name, address or date of birth: an audited, append-only correction.

The administration log prints the patient's identity, so it never changes silently:
the correction row keeps who, when, why and the values before and after, and the
database refuses an identity change that no such row describes (migrations/guards).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from ledger import clock
from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import InvalidDate, InvalidText
from ledger.models import Patient, PatientCorrection
from ledger.services.patients import patient_by_mrn
from ledger.text import clean_text
from ledger.unit_of_work import act


@audited("patient.correct")
def correct_patient(
    db: Database,
    actor: Actor,
    *,
    mrn: str,
    reason: str,
    name: str | None = None,
    address: str | None = None,
    dob: date | None = None,
) -> PatientCorrection:
    """Change the fields given (the others stay) and keep the correction beside the patient."""
    why = clean_text(reason, "reason", 500)
    new_name = clean_text(name, "patient name", 200) if name is not None else None
    new_address = (
        clean_text(address, "patient address", 500, required=False) if address is not None else None
    )
    with act(db, actor, "patient.correct") as tx:
        session = tx.session
        found = patient_by_mrn(session, mrn)
        stmt = select(Patient).where(Patient.id == found.id).with_for_update()
        person = session.exec(stmt).one()
        today = clock.clinic_today(tx.settings.timezone)
        if dob is not None and (dob > today or dob.year < 1900):
            raise InvalidDate(f"date of birth {dob} is not plausible")
        after = (
            new_name if new_name is not None else person.name,
            new_address if new_address is not None else person.address,
            dob if dob is not None else person.dob,
        )
        before = (person.name, person.address, person.dob)
        if after == before:
            raise InvalidText(f"the correction changes nothing on patient {person.mrn}")
        assert person.id is not None  # a stored row
        correction = PatientCorrection(
            patient_id=person.id,
            corrected_at=tx.entered_at,
            corrected_by_id=tx.user_id,
            reason=why,
            old_name=before[0],
            old_address=before[1],
            old_dob=before[2],
            new_name=after[0],
            new_address=after[1],
            new_dob=after[2],
        )
        session.add(correction)
        # The correction must be stored before the patient changes: the guard looks for it.
        session.flush()
        person.name, person.address, person.dob = after
        session.add(person)
        session.flush()
        changed = [
            f
            for f, old, new in zip(("name", "address", "dob"), before, after, strict=True)
            if old != new
        ]
        tx.audit(detail={"mrn": person.mrn, "correction": correction.id, "changed": changed})
        return correction
