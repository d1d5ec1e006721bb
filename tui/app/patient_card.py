"""Who the typed MRN or name belongs to, for the chair-side check before a dose is charted.

The app's own small queries over the ledger's patient lookups, so a mistyped MRN shows a
stranger's name, and a name typed in shows who it could be, before anything is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.database import Database
from ledger.errors import UnknownRecord
from ledger.queries.chair import patients_matching
from ledger.services.patients import patient_by_mrn
from ledger.units import mg_text

#: How many patients a name typed in lists (patients_matching's limit).
MATCHES_SHOWN = 5


@dataclass(frozen=True)
class PatientCard:
    mrn: str
    name: str
    dob: date
    address: str
    weight_g: int | None = None

    def line(self) -> str:
        weight = f" · {mg_text(self.weight_g)} kg on file" if self.weight_g else ""
        return f"{self.name} · born {self.dob.isoformat()} · {self.mrn}{weight}"


def patient_card(db: Database, mrn: str) -> PatientCard:
    """The patient with this MRN; UnknownRecord (a refusal) when there is none."""
    with db.read() as session:
        p = patient_by_mrn(session, mrn)
        return PatientCard(p.mrn, p.name, p.dob, p.address.strip(), p.weight_g)


def patient_for(db: Database, typed: str) -> PatientCard | list[PatientCard]:
    """The one patient an MRN or a name points at, or the few it could be (none: refused)."""
    try:
        return patient_card(db, typed)
    except UnknownRecord:
        pass
    with db.read() as session:
        found = [
            PatientCard(m.mrn, m.name, m.dob, m.address, m.weight_g)
            for m in patients_matching(session, typed, MATCHES_SHOWN)
        ]
    if not found:
        shown = typed if len(typed) <= 40 else typed[:40] + "…"
        raise UnknownRecord(f"no patient with MRN or name {shown!r}", subject=shown)
    return found[0] if len(found) == 1 else found


def card_text(found: PatientCard | list[PatientCard] | str) -> tuple[str, bool]:
    """The card's two lines, and whether all is well (False: shown in the error colour)."""
    if isinstance(found, str):
        return found, False
    if isinstance(found, list):
        more = "+" if len(found) >= MATCHES_SHOWN else ""
        names = " · ".join(f"{p.mrn} {p.name} ({p.dob.year})" for p in found)
        return f"{len(found)}{more} patients match; type on until one is left:\n{names}", True
    if not found.address:
        return (
            f"{found.line()}\nNo address on file: an infusion will be refused (21 CFR 1304.22(c))",
            False,
        )
    return f"{found.line()}\n{found.address}", True
