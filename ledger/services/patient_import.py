"""Importing a clinic's existing patient list from a CSV file: the whole file validated
first (a bad row imports nothing), then written in short batches so the clinic keeps working."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from datetime import date
from typing import BinaryIO

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ledger import audit, clock
from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import ImportRejected, Refusal
from ledger.models import Patient
from ledger.services.patient_rules import (
    NewPatient,
    allocate_mrns,
    hold_patient_writers_lock,
    person_key,
    same_people,
    taken_mrns,
    validated_patient,
)
from ledger.unit_of_work import act, look
from ledger.units import parse_date, parse_weight_g

#: Rows written per transaction: SQLite's write lock is held for one batch (tens of
#: milliseconds), never for the whole file, so a nurse at the chair is not kept waiting.
BATCH_ROWS = 1000
#: SQLite's write lock has no queue. After each batch the import steps aside this long,
#: longer than SQLite's longest busy-wait step (100 ms), so a waiting writer gets in.
SQLITE_PAUSE_SECONDS = 0.12
#: A line longer than this is not a patient (the longest row of valid fields is ~800).
MAX_LINE_BYTES = 16_384

REQUIRED_COLUMNS = ("name", "address", "dob")
OPTIONAL_COLUMNS = ("mrn", "weight")


def _legacy_mrns(session: Session) -> set[str]:
    """MRNs stored before they were normalized (with lower-case letters), upper-cased.

    A scan of the patient table, so it runs once per import, never per row; normally empty.
    """
    stmt = select(Patient.mrn).where(Patient.mrn != func.upper(Patient.mrn))
    return {m.upper() for m in session.exec(stmt)}


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
        return validated_patient(
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
            clash = (taken_mrns(session, pending) | (legacy & set(pending))) if pending else set()
            if clash:
                line = min(mrn_lines[m] for m in clash)
                mrn = next(m for m in clash if mrn_lines[m] == line)
                raise ImportRejected(f"line {line}: a patient with MRN {mrn} already exists")
            pending.clear()

        def check_pending_people() -> None:
            held = same_people(session, pending_people) if pending_people else {}
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
                person = (person_key(row.name), row.dob)
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
        hold_patient_writers_lock(session)
        given = [row.mrn for _, row in batch if row.mrn]
        clash = taken_mrns(session, given)
        if clash:
            line = min(ln for ln, row in batch if row.mrn in clash)
            raise ImportRejected(
                f"line {line}: a patient with this MRN was added while the file was importing"
            )
        fresh = iter(allocate_mrns(session, len(batch) - len(given), file_mrns))
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
