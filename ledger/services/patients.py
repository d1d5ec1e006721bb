"""Patients: finding one by MRN, adding one, and importing a clinic's existing list."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ledger import audit, clock
from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import (
    DuplicateRecord,
    ImportRejected,
    InvalidAmount,
    InvalidText,
    Refusal,
    UnknownRecord,
)
from ledger.identifiers import normalize_mrn
from ledger.models import Patient
from ledger.text import clean_text
from ledger.unit_of_work import act, look
from ledger.units import parse_date, parse_weight_g, plausible_weight_g

#: Rows written per transaction: SQLite's write lock is held for one batch (tens of
#: milliseconds), never for the whole file, so a nurse at the chair is not kept waiting.
BATCH_ROWS = 1000
#: SQLite's write lock has no queue. After each batch the import steps aside this long,
#: longer than SQLite's longest busy-wait step (100 ms), so a waiting writer gets in.
SQLITE_PAUSE_SECONDS = 0.12
#: A line longer than this is not a patient (the longest row of valid fields is ~800).
MAX_LINE_BYTES = 16_384
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


def _validated(p: NewPatient, today: date) -> Patient:
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


def _hold_patient_writers_lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        lock = sa.text("SELECT pg_advisory_xact_lock(:key)")
        session.execute(lock, {"key": PATIENT_WRITERS_LOCK})


def _taken(session: Session, mrns: Iterable[str]) -> set[str]:
    """Which of these (normalized) MRNs a patient already holds, whatever case it was stored in."""
    wanted = list(dict.fromkeys(mrns))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        stmt = select(Patient.mrn).where(col(Patient.mrn).in_(chunk))
        found.update(m.upper() for m in session.exec(stmt))
    return found


def _legacy_mrns(session: Session) -> set[str]:
    """MRNs stored before they were normalized (with lower-case letters), upper-cased.

    A scan of the patient table, so it runs once per import, never per row; normally empty.
    """
    stmt = select(Patient.mrn).where(Patient.mrn != func.upper(Patient.mrn))
    return {m.upper() for m in session.exec(stmt)}


def _allocate_mrns(session: Session, n: int, reserved: set[str]) -> list[str]:
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
        held = _taken(session, candidates) | reserved
        out.extend(c for c in candidates if c not in held)
    return out[:n]


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


def _person_key(name: str) -> str:
    """A name as compared for sameness: case and runs of spaces aside."""
    return " ".join(name.split()).casefold()


def _same_people(
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
            key = (_person_key(name), dob)
            if key in wanted:
                found.setdefault(key, mrn)
    return found


@audited("patient.add")
def add_patient(
    db: Database, actor: Actor, patient: NewPatient, *, allow_duplicate: bool = False
) -> Patient:
    """Add one patient. The same name and date of birth as a patient already held is refused,
    naming that patient's MRN, unless `allow_duplicate` says it is deliberate (two people)."""
    with act(db, actor, "patient.add") as tx:
        session = tx.session
        row = _validated(patient, clock.clinic_today(tx.settings.timezone))
        _hold_patient_writers_lock(session)
        if not allow_duplicate:
            same = _same_people(session, [(_person_key(row.name), row.dob)])
            if same:
                mrn = next(iter(same.values()))
                raise DuplicateRecord(
                    f"{row.name}, born {row.dob}, is already patient {mrn}; "
                    "if this is another person, add them with --allow-duplicate",
                    subject=mrn,
                )
        if not row.mrn:
            row.mrn = _allocate_mrns(session, 1, set())[0]
        # The lower-case spelling catches an MRN stored before MRNs were normalized.
        elif _taken(session, [row.mrn, row.mrn.lower()]):
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


REQUIRED_COLUMNS = ("name", "address", "dob")
OPTIONAL_COLUMNS = ("mrn", "weight")


