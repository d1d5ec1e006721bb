"""Backups: a consistent copy taken while nurses chart, restored to a ledger that verifies and
equals the original; a tampered backup or one older than the ledger is refused."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from ledger.database import Database, open_database
from ledger.services.infusions import record_infusion
from tests.conftest import PgDatabases
from tests.reliability.children import start_worker
from tests.reliability.cli import assert_refused, vialbook
from tests.reliability.soundness import assert_ledger_sound
from tests.reliability.tampering import drop_guards, execute
from tests.support import Clinic, dump


def _restore_target(db: Database, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of the same kind to restore into."""
    if db.is_sqlite:
        return str(tmp_path / "restored.db")
    pgs: PgDatabases = request.getfixturevalue("pg_databases")
    return pgs.url(pgs.create())


def _infuse(clinic: Clinic) -> None:
    record_infusion(
        clinic.db,
        clinic.actor("nina"),
        patient="MRN1",
        vial="K-000002",
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
        witness=clinic.witness("omar"),
    )


def test_a_backup_taken_while_nurses_chart_restores_to_the_same_ledger(
    clinic: Clinic, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = clinic.db
    writers = [
        start_worker("chair", db.url, nurse, witness, seed, 10, "K-000001", "K-000003")
        for seed, (nurse, witness) in enumerate([("nina", "omar"), ("omar", "nina")])
    ]
    try:
        for w in writers:
            assert w.stdout is not None and w.stdin is not None
            assert w.stdout.readline().strip() == '{"ready": true}'
            w.stdin.write("go\n")
            w.stdin.flush()
        for w in writers:  # back up once the writers are committing
            assert json.loads(w.stdout.readline())  # type: ignore[union-attr]
        during = tmp_path / "during.backup"
        taken = vialbook(db.url, "backup", str(during), user="maria")
        assert taken.exit_code == 0, taken.output
        for w in writers:
            _, err = w.communicate(timeout=120)
            assert w.returncode == 0, err
    finally:
        for w in writers:
            if w.poll() is None:
                w.kill()
                w.wait()

    # The copy taken mid-run is a consistent ledger of its own.
    target = _restore_target(db, request, tmp_path)
    restored = vialbook(target, "restore", str(during), "--db", target, user=None, witness=None)
    assert restored.exit_code == 0, restored.output
    assert "check passes" in restored.output
    copy = open_database(target)
    assert_ledger_sound(copy)
    copy.dispose()

    # A quiet backup, restored over that copy (an older ledger), equals the original.
    after = tmp_path / "after.backup"
    assert vialbook(db.url, "backup", str(after), user="maria").exit_code == 0
    assert stat.S_IMODE(after.stat().st_mode) == 0o600
    again = vialbook(target, "restore", str(after), "--db", target, user=None, witness=None)
    assert again.exit_code == 0, again.output
    copy = open_database(target)
    assert dump(copy) == dump(db)
    assert_ledger_sound(copy)
    copy.dispose()


def test_a_backup_never_overwrites_a_file(sqlite_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "existing.backup"
    path.write_bytes(b"yesterday's backup")
    assert_refused(vialbook(sqlite_db.url, "backup", str(path), user="maria"), "BackupFailed")
    assert path.read_bytes() == b"yesterday's backup"


def test_a_restore_refuses_a_backup_whose_chain_does_not_verify(
    sqlite_db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "tampered.backup"
    assert vialbook(sqlite_db.url, "backup", str(path), user="maria").exit_code == 0
    forged = open_database(str(path))
    drop_guards(forged)
    execute(forged, "UPDATE movement SET amount_ug = 400000 WHERE id = 1")
    forged.dispose()
    target = tmp_path / "target.db"
    result = vialbook(str(target), "restore", str(path), "--db", str(target), user=None)
    assert_refused(result, "BackupDoesNotVerify")
    assert "movement 1: HashMismatch" in result.output
    assert not target.exists() or target.stat().st_size == 0


def test_a_restore_never_overwrites_newer_entries_without_force(
    clinic: Clinic, tmp_path: Path
) -> None:
    if not clinic.db.is_sqlite and not Path("/usr/bin/pg_restore").exists():
        pytest.skip("pg_restore is not installed")
    db = clinic.db
    path = tmp_path / "monday.backup"
    assert vialbook(db.url, "backup", str(path), user="maria").exit_code == 0
    monday = dump(db)
    _infuse(clinic)  # Tuesday's work, not in the backup
    tuesday = dump(db)
    db.dispose()

    result = vialbook(db.url, "restore", str(path), "--db", db.url, user=None)
    assert_refused(result, "RestoreWouldOverwriteNewer")
    assert dump(db) == tuesday
    db.dispose()  # a restore switches only when nobody else has the ledger open

    forced = vialbook(db.url, "restore", str(path), "--db", db.url, "--force", user=None)
    assert forced.exit_code == 0, forced.output
    db.dispose()
    assert dump(db) == monday


def test_postgresql_without_pg_dump_gets_a_clear_refusal(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite backs up with its own API")
    monkeypatch.setenv("PATH", str(tmp_path))  # no pg_dump on this computer
    result = vialbook(db.url, "backup", str(tmp_path / "x.backup"), user="maria")
    assert_refused(result, "BackupNotSupported")
    assert "pg_dump is not installed" in result.output
    assert not (tmp_path / "x.backup").exists()
