"""A backup made real somewhere harmless and verified there, before anything depends on it.

Both `backup` (is the copy I just wrote sound?) and `restore` (may this copy replace the
ledger?) load the backup into a scratch ledger: a private temporary file for SQLite, a new
database on the same server for PostgreSQL. There it must hold a schema revision this program
knows, pass `check`, and carry exactly the guards the migrations create at that revision.
Only then does anyone act on it; on any refusal the scratch ledger is thrown away and nothing
else was touched.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from ledger.check import run_check
from ledger.database import Database, open_database
from ledger.errors import (
    BackupDoesNotVerify,
    BackupFailed,
    BackupGuardsAltered,
    BackupNotSupported,
)
from ledger.schema_guards import compare, read_guards, reference_guards

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
#: The PostgreSQL role workstations connect through (migrations/versions/0004).
WORKSTATION_ROLE = "vialbook_workstation"
#: PostgreSQL truncates longer database names; ours must stay unique.
PG_NAME_LIMIT = 63


@dataclass(frozen=True)
class LedgerCopy:
    """A backup written or a restore finished: where, and the chain it holds."""

    path: str
    movements: int
    head: str
    #: After a PostgreSQL restore: the database that holds the replaced ledger.
    kept_as: str | None = None


@dataclass
class Staged:
    """A backup loaded into a scratch ledger that passed every verification."""

    db: Database
    copy: LedgerCopy
    revision: str
    #: PostgreSQL: the scratch database's name on the server (None for SQLite).
    pg_name: str | None = None
    #: Set by a restore that renamed the scratch database into place: keep it.
    adopted: bool = False

    def holds_movement(self, seq: int, digest: str) -> bool:
        with self.db.engine.connect() as conn:
            found = conn.execute(
                sa.text("SELECT hash FROM movement WHERE id = :id"), {"id": seq}
            ).scalar()
        return found == digest

    def clinic_name(self) -> str | None:
        return clinic_name(self.db)


def clinic_name(db: Database) -> str | None:
    """The clinic a ledger belongs to, or None where there is no clinic yet."""
    try:
        with db.engine.connect() as conn:
            return conn.execute(sa.text("SELECT name FROM clinic_settings WHERE id = 1")).scalar()
    except sa.exc.DBAPIError:
        return None


def private_file(path: Path) -> None:
    """Create the file 0600 before anything writes into it; never overwrite one."""
    if not path.parent.is_dir():
        raise BackupFailed(f"the folder {path.parent} does not exist; create it first")
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise BackupFailed(f"{path} already exists; a backup never overwrites a file") from None
    except IsADirectoryError:
        raise BackupFailed(f"{path} is a folder; give a file name") from None
    os.close(fd)


def magic_of(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(16)
    except IsADirectoryError:
        raise BackupFailed(f"{path} is a folder, not a backup") from None
    except OSError as exc:
        raise BackupFailed(f"cannot read backup {path}: {exc.strerror}") from None


def verify(db: Database, what: str) -> LedgerCopy:
    """`check` passes on `db`, or a refusal naming the first problem."""
    report = run_check(db)
    if not report.ok:
        first = report.problems[0]
        raise BackupDoesNotVerify(
            f"{what} does not verify: movement {first.movement_id}: {first.rule}: {first.message}"
        )
    return LedgerCopy(path=db.url, movements=report.movements, head=report.head)


def _revision(db: Database, what: str) -> str:
    from alembic.script import ScriptDirectory

    from ledger import schema
    from ledger.schema_version import stored_revision

    try:
        revision = stored_revision(db)
    except sa.exc.DBAPIError:
        revision = None
    if revision is None:
        raise BackupDoesNotVerify(f"{what} holds no vialbook ledger")
    scripts = ScriptDirectory.from_config(schema.alembic_config(db))
    try:
        scripts.get_revision(revision)
    except Exception:  # noqa: BLE001 - Alembic raises several kinds for an unknown id
        raise BackupNotSupported(
            f"{what} was written by a newer vialbook (schema {revision}); upgrade vialbook first"
        ) from None
    return revision


def _guards_match(staged: Database, reference: Database, revision: str, what: str) -> None:
    expected = reference_guards(reference, revision)
    with staged.engine.connect() as conn:
        actual = read_guards(conn)
    difference = compare(actual, expected)
    if not difference.none:
        raise BackupGuardsAltered(
            f"{what} does not carry vialbook's own append-only guards ({difference.text()}); "
            "it was altered outside vialbook and is not restored"
        )


def _verified(db: Database, reference: Database, what: str) -> tuple[LedgerCopy, str]:
    revision = _revision(db, what)
    copy = verify(db, what)
    _guards_match(db, reference, revision, what)
    return copy, revision


# -- SQLite -----------------------------------------------------------------------------------
@contextmanager
def staged_sqlite(path: Path) -> Iterator[Staged]:
    """The backup file copied into a private scratch folder and verified there.

    The backup itself is never opened for writing: opening a file with vialbook's pragmas
    changes its journal mode, and a backup is evidence.
    """
    with tempfile.TemporaryDirectory(prefix="vialbook-restore-") as work:
        os.chmod(work, 0o700)
        scratch = Path(work) / "staged.db"
        private_file(scratch)
        with path.open("rb") as src, scratch.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        staged = open_database(str(scratch))
        reference = open_database(str(Path(work) / "reference.db"))
        try:
            copy, revision = _verified(staged, reference, f"the backup {path}")
            yield Staged(db=staged, copy=copy, revision=revision)
        finally:
            staged.dispose()
            reference.dispose()


# -- PostgreSQL -------------------------------------------------------------------------------
def libpq(url: str | URL) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (it goes in the environment, not on `ps`)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def run_tool(args: list[str], env: dict[str, str], what: str) -> str:
    if shutil.which(args[0]) is None:
        raise BackupNotSupported(
            f"{args[0]} is not installed on this computer; install the PostgreSQL client "
            "tools or work on the database server"
        )
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupFailed(f"{what} failed: {message}")
    return done.stdout


def server_admin(url: str) -> sa.Engine:
    """A connection to the server's maintenance database, where databases are made and named."""
    return sa.create_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", pool_size=1
    )


