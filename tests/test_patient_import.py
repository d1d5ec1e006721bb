"""A long patient import: validated whole first, written in short batches; the clinic goes on."""

from __future__ import annotations

import io
import threading
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from ledger.errors import ImportRejected
from ledger.models import Patient
from ledger.services import patient_import
from ledger.services.infusions import record_infusion
from ledger.services.patients import import_patients
from tests.reliability.cli import assert_refused, vialbook
from tests.support import Clinic, audit_rows, dump


def _csv(
    rows: int, *, with_mrn_every: int = 0, bad_line: int | None = None, first: int = 0
) -> bytes:
    """`rows` people numbered from `first` (a later file names other people: no duplicates)."""
    out = io.StringIO()
    out.write("name,address,dob,mrn,weight\n")
    for i in range(first, first + rows):
        line = i - first + 2
        mrn = f"EXT-{i}" if with_mrn_every and i % with_mrn_every == 0 else ""
        dob = "02/03/1980" if line == bad_line else f"19{50 + i % 50}-0{1 + i % 9}-1{i % 9}"
        out.write(f"Person {i},{i} Long Road,{dob},{mrn},{60 + i % 40}kg\n")
    return out.getvalue().encode()


@contextmanager
def _counting(db_engine: sa.Engine) -> Iterator[dict[str, int]]:
    counts = {"statements": 0, "commits": 0}

    def statement(*_: object) -> None:
        counts["statements"] += 1

    def commit(*_: object) -> None:
        counts["commits"] += 1

    event.listen(db_engine, "before_cursor_execute", statement)
    event.listen(db_engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(db_engine, "before_cursor_execute", statement)
        event.remove(db_engine, "commit", commit)


@pytest.fixture
def quick_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # raising=False: the same tests run against an import that has no batches at all.
    monkeypatch.setattr(patient_import, "BATCH_ROWS", 100, raising=False)
    monkeypatch.setattr(patient_import, "SQLITE_PAUSE_SECONDS", 0, raising=False)


def test_an_import_writes_in_short_transactions_not_one_long_one(
    clinic: Clinic, quick_batches: None
) -> None:
    with _counting(clinic.db.engine) as counts:
        ids = import_patients(clinic.db, clinic.actor("maria"), _csv(1_050, with_mrn_every=3))
    assert len(ids) == 1_050
    # Eleven batches of at most 100 rows, each committed on its own (and audited).
    assert counts["commits"] >= 11
    batches = [r for r in audit_rows(clinic.db) if r[1:3] == ("patient.import", "batch")]
    assert len(batches) == 11
    # No row costs a query of its own: no counting of all patients per row.
    assert counts["statements"] < 200, counts


def test_mrns_come_from_the_sequence_and_skip_the_files_own(
    clinic: Clinic, quick_batches: None
) -> None:
    data = b"name,address,dob,mrn\nA One,1 Rd,1970-01-01,\nB Two,2 Rd,1970-01-02,p000005\n"
    data += b"C Three,3 Rd,1970-01-03,\n" * 1 + b"D Four,4 Rd,1970-01-04,\n"
    import_patients(clinic.db, clinic.actor("maria"), data)
    with clinic.db.read() as s:
        got = s.exec(sa.select(Patient.name, Patient.mrn).order_by(Patient.id)).all()  # type: ignore[call-overload]
    assert [tuple(r) for r in got[3:]] == [
        ("A One", "P000004"), ("B Two", "P000005"), ("C Three", "P000006"), ("D Four", "P000007"),
    ]  # fmt: skip


def test_a_bad_row_late_in_a_long_file_imports_nothing(clinic: Clinic, quick_batches: None) -> None:
    before = dump(clinic.db)
    with pytest.raises(ImportRejected, match="line 1001:"):
        import_patients(clinic.db, clinic.actor("maria"), _csv(1_050, bad_line=1_001))
    assert dump(clinic.db) == before


def test_an_mrn_already_held_late_in_the_file_imports_nothing(
    clinic: Clinic, quick_batches: None
) -> None:
    data = _csv(700).replace(b"Person 650,650 Long Road,", b"Person 650,650 Long Road,", 1)
    lines = data.decode().splitlines()
    lines[652] = lines[652].replace(",,", ",mrn2,")  # line 653 of the file; MRN2 is taken
    before = dump(clinic.db)
    with pytest.raises(ImportRejected, match="line 653: a patient with MRN MRN2 already exists"):
        import_patients(clinic.db, clinic.actor("maria"), "\n".join(lines).encode())
    assert dump(clinic.db) == before


def test_a_nurse_records_an_infusion_between_two_batches_of_an_import(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import's writer lets go after each batch: a chair-side write lands in between."""
    monkeypatch.setattr(patient_import, "BATCH_ROWS", 100)
    monkeypatch.setattr(patient_import, "SQLITE_PAUSE_SECONDS", 0)
    first_batch_done = threading.Event()
    infusion_done = threading.Event()
    write_batch = patient_import._write_batch

    def batch_then_wait(*args, **kwargs):  # type: ignore[no-untyped-def]
        ids = write_batch(*args, **kwargs)
        if not first_batch_done.is_set():
            first_batch_done.set()
            assert infusion_done.wait(120)  # the import waits for the nurse, not the reverse
        return ids

    monkeypatch.setattr(patient_import, "_write_batch", batch_then_wait)
    manager, nurse = clinic.actor("maria"), clinic.actor("nina")
    result: list[object] = []
    importer = threading.Thread(
        target=lambda: result.append(import_patients(clinic.db, manager, _csv(300)))
    )
    importer.start()
    assert first_batch_done.wait(120)
    record_infusion(
        clinic.db, nurse, patient="MRN1", vial="K-000001", drawn_ug=45_000, given_ug=40_000,
        wasted_ug=5_000, witness=clinic.witness("omar"),
    )  # fmt: skip
    infusion_done.set()
    importer.join()
    assert len(result[0]) == 300  # type: ignore[arg-type]


def test_memory_stays_flat_as_an_import_grows(sqlite_clinic: Clinic, quick_batches: None) -> None:
    """Rows are streamed and written in batches: only a short key per row stays in memory."""
    manager = sqlite_clinic.actor("maria")

    def peak(rows: int, first: int) -> int:
        data = _csv(rows, first=first)
        tracemalloc.start()
        try:
            import_patients(sqlite_clinic.db, manager, data)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small = peak(500, 0)
    large = peak(5_000, 500)  # other people: the same ones again would be refused
    # Ten times the rows: well under ten times the memory (the old import held every row).
    assert large < 3 * small, (small, large)


def test_the_command_line_streams_the_file_and_refuses_a_directory(
    sqlite_db: object, tmp_path: Path
) -> None:
    url = sqlite_db.url  # type: ignore[attr-defined]
    path = tmp_path / "patients.csv"
    path.write_bytes(_csv(3))
    result = vialbook(url, "patient", "import", str(path), user="maria")
    assert result.exit_code == 0, result.output
    assert "imported 3 patients" in result.output
    assert_refused(
        vialbook(url, "patient", "import", str(tmp_path), user="maria"), "FileUnreadable"
    )
