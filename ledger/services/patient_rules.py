"""What every way of adding a patient holds to: a plausible row, an MRN no one else holds
(the clinic's own numbers when none is given), and not a person the clinic already has."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ledger.errors import InvalidAmount, InvalidText
from ledger.identifiers import normalize_mrn
from ledger.models import Patient
from ledger.text import clean_text
from ledger.units import plausible_weight_g

#: PostgreSQL: every writer of patients takes this transaction-scoped advisory lock
#: first, so two workstations never choose the same MRN (SQLite's BEGIN IMMEDIATE
#: already serializes writers). No table or row is locked: readers never wait.
PATIENT_WRITERS_LOCK = 0x5649414C  # "VIAL"
#: The clinic's own MRNs: P and six digits, numbered after the newest patient row.
OWN_MRN_PREFIX = "P"


@dataclass(frozen=True)
class NewPatient:
    name: str
    address: str
    dob: date
    mrn: str | None = None
    weight_g: int | None = None


def validated_patient(p: NewPatient, today: date) -> Patient:
    """`today` is the clinic's date: a birth "tomorrow" on the clinic's calendar is a typo even
    while it is already tomorrow in UTC."""
    if p.dob > today or p.dob.year < 1900:
        raise InvalidText(f"date of birth {p.dob} is not plausible")
    if p.weight_g is not None:
        try:
            plausible_weight_g(p.weight_g)
        except InvalidAmount as exc:
            raise InvalidText(exc.message) from None
    return Patient(
        name=clean_text(p.name, "patient name", 200, one_line=True),
        address=clean_text(p.address, "patient address", 500, required=False),
        dob=p.dob,
        mrn=normalize_mrn(p.mrn) if p.mrn is not None and p.mrn.strip() else "",
        weight_g=p.weight_g,
    )


def hold_patient_writers_lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        lock = sa.text("SELECT pg_advisory_xact_lock(:key)")
        session.execute(lock, {"key": PATIENT_WRITERS_LOCK})


def taken_mrns(session: Session, mrns: Iterable[str]) -> set[str]:
    """Which of these (normalized) MRNs a patient already holds, whatever case it was stored in."""
    wanted = list(dict.fromkeys(mrns))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        stmt = select(Patient.mrn).where(col(Patient.mrn).in_(chunk))
        found.update(m.upper() for m in session.exec(stmt))
    return found


def allocate_mrns(session: Session, n: int, reserved: set[str]) -> list[str]:
    """The next `n` clinic MRNs, after the newest patient row, skipping any already held.

    The sequence's state is the data itself: the highest patient id (ids only grow;
    patients are never deleted), read inside the patient writers' lock, so two writers
    never allocate the same number and no counting of the whole table is needed.
    """
    if n == 0:
        return []
    top = session.exec(select(func.max(Patient.id))).one() or 0
    out: list[str] = []
    nxt = top + 1
    while len(out) < n:
        candidates = [f"{OWN_MRN_PREFIX}{k:06d}" for k in range(nxt, nxt + n - len(out) + 16)]
        nxt += len(candidates)
        held = taken_mrns(session, candidates) | reserved
        out.extend(c for c in candidates if c not in held)
    return out[:n]


def person_key(name: str) -> str:
    """A name as compared for sameness: case and runs of spaces aside."""
    return " ".join(name.split()).casefold()


def same_people(
    session: Session, people: Iterable[tuple[str, date]]
) -> dict[tuple[str, date], str]:
    """(name key, date of birth) -> the MRN of a patient already held with that name and birth."""
    wanted = set(people)
    dobs = sorted({dob for _, dob in wanted})
    found: dict[tuple[str, date], str] = {}
    for i in range(0, len(dobs), 500):
        stmt = sa.select(col(Patient.mrn), col(Patient.name), col(Patient.dob)).where(
            col(Patient.dob).in_(dobs[i : i + 500])
        )
        for mrn, name, dob in session.execute(stmt):
            key = (person_key(name), dob)
            if key in wanted:
                found.setdefault(key, mrn)
    return found
