"""An export never loses a file: not the ledger, not a backup, not yesterday's export unless
the person says --force, and never by inventing folders or writing a format under another
format's name. Every refusal names its rule and leaves the ledger and the disk as they were."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from ledger.database import Database
from tests.reliability.cli import assert_refused, vialbook
from tests.support import Clinic, audit_rows, dump

PERIOD = ("--from", "2020-01-01", "--to", "2035-12-31")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _still_the_ledger(db: Database, before: dict) -> None:  # type: ignore[type-arg]
    # The file's bytes move with the refusals' own audit rows; its content must not.
    assert _ledger_file(db).read_bytes().startswith(b"SQLite format 3\x00")
    assert dump(db) == before


def _export(db: Database, out: Path, *extra: str, report: str = "receiving-log"):  # type: ignore[no-untyped-def]
    return vialbook(db.url, "export", report, *PERIOD, "--out", str(out), *extra, user="audrey")


def _ledger_file(db: Database) -> Path:
    return Path(db.url.removeprefix("sqlite:///"))


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_an_export_onto_the_ledger_itself_is_refused_even_with_force(
    sqlite_db: Database,
) -> None:
    ledger = _ledger_file(sqlite_db)
    before = dump(sqlite_db)
    link = ledger.with_suffix(".pdf")
    link.symlink_to(ledger)  # a link with a PDF's name still points at the ledger
    for out, extra in (
        (ledger, ("--format", "pdf")),
        (ledger, ("--force", "--format", "xlsx")),
        (link, ("--force",)),
    ):
        assert_refused(_export(sqlite_db, out, *extra), "ExportWouldReplaceLedger")
    _still_the_ledger(sqlite_db, before)
    refused = [r for r in audit_rows(sqlite_db) if r[1] == "export" and r[2] == "refused"]
    assert [r[3] for r in refused] == ["ExportWouldReplaceLedger"] * 3


def test_an_export_never_replaces_the_ledgers_write_ahead_log(sqlite_db: Database) -> None:
    wal = Path(str(_ledger_file(sqlite_db)) + "-wal")
    before = dump(sqlite_db)
    with sqlite_db.engine.connect():  # a connection keeps the -wal file present
        assert wal.exists()
        result = _export(sqlite_db, wal, "--force", "--format", "pdf")
        assert_refused(result, "ExportWouldReplaceLedger")
        renamed = wal.parent / (wal.name + ".pdf")
        renamed.symlink_to(wal)
        assert_refused(_export(sqlite_db, renamed, "--force"), "ExportWouldReplaceLedger")
        # The refusals' audit rows are the only writes the log has seen.
        assert not wal.read_bytes().startswith(b"%PDF")
    assert dump(sqlite_db) == before


def test_a_backup_or_another_clinics_database_is_never_replaced(
    sqlite_db: Database, tmp_path: Path
) -> None:
    other = tmp_path / "other-clinic.xlsx"  # a database someone gave an export's name
    shutil.copyfile(_ledger_file(sqlite_db), other)
    before = _sha(other)
    assert_refused(_export(sqlite_db, other, "--force"), "ExportWouldReplaceLedger")
    dumped = tmp_path / "nightly.pdf"
    dumped.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)  # a pg_dump backup's first bytes
    assert_refused(_export(sqlite_db, dumped, "--force"), "ExportWouldReplaceLedger")
    assert _sha(other) == before
    assert dumped.read_bytes().startswith(b"PGDMP")


def test_an_existing_export_is_kept_unless_force_is_given(clinic: Clinic, tmp_path: Path) -> None:
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    out = tmp_path / "receiving.pdf"
    out.write_bytes(b"%PDF-1.4 yesterday's receiving log")
    before_rows = dump(clinic.db)
    result = _export(clinic.db, out)
    assert_refused(result, "ExportWouldOverwrite")
    assert "--force" in result.output
    assert out.read_bytes() == b"%PDF-1.4 yesterday's receiving log"
    assert dump(clinic.db) == before_rows
    assert _files(tmp_path) == {"receiving.pdf"}  # no temporary file left behind

    replaced = _export(clinic.db, out, "--force")
    assert replaced.exit_code == 0, replaced.output
    assert out.read_bytes().startswith(b"%PDF") and b"yesterday" not in out.read_bytes()
    assert _files(tmp_path) == {"receiving.pdf"}


def test_a_folder_or_a_missing_folder_is_refused_with_its_rule(
    clinic: Clinic, tmp_path: Path
) -> None:
    assert_refused(_export(clinic.db, tmp_path, "--format", "pdf"), "ExportPathInvalid")
    folder = tmp_path / "reports.pdf"
    folder.mkdir()
    assert_refused(_export(clinic.db, folder, "--force"), "ExportPathInvalid")
    missing = tmp_path / "no" / "such" / "folder" / "log.pdf"
    result = _export(clinic.db, missing)
    assert_refused(result, "ExportPathInvalid")
    assert not (tmp_path / "no").exists()  # no folder is invented


def test_a_format_that_disagrees_with_the_file_name_is_refused(
    clinic: Clinic, tmp_path: Path
) -> None:
    out = tmp_path / "receiving.xlsx"
    result = _export(clinic.db, out, "--format", "pdf")
    assert_refused(result, "ExportFormatMismatch")
    assert not out.exists()


def test_a_long_path_is_not_echoed_back_whole(clinic: Clinic, tmp_path: Path) -> None:
    out = tmp_path / ("x" * 200) / ("y" * 200 + ".pdf")
    result = _export(clinic.db, out)
    assert_refused(result, "ExportPathInvalid")
    assert len(result.output) < 600


@pytest.mark.parametrize("name", ["audit.zip", "audit.pdf"])
def test_the_auditor_bundle_keeps_the_same_rules(
    sqlite_db: Database, tmp_path: Path, name: str
) -> None:
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    out = tmp_path / name
    out.write_bytes(b"last month's bundle")

    def bundle(*extra: str):  # type: ignore[no-untyped-def]
        return vialbook(
            sqlite_db.url, "export", "bundle", *PERIOD, "--out", str(out), *extra, user="audrey"
        )

    if name.endswith(".pdf"):
        assert_refused(bundle("--force"), "ExportFormatMismatch")
        assert out.read_bytes() == b"last month's bundle"
        return
    assert_refused(bundle(), "ExportWouldOverwrite")
    assert out.read_bytes() == b"last month's bundle"
    link = tmp_path / "ledger.zip"
    link.symlink_to(_ledger_file(sqlite_db))
    before = dump(sqlite_db)
    result = vialbook(
        sqlite_db.url, "export", "bundle", *PERIOD, "--out", str(link), "--force", user="audrey"
    )
    assert_refused(result, "ExportWouldReplaceLedger")
    _still_the_ledger(sqlite_db, before)
    done = bundle("--force")
    assert done.exit_code == 0, done.output
    assert out.read_bytes()[:2] == b"PK"
    assert _files(tmp_path) == {name, "ledger.zip"}