def scratch_name(base: str, purpose: str) -> str:
    stamp = f"_{purpose}_{datetime.now(UTC):%Y%m%d%H%M%S}_{secrets.token_hex(3)}"
    return base[: PG_NAME_LIMIT - len(stamp)] + stamp


def _create(admin: sa.Engine, name: str) -> None:
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
    except sa.exc.DBAPIError as exc:
        raise BackupNotSupported(
            "verifying a PostgreSQL backup needs a scratch database, and the server refused "
            f"to create one ({exc.orig}); connect as a role with CREATEDB"
        ) from None


def _role_exists(admin: sa.Engine, role: str) -> bool:
    with admin.connect() as conn:
        found = conn.execute(
            sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
        ).first()
    return found is not None


def drop_database(admin: sa.Engine, name: str) -> None:
    with suppress(sa.exc.DBAPIError), admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def staged_postgresql(path: Path, server_url: str) -> Iterator[Staged]:
    """The dump loaded into a new database beside the target's and verified there.

    The caller may adopt the scratch database (restore renames it into place); otherwise it
    is dropped on the way out.
    """
    admin = server_admin(server_url)
    base = make_url(server_url).database or "vialbook"
    name, reference_name = scratch_name(base, "restore"), scratch_name(base, "reference")
    staged: Database | None = None
    reference: Database | None = None
    result: Staged | None = None
    try:
        _create(admin, name)
        _create(admin, reference_name)
        conninfo, env = libpq(make_url(server_url).set(database=name))
        # A server without the workstation role cannot take the dump's grants to it.
        acl = [] if _role_exists(admin, WORKSTATION_ROLE) else ["--no-acl"]
        run_tool(
            ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", *acl,
             f"--dbname={conninfo}", str(path)],
            env,
            "pg_restore",
        )  # fmt: skip
        staged = open_database(make_url(server_url).set(database=name).render_as_string(False))
        reference = open_database(
            make_url(server_url).set(database=reference_name).render_as_string(False)
        )
        copy, revision = _verified(staged, reference, f"the backup {path}")
        result = Staged(db=staged, copy=copy, revision=revision, pg_name=name)
        yield result
    finally:
        for db in (staged, reference):
            if db is not None:
                db.dispose()
        drop_database(admin, reference_name)
        if result is None or not result.adopted:
            drop_database(admin, name)
        admin.dispose()
