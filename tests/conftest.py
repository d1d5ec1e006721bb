"""Fixtures: a real SQLite file and a real PostgreSQL database per test, both migrated.

Each test gets its own copy of a template (a migrated, set-up clinic), so tests
are isolated and fast: a file copy on SQLite, CREATE DATABASE ... TEMPLATE on
PostgreSQL. PostgreSQL tests skip with a reason when no server is reachable,
and fail instead when VIALBOOK_REQUIRE_PG=1 (as in CI).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ledger import clock, passwords, schema
from ledger.database import Database, open_database
from tests.support import Clinic, build_clinic

PG_URL = os.environ.get("VIALBOOK_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("VIALBOOK_REQUIRE_PG") == "1"

passwords.use_cheap_hashing_for_tests_and_demo()


def _pg_admin() -> sa.Engine:
    return sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


_pg_problem: str | None = None


def pg_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    global _pg_problem
    if _pg_problem is None:
        try:
            with _pg_admin().connect() as conn:
                conn.execute(sa.text("select 1"))
            _pg_problem = ""
        except Exception as exc:  # noqa: BLE001
            _pg_problem = f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}"
    return _pg_problem or None


def require_pg() -> None:
    problem = pg_available()
    if problem:
        if REQUIRE_PG:
            pytest.fail(f"VIALBOOK_REQUIRE_PG=1 but {problem}")
        pytest.skip(problem)


class PgDatabases:
    """Creates and drops throw-away databases on the test server."""

    def __init__(self) -> None:
        self.admin = _pg_admin()
        self.prefix = f"vialbook_t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []

    def url(self, name: str) -> str:
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def create(self, template: str | None = None) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        with self.admin.connect() as conn:
            extra = f" TEMPLATE {template}" if template else ""
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{extra}'))
        self.created.append(name)
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def drop_all(self) -> None:
        # A restore keeps the ledger it replaced under a name that starts with ours.
        with self.admin.connect() as conn:
            names = conn.execute(
                sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                {"p": f"{self.prefix}%"},
            ).scalars()
            leftovers = set(names)
        for name in sorted(set(self.created) | leftovers):
            self.drop(name)
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PgDatabases]:
    require_pg()
    dbs = PgDatabases()
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("template") / "clinic.db"
    db = open_database(str(path))
    schema.upgrade(db)
    build_clinic(db)
    db.dispose()
    return str(path)


@pytest.fixture(scope="session")
def pg_template(pg_databases: PgDatabases) -> str:
    name = pg_databases.create()
    db = open_database(pg_databases.url(name))
    schema.upgrade(db)
    build_clinic(db)
    db.dispose()
    return name


@pytest.fixture(autouse=True)
def _wall_clock() -> Iterator[None]:
    """A test that pins the clock never leaks it into the next test."""
    yield
    clock.set_clock(None)


def _sqlite_copy(template: str, tmp_path) -> Database:  # type: ignore[no-untyped-def]
    target = tmp_path / "ledger.db"
    shutil.copyfile(template, target)
    os.chmod(target, 0o600)
    return open_database(str(target))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    """A set-up clinic's database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        database = _sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
        yield database
        database.dispose()
    else:
        require_pg()
        pgs: PgDatabases = request.getfixturevalue("pg_databases")
        name = pgs.create(template=request.getfixturevalue("pg_template"))
        database = open_database(pgs.url(name))
        yield database
        database.dispose()
        pgs.drop(name)


@pytest.fixture
def sqlite_db(sqlite_template: str, tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    """SQLite only: for CLI tests that run against a file path."""
    database = _sqlite_copy(sqlite_template, tmp_path)
    yield database
    database.dispose()


@pytest.fixture
def clinic(db: Database) -> Clinic:
    return Clinic(db)


@pytest.fixture
def sqlite_clinic(sqlite_db: Database) -> Clinic:
    return Clinic(sqlite_db)
