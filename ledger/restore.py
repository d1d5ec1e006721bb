"""Restoring a backup: verify it somewhere harmless, then switch, or leave the target as it was.

The order is the whole point. The backup is loaded into a scratch ledger and verified there
(ledger/staging.py). It is then compared with the ledger it would replace: the target's last
movement must be in the backup's chain (so no entry is lost) and a ledger that belongs to
another clinic is never replaced, unless the person says --force. Only then is the verified
copy switched in: SQLite's backup API writes it into the target in one transaction;
PostgreSQL renames the scratch database into the target's name in one transaction and keeps
the replaced ledger under a dated name. A refused restore leaves the target exactly as it was,
and does not create it where it did not exist.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ledger.database import open_database, resolve_url
from ledger.errors import (
    BackupFailed,
    BackupNotSupported,
    RestoreTargetInUse,
    RestoreWouldOverwriteNewer,
    RestoreWouldReplaceAnotherClinic,
)
from ledger.staging import (
    PG_DUMP_MAGIC,
    SQLITE_MAGIC,
    LedgerCopy,
    Staged,
    clinic_name,
    magic_of,
    scratch_name,
    server_admin,
    staged_postgresql,
    staged_sqlite,
    verify,
)


def restore(path: Path, target_url: str, *, force: bool = False) -> LedgerCopy:
    """Restore a backup onto `target_url` (a file path or a URL) and verify the result."""
    path = Path(path).expanduser()
    magic = magic_of(path)
    target_url = resolve_url(target_url)
    url = make_url(target_url)
    if url.get_backend_name() == "sqlite":
        if magic != SQLITE_MAGIC:
            raise BackupNotSupported(
                f"{path} is not a SQLite backup (pg_dump backups restore to PostgreSQL)"
            )
        return _restore_sqlite(path, Path(url.database or ""), target_url, force)
    if not magic.startswith(PG_DUMP_MAGIC):
        raise BackupNotSupported(
            f"{path} is not a pg_dump backup (SQLite backups restore to SQLite)"
        )
    return _restore_postgresql(path, target_url, force)


def _target_head(url: str) -> tuple[int, str] | None:
    """The target's chain head, or None where there is no ledger yet."""
    target = open_database(url)
    try:
        with target.engine.connect() as conn:
            row = conn.exec_driver_sql("SELECT seq, hash FROM chain_head WHERE id = 1").first()
    except sa.exc.DBAPIError:
        return None
    finally:
        target.dispose()
    return (int(row[0]), str(row[1])) if row else None


def _refuse_loss(url: str, staged: Staged, force: bool) -> None:
    """The target's history must be inside the backup's, and of the same clinic."""
    if force:
        return
    head = _target_head(url)
    if head is None:
        return
    if head[0] > 0:
        if not staged.holds_movement(*head):
            raise RestoreWouldOverwriteNewer(
                f"the target ledger's movement {head[0]} is not in the backup's chain; "
                "restoring would lose it (use --force to overwrite anyway)"
            )
        return
    target = open_database(url)
    try:
        theirs = clinic_name(target)
    finally:
        target.dispose()
    ours = staged.clinic_name()
    if theirs is not None and theirs != ours:
        raise RestoreWouldReplaceAnotherClinic(
            f"the target is the ledger of {theirs!r}, the backup is of {ours!r}; "
            "use --force to replace it anyway"
        )


# -- SQLite -----------------------------------------------------------------------------------
def _restore_sqlite(path: Path, target: Path, url: str, force: bool) -> LedgerCopy:
    if target.is_dir():
        raise BackupFailed(f"{target} is a folder; give the ledger's file name")
    if not target.parent.is_dir():
        raise BackupFailed(f"the folder {target.parent} does not exist; create it first")
    exists = target.exists() and target.stat().st_size > 0
    if exists and magic_of(target) != SQLITE_MAGIC:
        raise BackupFailed(f"{target} is not a vialbook ledger; a restore never replaces it")
    with staged_sqlite(path) as staged:
        if exists:
            _refuse_loss(url, staged, force)
        else:
            # A new ledger file is private before SQLite writes a byte of it.
            fd = os.open(target, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        raw = staged.db.engine.raw_connection()
        try:
            dest = sqlite3.connect(target, timeout=60)
            try:
                # One step: the target's content is replaced in a single transaction,
                # under its own write lock, so a workstation reading it never sees half.
                raw.driver_connection.backup(dest)  # type: ignore[union-attr]
            finally:
                dest.close()
        finally:
            raw.close()
        expected = staged.copy
    return _confirmed(url, expected)


def _confirmed(url: str, expected: LedgerCopy, kept_as: str | None = None) -> LedgerCopy:
    restored_db = open_database(url)
    try:
        restored = verify(restored_db, "the restored ledger")
    finally:
        restored_db.dispose()
    if restored.head != expected.head:
        raise BackupFailed(
            "the restored ledger's head differs from the verified backup's; restore again"
        )
    return LedgerCopy(path=url, movements=restored.movements, head=restored.head, kept_as=kept_as)


# -- PostgreSQL -------------------------------------------------------------------------------
def _database_exists(admin: sa.Engine, name: str) -> bool:
    with admin.connect() as conn:
        found = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
    return found is not None


def _others_connected(admin: sa.Engine, name: str) -> int:
    """Sessions still open on `name`. A client that just disconnected leaves its server
    process for a moment, so a few seconds are allowed for those to go."""
    count = 0
    for _ in range(20):
        with admin.connect() as conn:
            count = int(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = :n AND pid <> pg_backend_pid()"
                    ),
                    {"n": name},
                ).scalar_one()
            )
        if count == 0:
            return 0
        time.sleep(0.25)
    return count


def _restore_postgresql(path: Path, url: str, force: bool) -> LedgerCopy:
    target_name = make_url(url).database
    if not target_name:
        raise BackupFailed("the target URL names no database")
    with staged_postgresql(path, url) as staged:
        admin = server_admin(url)
        try:
            exists = _database_exists(admin, target_name)
            if exists:
                _refuse_loss(url, staged, force)
            staged.db.dispose()
            kept_as = scratch_name(target_name, "replaced") if exists else None
            busy = _others_connected(admin, target_name) if exists else 0
            if busy:
                raise RestoreTargetInUse(
                    f"{busy} other connection(s) are open on {target_name}; close vialbook on "
                    "every workstation, then restore"
                )
            with admin.connect() as conn:
                # Both names change in one transaction: there is never a moment without
                # a ledger under the target's name, and a failure changes neither.
                conn = conn.execution_options(isolation_level="READ COMMITTED")
                with conn.begin():
                    if kept_as:
                        conn.exec_driver_sql(
                            f'ALTER DATABASE "{target_name}" RENAME TO "{kept_as}"'
                        )
                    conn.exec_driver_sql(
                        f'ALTER DATABASE "{staged.pg_name}" RENAME TO "{target_name}"'
                    )
            staged.adopted = True
        except sa.exc.DBAPIError as exc:
            raise BackupFailed(f"the server refused the switch: {exc.orig}") from None
        finally:
            admin.dispose()
        return _confirmed(url, staged.copy, kept_as)
