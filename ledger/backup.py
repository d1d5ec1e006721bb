"""Backups: a consistent online copy of the ledger, verified before it is called a backup.

SQLite uses its backup API (a page-consistent copy while writers carry on); PostgreSQL uses
`pg_dump` in custom format. Either copy is then loaded into a scratch ledger and verified
there (ledger/staging.py): a ledger that fails `check`, or whose guards were tampered with,
gives no backup at all rather than a copy of the damage. A backup holds patient names and
addresses, so the file is created 0600. Restoring one is ledger/restore.py.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ledger import audit
from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.staging import (
    LedgerCopy,
    libpq,
    private_file,
    run_tool,
    staged_postgresql,
    staged_sqlite,
)
from ledger.unit_of_work import look

__all__ = ["LedgerCopy", "backup"]


@audited("backup")
def backup(db: Database, actor: Actor, path: Path) -> LedgerCopy:
    """Write a consistent copy of the ledger to `path` (a new file) and verify it."""
    with look(db, actor, "backup"):
        pass  # authorized now; the copy below is read on its own connection
    path = Path(path).expanduser().resolve()
    private_file(path)
    try:
        if db.is_sqlite:
            _copy_sqlite(db, path)
            with staged_sqlite(path) as staged:
                copy = staged.copy
        else:
            conninfo, env = libpq(db.url)
            run_tool(
                ["pg_dump", "--format=custom", "--no-owner", f"--file={path}", conninfo],
                env,
                "pg_dump",
            )
            os.chmod(path, 0o600)
            with staged_postgresql(path, db.url) as staged:
                copy = staged.copy
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    copy = LedgerCopy(path=str(path), movements=copy.movements, head=copy.head)
    audit.record(
        db,
        action="backup",
        outcome="ok",
        username=actor.username,
        detail={"path": str(path), "movements": copy.movements, "head": copy.head},
    )
    return copy


def _copy_sqlite(db: Database, path: Path) -> None:
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
