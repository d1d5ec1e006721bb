"""Which schema revision this program needs, checked without loading Alembic.

Every command checks the database's revision before it acts; Alembic's script
loading costs a quarter of a second, so the check reads `alembic_version` itself.
A test keeps SCHEMA_REVISION equal to the newest revision in migrations/.
"""

from __future__ import annotations

import sqlalchemy as sa

from ledger.database import Database, why_unavailable
from ledger.errors import DatabaseNotInitialised, DatabaseOutOfDate, DatabaseUnavailable

SCHEMA_REVISION = "0012"


def stored_revision(db: Database) -> str | None:
    """The revision recorded in the database, or None for a database without a schema."""
    with db.engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def require_current(db: Database) -> None:
    """Refuse to work on a database that cannot be reached, is missing, or is behind the code.

    A database that is locked, refuses the connection, or is not a database at all
    is unavailable, not uninitialised: `vialbook init` is the wrong advice for it.
    """
    try:
        current = stored_revision(db)
    except sa.exc.DBAPIError as exc:
        raise DatabaseUnavailable(why_unavailable(exc)) from None
    if current is None:
        raise DatabaseNotInitialised(
            "this database has no vialbook schema; run `vialbook init` (or `vialbook demo`)"
        )
    if current != SCHEMA_REVISION:
        raise DatabaseOutOfDate(
            f"the database schema is at {current}, the program needs {SCHEMA_REVISION}; "
            "run `vialbook db upgrade`"
        )
