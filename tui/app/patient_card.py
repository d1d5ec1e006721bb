"""Who an MRN belongs to, for the chair-side check before a dose is charted.

The app's own small query over the ledger's patient lookup (ledger/services/patients), so a
mistyped MRN shows a stranger's name before anything is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.database import Database
from ledger.services.patients import patient_by_mrn


@dataclass(frozen=True)
class PatientCard:
    mrn: str
    name: str
    dob: date
    address: str

    def line(self) -> str:
        return f"{self.name} · born {self.dob.isoformat()} · {self.mrn}"


def patient_card(db: Database, mrn: str) -> PatientCard:
    """The patient with this MRN; UnknownRecord (a refusal) when there is none."""
    with db.read() as session:
        p = patient_by_mrn(session, mrn)
        return PatientCard(p.mrn, p.name, p.dob, p.address.strip())
