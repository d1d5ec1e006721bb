"""What an attacker with write access to the database file does, for the tampering tests."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.chain import movement_hash
from ledger.database import Database
from ledger.models import ChainHead, Movement
from ledger.models.base import table_of
from migrations import guards


def drop_guards(db: Database) -> None:
    with db.engine.begin() as conn:
        guards.drop(conn)


def execute(db: Database, *statements: str) -> None:
    with db.engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)


def rehash_from(db: Database, first_id: int) -> str:
    """Recompute every hash from `first_id` on and point the head at the new last one."""
    m = table_of(Movement)  # the real column types: aware times, true booleans
    with db.engine.begin() as conn:
        prev = conn.execute(sa.select(m.c.hash).where(m.c.id == first_id - 1)).scalar_one()
        rows = conn.execute(sa.select(m).where(m.c.id >= first_id).order_by(m.c.id)).all()
        for row in rows:
            digest = movement_hash(prev, row._mapping)
            conn.execute(sa.update(m).where(m.c.id == row.id).values(prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(
            sa.update(table_of(ChainHead)).where(table_of(ChainHead).c.id == 1).values(hash=prev)
        )
    return prev
