"""A backup is verified before it is called one, and a restore before it replaces anything:
a tampered ledger gives no backup, and a tampered backup, another clinic's ledger, a backup
whose guards were removed or planted, or a ledger still open elsewhere leave the target
exactly as it was (issue 9, items 2, 3 and 7)."""

from __future__ import annotations

import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ledger import schema
from ledger.database import Database, open_database
from ledger.services import users
from tests.conftest import PgDatabases
from tests.reliability.cli import assert_refused, vialbook
from tests.reliability.soundness import assert_ledger_sound
from tests.reliability.tampering import drop_guards, execute
from tests.support import Clinic, build_clinic, dump


def _raw_backup(db: Database, path: Path) -> None:
    """A copy taken behind vialbook's back, as an attacker or a careless script would."""
    if db.is_sqlite:
        source = sqlite3.connect(make_url(db.url).database or "")
        target = sqlite3.connect(path)
        source.backup(target)
        target.close()
        source.close()
    else:
        plain = make_url(db.url).set(drivername="postgresql").render_as_string(False)
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={path}", plain], check=True
        )


def _another_ledger(db: Database, request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    """An empty database of the same kind as `db`."""
    if db.is_sqlite:
        return open_database(str(tmp_path / "other.db"))
    pgs: PgDatabases = request.getfixturevalue("pg_databases")
    return open_database(pgs.url(pgs.create()))


def _restore(target: Database, path: Path, *extra: str):  # type: ignore[no-untyped-def]
    target.dispose()
    return vialbook(target.url, "restore", str(path), "--db", target.url, *extra, user=None)


def _still_guarded(db: Database) -> None:
    """The target's append-only guards still refuse an edit."""
    with pytest.raises(sa.exc.DBAPIError, match="AppendOnly"):
        execute(db, "UPDATE movement SET amount_ug = 1 WHERE id = 1")
    db.dispose()


def _infuse_once(clinic: Clinic) -> None:
    from ledger.services.infusions import record_infusion

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


def test_a_backup_of_a_tampered_ledger_is_refused_and_leaves_no_file(
    clinic: Clinic, tmp_path: Path
) -> None:
    db = clinic.db
    drop_guards(db)
    execute(db, "UPDATE movement SET amount_ug = 400000 WHERE id = 1")
    path = tmp_path / "tampered.backup"
    result = vialbook(db.url, "backup", str(path), user="maria")
    assert_refused(result, "BackupDoesNotVerify")
    assert "movement 1: HashMismatch" in result.output
    assert not path.exists()


def test_a_tampered_backup_leaves_a_healthy_ledger_exactly_as_it_was(
    clinic: Clinic, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # The backup comes from a copy of this clinic whose first receipt was altered.
    forged = _another_ledger(clinic.db, request, tmp_path)
    forged.dispose()
    good = tmp_path / "good.backup"
    assert vialbook(clinic.db.url, "backup", str(good), user="maria").exit_code == 0
    assert _restore(forged, good).exit_code == 0
    drop_guards(forged)
    execute(forged, "UPDATE movement SET amount_ug = 400000 WHERE id = 1")
    tampered = tmp_path / "tampered.backup"
    _raw_backup(forged, tampered)
    forged.dispose()

    _infuse_once(clinic)  # the healthy ledger has moved on since
    before = dump(clinic.db)
    result = _restore(clinic.db, tampered, "--force")
    assert_refused(result, "BackupDoesNotVerify")
    assert dump(clinic.db) == before
    _still_guarded(clinic.db)
    assert_ledger_sound(clinic.db)


def test_a_refused_restore_creates_no_ledger_where_there_was_none(
    sqlite_db: Database, tmp_path: Path
) -> None:
    drop_guards(sqlite_db)
    execute(sqlite_db, "UPDATE movement SET amount_ug = 400000 WHERE id = 1")
    tampered = tmp_path / "tampered.backup"
    _raw_backup(sqlite_db, tampered)
    target = tmp_path / "new-site.db"
    result = vialbook(str(target), "restore", str(tampered), "--db", str(target), user=None)
    assert_refused(result, "BackupDoesNotVerify")
    assert not target.exists()


def test_another_clinics_ledger_never_replaces_this_one(
    clinic: Clinic, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # Another clinic, built the same way on another day: its chain is not ours.
    other = _another_ledger(clinic.db, request, tmp_path)
    schema.upgrade(other)
    build_clinic(other, at=datetime(2026, 2, 9, 16, 0, tzinfo=UTC))
    theirs = tmp_path / "other-clinic.backup"
    assert vialbook(other.url, "backup", str(theirs), user="maria").exit_code == 0
    other.dispose()

    before = dump(clinic.db)
    result = _restore(clinic.db, theirs)
    assert_refused(result, "RestoreWouldOverwriteNewer")
    assert "is not in the backup's chain" in result.output
    assert dump(clinic.db) == before
    _still_guarded(clinic.db)


def test_a_new_clinic_with_no_movements_is_not_replaced_by_another_clinic(
    clinic: Clinic, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    fresh = _another_ledger(clinic.db, request, tmp_path)
    schema.upgrade(fresh)
    users.init_clinic(
        fresh,
        clinic_name="Mountain Infusions",
        admin_username="boss",
        admin_full_name="Bo Boss",
        admin_password="boss-secret-pw",
        timezone="America/Denver",
    )
    before = dump(fresh)
    ours = tmp_path / "test-clinic.backup"
    assert vialbook(clinic.db.url, "backup", str(ours), user="maria").exit_code == 0
    result = _restore(fresh, ours)
    assert_refused(result, "RestoreWouldReplaceAnotherClinic")
    assert "Mountain Infusions" in result.output
    assert dump(fresh) == before
    fresh.dispose()


@pytest.mark.parametrize("how", ["removed", "planted"])
def test_a_backup_whose_guards_were_altered_is_refused(
    clinic: Clinic, request: pytest.FixtureRequest, tmp_path: Path, how: str
) -> None:
    # The ledger's data is untouched, so check alone would pass: only its guards differ.
    altered = _another_ledger(clinic.db, request, tmp_path)
    altered.dispose()
    good = tmp_path / "good.backup"
    assert vialbook(clinic.db.url, "backup", str(good), user="maria").exit_code == 0
    assert _restore(altered, good).exit_code == 0
    if how == "removed":
        drop_guards(altered)
    elif altered.is_sqlite:
        execute(
            altered,
            "CREATE TRIGGER forget_refusals AFTER INSERT ON audit_event "
            "WHEN NEW.outcome = 'refused' BEGIN SELECT 1; END",
        )
    else:
        execute(
            altered,
            "CREATE FUNCTION forget() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NULL; END $$",
            "CREATE TRIGGER forget_refusals AFTER INSERT ON audit_event "
            "FOR EACH ROW WHEN (NEW.outcome = 'refused') EXECUTE FUNCTION forget()",
        )
    backup = tmp_path / "altered.backup"
    _raw_backup(altered, backup)
    # vialbook itself will not call it a backup either.
    refused_backup = vialbook(altered.url, "backup", str(tmp_path / "x.backup"), user="maria")
    assert_refused(refused_backup, "BackupGuardsAltered")
    altered.dispose()

    before = dump(clinic.db)
    result = _restore(clinic.db, backup, "--force")
    assert_refused(result, "BackupGuardsAltered")
    assert ("missing" if how == "removed" else "not made by vialbook") in result.output
    assert dump(clinic.db) == before
    _still_guarded(clinic.db)


def test_a_postgresql_restore_waits_for_every_workstation_to_close(
    db: Database, tmp_path: Path
) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite switches under its own write lock")
    path = tmp_path / "monday.backup"
    assert vialbook(db.url, "backup", str(path), user="maria").exit_code == 0
    before = dump(db)
    with db.engine.connect() as workstation:  # someone is still charting
        result = vialbook(db.url, "restore", str(path), "--db", db.url, user=None)
        assert_refused(result, "RestoreTargetInUse")
        workstation.exec_driver_sql("SELECT 1")
    assert dump(db) == before
    db.dispose()
    done = vialbook(db.url, "restore", str(path), "--db", db.url, "--json", user=None)
    assert done.exit_code == 0, done.output
    assert '"kept_as": "' in done.output  # the replaced ledger is kept, not dropped
    assert dump(db) == before
    assert_ledger_sound(db)
