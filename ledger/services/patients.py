"""Patients: adding one, and importing a clinic's existing list all-or-nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, func, select

from ledger import clock
from ledger.access import Actor, authorize
from ledger.database import Database
from ledger.errors import DuplicateRecord, ImportRejected, InvalidText, Refusal
from ledger.models import Patient
from ledger.services.audited import audited
from ledger.text import clean_text
from ledger.units import parse_date, parse_weight_g


@dataclass(frozen=True)
class NewPatient:
    name: str
    address: str
    dob: date
    mrn: str | None = None
    weight_g: int | None = None


def _validated(p: NewPatient) -> Patient:
    if p.dob > clock.now().date() or p.dob.year < 1900:
        raise InvalidText(f"date of birth {p.dob} is not plausible")
    if p.weight_g is not None and not 0 < p.weight_g <= 500_000:
        raise InvalidText("weight is not plausible")
    return Patient(
        name=clean_text(p.name, "patient name", 200),
        address=clean_text(p.address, "patient address", 500, required=False),
        dob=p.dob,
        mrn=clean_text(p.mrn, "MRN", 40) if p.mrn else "",
        weight_g=p.weight_g,
    )


def _next_mrn(session: Session) -> str:
    """The clinic's own MRN (P000042), assigned inside the write lock."""
    n = session.exec(select(func.count()).select_from(Patient)).one() + 1
    while session.exec(select(Patient.id).where(Patient.mrn == f"P{n:06d}")).first() is not None:
        n += 1
    return f"P{n:06d}"


def _insert(session: Session, row: Patient) -> Patient:
    if not row.mrn:
        row.mrn = _next_mrn(session)
    elif session.exec(select(Patient.id).where(Patient.mrn == row.mrn)).first() is not None:
        raise DuplicateRecord(f"a patient with MRN {row.mrn} already exists", subject=row.mrn)
    session.add(row)
    session.flush()
    return row


@audited("patient.add")
def add_patient(db: Database, actor: Actor, patient: NewPatient) -> Patient:
    row = _validated(patient)
    with db.write() as session:
        authorize(session, actor, "patient.add")
        return _insert(session, row)


REQUIRED_COLUMNS = ("name", "address", "dob")
OPTIONAL_COLUMNS = ("mrn", "weight")


def _read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected(f"line {line}: the file is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [h for h in header if h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        raise ImportRejected(
            f"line 1: columns must be {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}; "
            + (f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}")
        )
    reader.fieldnames = header
    rows = []
    for record in reader:
        line = reader.line_num
        if None in record or any(v is None for v in record.values()):
            raise ImportRejected(f"line {line}: wrong number of fields")
        rows.append((line, {k: (v or "").strip() for k, v in record.items()}))
    if not rows:
        raise ImportRejected("the file holds no patients")
    return rows


@audited("patient.import")
def import_patients(db: Database, actor: Actor, data: bytes) -> list[int]:
    """Load every row or none; a bad row is named by its line number."""
    rows = _read_rows(data)
    parsed: list[tuple[int, Patient]] = []
    seen: dict[str, int] = {}
    for line, r in rows:
        try:
            p = NewPatient(
                name=r["name"],
                address=r["address"],
                dob=parse_date(r["dob"], "date of birth"),
                mrn=r.get("mrn") or None,
                weight_g=parse_weight_g(r["weight"]) if r.get("weight") else None,
            )
            row = _validated(p)
        except Refusal as exc:
            raise ImportRejected(f"line {line}: {exc.message}") from None
        key = row.mrn or f"{row.name.lower()}|{row.dob}"
        if key in seen:
            raise ImportRejected(f"line {line}: duplicate of line {seen[key]}")
        seen[key] = line
        parsed.append((line, row))
    ids = []
    with db.write() as session:
        authorize(session, actor, "patient.import")
        for line, row in parsed:
            try:
                ids.append(_insert(session, row).id)
            except Refusal as exc:
                raise ImportRejected(f"line {line}: {exc.message}") from None
    return [i for i in ids if i is not None]
