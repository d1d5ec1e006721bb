"""What an attacker with write access to the database file does, for the tampering tests."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa

from ledger.chain import movement_hash
from ledger.check import run_check
from ledger.database import Database
from ledger.models import ChainHead, Movement
from ledger.models.base import table_of
from ledger.services.infusions import record_infusion
from migrations import guards
from tests.support import Clinic


def three_infusions(clinic: Clinic) -> Clinic:
    """The tampering tests' history: movements 1-8 receive the vials (K-000001..K-000005 on
    receipt 1, M-000001..M-000003 on receipt 2), then three infusions from K-000001 write
    movements 9-10, 11-12 and 13-14 (administer, then waste)."""
    nina = clinic.actor("nina")
    for patient in ("MRN1", "MRN2", "MRN1"):
        record_infusion(
            clinic.db,
            nina,
            patient=patient,
            vial="K-000001",
            drawn_ug=45_000,
            given_ug=40_000,
            wasted_ug=5_000,
            witness=clinic.witness("omar"),
        )
    report = run_check(clinic.db)
    assert report.ok and report.movements == 14
    return clinic


def drop_guards(db: Database) -> None:
    with db.engine.begin() as conn:
        guards.drop(conn)


def execute(db: Database, *statements: str) -> None:
    with db.engine.begin() as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)


def sqlite_shell(db: Database, *statements: str) -> None:
    """As the `sqlite3` shell runs them: foreign keys off (its default), one transaction."""
    path = sa.engine.make_url(db.url).database
    assert path
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for sql in statements:
            conn.execute(sql)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


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
