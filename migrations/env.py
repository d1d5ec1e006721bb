"""Alembic environment: runs on the connection vialbook hands it, or on the configured URL."""

from __future__ import annotations

from alembic import context

from ledger.database import open_database
from ledger.models import metadata

config = context.config


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    db = open_database(config.get_main_option("sqlalchemy.url"))
    with db.engine.connect() as conn:
        _run(conn)
    db.dispose()
