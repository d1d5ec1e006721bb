"""Backups: a consistent online copy of the ledger, and restoring one without losing newer work.

SQLite uses its backup API (a page-consistent copy while writers carry on); PostgreSQL uses
`pg_dump` in custom format, when it is installed. A backup holds patient names and addresses,
so the file is created 0600. A restore refuses a backup whose chain does not verify, and
refuses to overwrite a ledger that holds entries the backup lacks unless forced.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ledger import audit
from ledger.access import Actor, authorize
from ledger.check import run_check
from ledger.database import Database, open_database
from ledger.errors import (
    BackupDoesNotVerify,
    BackupFailed,
    BackupNotSupported,
    RestoreWouldOverwriteNewer,
)
from ledger.services.audited import audited

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


@dataclass(frozen=True)
class LedgerCopy:
    """A backup written or a restore finished: where, and the chain it holds."""

    path: str
    movements: int
    head: str


def _private_file(path: Path) -> None:
    """Create the file 0600 before anything writes into it; never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise BackupFailed(f"{path} already exists; a backup never overwrites a file") from None
    os.close(fd)


def _verified(db: Database, what: str) -> LedgerCopy:
    report = run_check(db)
    if not report.ok:
        first = report.problems[0]
        raise BackupDoesNotVerify(
            f"{what} does not verify: movement {first.movement_id}: {first.rule}: {first.message}"
        )
    return LedgerCopy(path=db.url, movements=report.movements, head=report.head)


@audited("backup")
def backup(db: Database, actor: Actor, path: Path) -> LedgerCopy:
    """Write a consistent copy of the ledger to `path` (a new file) and verify it."""
    with db.read() as session:
        authorize(session, actor, "backup")
    path = Path(path).expanduser().resolve()
    if not db.is_sqlite and shutil.which("pg_dump") is None:
        raise BackupNotSupported(
            "pg_dump is not installed on this computer; install the PostgreSQL client tools "
            "or back up on the database server"
        )
    _private_file(path)
    try:
        if db.is_sqlite:
            copy = _backup_sqlite(db, path)
        else:
            copy = _backup_postgresql(db, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    audit.record(
        db,
        action="backup",
        outcome="ok",
        username=actor.username,
        detail={"path": str(path), "movements": copy.movements, "head": copy.head},
    )
    return copy


def _backup_sqlite(db: Database, path: Path) -> LedgerCopy:
    raw = db.engine.raw_connection()
    try:
        target = sqlite3.connect(path)
        try:
            # One step (pages=-1): the copy is taken under a single read snapshot.
            raw.driver_connection.backup(target)  # type: ignore[union-attr]
        finally:
            target.close()
    finally:
        raw.close()
    copy = open_database(str(path))
    try:
        return _verified(copy, f"the backup {path}")
    finally:
        copy.dispose()


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (it goes in the environment, not on `ps`)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupFailed(f"{what} failed: {message}")
    return done.stdout


def _backup_postgresql(db: Database, path: Path) -> LedgerCopy:
    conninfo, env = _libpq(db.url)
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", conninfo], env, "pg_dump")
    os.chmod(path, 0o600)
    seq, head = _dumped_head(path, env)
    return LedgerCopy(path=str(path), movements=seq, head=head)


def _dumped_head(path: Path, env: dict[str, str]) -> tuple[int, str]:
    """The chain head inside a pg_dump file, read without restoring it."""
    text = _run(
        ["pg_restore", "--data-only", "--table=chain_head", "--file=-", str(path)],
        env,
        "pg_restore",
    )
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] == "1":
            return int(parts[1]), parts[2]
    raise BackupDoesNotVerify(f"{path} holds no vialbook chain head")


def _target_head(target: Database) -> tuple[int, str] | None:
    try:
        with target.engine.connect() as conn:
            row = conn.exec_driver_sql("SELECT seq, hash FROM chain_head WHERE id = 1").first()
    except sa.exc.DBAPIError:
        return None  # no ledger there yet
    return (int(row[0]), str(row[1])) if row else None


def restore(path: Path, target_url: str, *, force: bool = False) -> LedgerCopy:
    """Restore a backup onto `target_url` (a file path or a URL) and verify the result."""
    path = Path(path).expanduser()
    try:
        with path.open("rb") as f:
            magic = f.read(16)
    except OSError as exc:
        raise BackupFailed(f"cannot read backup {path}: {exc.strerror}") from None
    target = open_database(target_url)
    try:
        if magic == SQLITE_MAGIC and target.is_sqlite:
            return _restore_sqlite(path, target, force)
        if magic.startswith(PG_DUMP_MAGIC) and not target.is_sqlite:
            return _restore_postgresql(path, target, force)
        raise BackupNotSupported(
            f"{path} is not a backup for a {target.dialect} database "
            "(SQLite backups restore to SQLite, pg_dump backups to PostgreSQL)"
        )
    finally:
        target.dispose()


def _refuse_newer(target: Database, backup_has: Callable[[int, str], bool], force: bool) -> None:
    head = _target_head(target)
    if head is None or head[0] == 0 or force:
        return
    if not backup_has(*head):
        raise RestoreWouldOverwriteNewer(
            f"the target ledger holds movement {head[0]} that the backup does not; restoring "
            "would lose it (use --force to overwrite anyway)"
        )


def _restore_sqlite(path: Path, target: Database, force: bool) -> LedgerCopy:
    source = open_database(str(path))
    try:
        copy = _verified(source, f"the backup {path}")

        def backup_has(seq: int, digest: str) -> bool:
            with source.engine.connect() as conn:
                found = conn.exec_driver_sql(
                    "SELECT hash FROM movement WHERE id = ?", (seq,)
                ).scalar()
            return found == digest

        _refuse_newer(target, backup_has, force)
        target.dispose()
        raw = source.engine.raw_connection()
        try:
            dest = sqlite3.connect(make_url(target.url).database or "")
            try:
                raw.driver_connection.backup(dest)  # type: ignore[union-attr]
            finally:
                dest.close()
        finally:
            raw.close()
    finally:
        source.dispose()
    restored = _verified(target, "the restored ledger")
    assert restored.head == copy.head
    return restored


def _restore_postgresql(path: Path, target: Database, force: bool) -> LedgerCopy:
    conninfo, env = _libpq(target.url)
    seq, digest = _dumped_head(path, env)
    # Without restoring the dump its chain cannot be read; the target is newer when it
    # holds more movements than the backup's head, or a different movement at that point.
    head = _target_head(target)
    if head is not None and head[0] > 0 and not force:
        if head[0] > seq or (head[0] == seq and head[1] != digest):
            raise RestoreWouldOverwriteNewer(
                f"the target ledger holds {head[0]} movements, the backup {seq}; restoring "
                "would lose entries (use --force to overwrite anyway)"
            )
    target.dispose()
    _run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
         f"--dbname={conninfo}", str(path)],
        env,
        "pg_restore",
    )  # fmt: skip
    return _verified(target, "the restored ledger")
