"""Gapless document numbers per series and year, allocated inside the issuing transaction.

The counter row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE
already holds the write lock), moved on by one, and the number used in the same transaction:
a refusal later in it rolls the counter back too, so no number is ever skipped or given twice.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlmodel import Session, select

from ledger.models import DocumentCounter
from ledger.models.base import table_of

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"


def document_number(series: str, year: int, n: int) -> str:
    """INV-2026-000123."""
    return f"{series}-{year:04d}-{n:06d}"


def next_number(session: Session, series: str, year: int) -> str:
    """Allocate the next number of `series` in `year`."""
    if session.get_bind().dialect.name == "postgresql":
        # Two workstations opening a new year at once: one inserts, the other finds it.
        session.execute(
            pg_insert(table_of(DocumentCounter))
            .values(series=series, year=year, last_number=0)
            .on_conflict_do_nothing(index_elements=["series", "year"])
        )
    stmt = (
        select(DocumentCounter)
        .where(DocumentCounter.series == series, DocumentCounter.year == year)
        .with_for_update()
    )
    counter = session.exec(stmt).first()
    if counter is None:  # SQLite: this transaction already holds the write lock
        counter = DocumentCounter(series=series, year=year, last_number=0)
        session.add(counter)
        session.flush()
    counter.last_number += 1
    session.add(counter)
    session.flush()
    return document_number(series, year, counter.last_number)
