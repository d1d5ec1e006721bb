"""Opening the ledger database: URL resolution, engine pragmas and transactions.

Services own the transaction: `db.write()` yields a session inside one
transaction that commits on success and rolls back on any exception.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    # Imported where a session opens: a command that only needs Core (stock, signing in)
    # never loads SQLModel and pydantic.
    from sqlmodel import Session

DEFAULT_FILENAME = "vialbook.db"


def default_db_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("vialbook", appauthor=False)) / DEFAULT_FILENAME


def resolve_url(value: str | None = None) -> str:
    """`--db`, else `VIALBOOK_DB`, else the user data directory. A plain path means SQLite."""
    raw = value or os.environ.get("VIALBOOK_DB") or str(default_db_path())
    if "://" in raw:
        return raw
    return "sqlite:///" + str(Path(raw).expanduser().resolve())


def _create_private_file(path: Path) -> None:
    """Create the SQLite file 0600 before SQLite does: it holds patient names and addresses."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # We issue BEGIN ourselves (IMMEDIATE for writers), so pysqlite must not.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=60000")
    cur.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # A writer takes the write lock at BEGIN, so two writers never both read a
    # balance and then race to spend it; readers use a plain deferred BEGIN.
    readonly = conn.get_execution_options().get("vialbook_readonly", False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


@dataclass
class Database:
    """One ledger database: an engine for writers and a read-only view of it."""

    url: str
    engine: sa.Engine
    reader: sa.Engine = field(init=False)

    def __post_init__(self) -> None:
        self.reader = self.engine.execution_options(vialbook_readonly=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: commit on success, roll back on any exception."""
        from sqlmodel import Session

        with Session(self.engine, expire_on_commit=False) as session:
            with session.begin():
                yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        from sqlmodel import Session

        with Session(self.reader, expire_on_commit=False) as session:
            with session.begin():
                yield session

    @contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """`write` for Core statements: the same one transaction (BEGIN IMMEDIATE on SQLite),
        without the ORM."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """`read` for Core statements, without the ORM."""
        with self.reader.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(value: str | None = None, *, echo: bool = False) -> Database:
    url = resolve_url(value)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _create_private_file(Path(parsed.database))
        engine = sa.create_engine(url, echo=echo, connect_args={"timeout": 60})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        engine = sa.create_engine(url, echo=echo, pool_pre_ping=True)
    return Database(url=url, engine=engine)


def why_unavailable(exc: BaseException) -> str:
    """A driver's connection or locking error in the words a clinic can act on."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0][:300]
    text = first.lower()
    if "database is locked" in text or "database table is locked" in text:
        why = "another program holds the database's lock (an import, a backup, or a stuck process)"
    elif "unable to open database file" in text:
        why = "the database file cannot be opened (a directory, a missing folder, or no access)"
    elif "file is not a database" in text:
        why = "the file is not a vialbook (SQLite) database"
    elif "connection refused" in text or "could not connect" in text or "timeout" in text:
        why = "the database server did not accept the connection"
    elif "password authentication failed" in text or "authentication" in text:
        why = "the database server refused the credentials"
    elif "does not exist" in text:
        why = "the database named in the URL does not exist on the server"
    else:
        why = "the database cannot be reached"
    return f"{why}; try again, or check --db / VIALBOOK_DB ({first})"