def _lines(stream: BinaryIO) -> Iterator[str]:
    """The file's lines as text, one at a time; a bad byte or an endless line is named by line."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            raise ImportRejected(f"line {number}: longer than {MAX_LINE_BYTES} bytes")
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ImportRejected(f"line {number}: the file is not UTF-8 text") from None


def _records(stream: BinaryIO) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, fields) for each row, streamed; the header is checked first."""
    reader = csv.reader(_lines(stream))
    try:
        first = next(reader, None)
        header = [h.strip().lower() for h in first or []]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        unknown = [h for h in header if h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
        repeated = sorted({h for h in header if header.count(h) > 1})
        if missing or unknown or repeated:
            problem = (
                f"missing {', '.join(missing)}"
                if missing
                else f"unknown {', '.join(unknown)}"
                if unknown
                else f"repeated {', '.join(repeated)}"
            )
            raise ImportRejected(
                f"line 1: columns must be {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}, "
                f"each once; {problem}"
            )
        for fields in reader:
            if not fields:
                continue
            if len(fields) != len(header):
                raise ImportRejected(f"line {reader.line_num}: wrong number of fields")
            yield reader.line_num, {k: v.strip() for k, v in zip(header, fields, strict=True)}
    except csv.Error as exc:
        raise ImportRejected(f"line {reader.line_num + 1}: not readable as CSV ({exc})") from None


def _row(line: int, r: dict[str, str], today: date) -> Patient:
    try:
        return _validated(
            NewPatient(
                name=r["name"],
                address=r["address"],
                dob=parse_date(r["dob"], "date of birth"),
                mrn=r.get("mrn") or None,
                weight_g=parse_weight_g(r["weight"]) if r.get("weight") else None,
            ),
            today,
        )
    except Refusal as exc:
        raise ImportRejected(f"line {line}: {exc.message}") from None


def _validate_whole_file(
    db: Database, actor: Actor, stream: BinaryIO, allow_duplicate: bool
) -> tuple[int, set[str], date]:
    """Read every row once, holding only a short key per row: (rows, the file's own MRNs).

    Nothing is written until the whole file is known good, so a bad row anywhere
    imports nothing. MRNs already held in the database are refused here too, and so is
    a person (name and date of birth) already held or on an earlier line, unless
    `allow_duplicate` says the file means them as different people.
    """
    seen: dict[str, int] = {}
    mrn_lines: dict[str, int] = {}
    pending: list[str] = []
    people: dict[tuple[str, date], int] = {}
    pending_people: list[tuple[str, date]] = []
    rows = 0
    with look(db, actor, "patient.import") as tx:
        session = tx.session
        today = clock.clinic_today(tx.settings.timezone)
        legacy = _legacy_mrns(session)

        def check_pending() -> None:
            clash = (_taken(session, pending) | (legacy & set(pending))) if pending else set()
            if clash:
                line = min(mrn_lines[m] for m in clash)
                mrn = next(m for m in clash if mrn_lines[m] == line)
                raise ImportRejected(f"line {line}: a patient with MRN {mrn} already exists")
            pending.clear()

        def check_pending_people() -> None:
            held = _same_people(session, pending_people) if pending_people else {}
            if held:
                person = min(held, key=lambda k: people[k])
                raise ImportRejected(
                    f"line {people[person]}: the same name and date of birth as patient "
                    f"{held[person]}; import with --allow-duplicate if they are different people"
                )
            pending_people.clear()

        for line, r in _records(stream):
            row = _row(line, r, today)
            if row.mrn:
                if row.mrn in seen:
                    raise ImportRejected(f"line {line}: duplicate of line {seen[row.mrn]}")
                seen[row.mrn] = line
            if not allow_duplicate:
                person = (_person_key(row.name), row.dob)
                if person in people:
                    raise ImportRejected(
                        f"line {line}: duplicate of line {people[person]} (the same name and "
                        "date of birth); import with --allow-duplicate if they are different people"
                    )
                people[person] = line
                pending_people.append(person)
                if len(pending_people) >= 500:
                    check_pending_people()
            if row.mrn:
                mrn_lines[row.mrn] = line
                pending.append(row.mrn)
                if len(pending) >= 500:
                    check_pending()
            rows += 1
        check_pending()
        check_pending_people()
    if not rows:
        raise ImportRejected("the file holds no patients")
    return rows, set(mrn_lines), today


def _write_batch(
    db: Database, actor: Actor, batch: list[tuple[int, Patient]], file_mrns: set[str]
) -> list[int]:
    with act(db, actor, "patient.import") as tx:
        session = tx.session
        _hold_patient_writers_lock(session)
        given = [row.mrn for _, row in batch if row.mrn]
        clash = _taken(session, given)
        if clash:
            line = min(ln for ln, row in batch if row.mrn in clash)
            raise ImportRejected(
                f"line {line}: a patient with this MRN was added while the file was importing"
            )
        fresh = iter(_allocate_mrns(session, len(batch) - len(given), file_mrns))
        for _, row in batch:
            if not row.mrn:
                row.mrn = next(fresh)
        # One multi-row INSERT, then the new ids by MRN (unique, and every row has one now):
        # the ORM would insert SQLite rows one statement at a time to learn their ids.
        values = [
            {c: getattr(row, c) for c in ("name", "address", "dob", "mrn", "weight_g")}
            for _, row in batch
        ]
        session.execute(sa.insert(Patient), values)
        mrns = [v["mrn"] for v in values]
        by_mrn: dict[str, int] = {}
        for i in range(0, len(mrns), 500):
            stmt = select(Patient.mrn, Patient.id).where(col(Patient.mrn).in_(mrns[i : i + 500]))
            by_mrn.update({m: pid for m, pid in session.exec(stmt) if pid is not None})
        ids = [by_mrn[m] for m in mrns]
        audit.add(
            session,
            action="patient.import",
            outcome="batch",
            username=actor.username,
            detail={"lines": [batch[0][0], batch[-1][0]], "patient_ids": [ids[0], ids[-1]]},
        )
        return ids


@audited("patient.import")
def import_patients(
    db: Database, actor: Actor, data: bytes | BinaryIO, *, allow_duplicate: bool = False
) -> list[int]:
    """Validate every row first (a bad row is named by its line and imports nothing), then write.

    Rows are written in batches of BATCH_ROWS, each its own short transaction, so the
    clinic keeps working during a long import. Each committed batch is in the audit
    trail with its lines and patient ids. Should the import stop part-way (a crash, or
    an MRN taken by another workstation meanwhile), the batches already committed stay
    and the refusal names the first line not imported: import the file from that line.
    """
    stream: BinaryIO = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    start = stream.tell()
    _, file_mrns, today = _validate_whole_file(db, actor, stream, allow_duplicate)
    stream.seek(start)
    ids: list[int] = []
    batch: list[tuple[int, Patient]] = []
    for line, r in _records(stream):
        batch.append((line, _row(line, r, today)))
        if len(batch) >= BATCH_ROWS:
            ids += _write_batch_or_say_where(db, actor, batch, file_mrns, len(ids))
            batch = []
            if db.is_sqlite:
                time.sleep(SQLITE_PAUSE_SECONDS)
    if batch:
        ids += _write_batch_or_say_where(db, actor, batch, file_mrns, len(ids))
    return ids


def _write_batch_or_say_where(
    db: Database, actor: Actor, batch: list[tuple[int, Patient]], file_mrns: set[str], done: int
) -> list[int]:
    try:
        return _write_batch(db, actor, batch, file_mrns)
    except ImportRejected as exc:
        if not done:
            raise
        raise ImportRejected(
            f"{exc.message}; the {done} rows before line {batch[0][0]} were imported, "
            f"nothing from line {batch[0][0]} on"
        ) from None
