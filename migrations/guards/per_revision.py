"""The guards each revision installs, chosen by dialect: what a revision calls, naming its own
tables.

Frozen: an old revision must create exactly what it created when it was written. A new guard
goes in a new function for a new revision, never into one of these.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from migrations.guards import postgresql_functions, sqlite_triggers
from migrations.guards.guard import Guard, install

GENESIS_HASH = "0" * 64


def ledger_guards(dialect: str, *, tables: Sequence[str]) -> list[Guard]:
    """The guards revision 0002 created, for the tables it names."""
    if dialect == "sqlite":
        return sqlite_triggers.ledger_triggers(tables)
    return postgresql_functions.ledger_triggers(tables)


def create(bind: sa.Connection, *, tables: Sequence[str]) -> None:
    """Revision 0002: guard `tables` and the chain head, and write the genesis head."""
    install(bind, ledger_guards(bind.dialect.name, tables=tables))
    bind.execute(
        sa.text("INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": GENESIS_HASH}
    )


def replace_guards(dialect: str, *, keys: dict[str, Sequence[str]]) -> list[Guard]:
    """SQLite: refuse an INSERT whose key exists, which is what `INSERT OR REPLACE` does.

    PostgreSQL has no REPLACE; its `ON CONFLICT DO UPDATE` fires the UPDATE triggers.
    """
    if dialect != "sqlite":
        return []
    return sqlite_triggers.replace_triggers(keys)


def append_only_guards(dialect: str, *, tables: Sequence[str]) -> list[Guard]:
    """UPDATE, DELETE and TRUNCATE refused on `tables` (the 0002 function already exists)."""
    if dialect == "sqlite":
        return [
            g
            for g in sqlite_triggers.ledger_triggers(tables)
            if not g.name.startswith("chain_head")
        ]
    return [
        g
        for g in postgresql_functions.ledger_triggers(tables)
        if g.table is not None and not g.name.startswith("chain_head")
    ]


def record_guards(dialect: str) -> list[Guard]:
    """A vial as received and a patient's identity: changed only as the clinic's rules allow."""
    if dialect == "sqlite":
        return sqlite_triggers.record_triggers()
    return postgresql_functions.record_triggers()
