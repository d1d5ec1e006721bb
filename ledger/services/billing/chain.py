"""Appending to the money chain inside a unit of work, serialized on the money-head lock.

The first append of a transaction locks `money_head` (SELECT ... FOR UPDATE on PostgreSQL;
SQLite's BEGIN IMMEDIATE already holds the write lock), so the chain never forks and its
sequence has no gaps. Each entry is written at once and the head moved with it; its trigger
checks the head names a stored entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ledger.chain import money_hash
from ledger.models import MoneyEntry, MoneyHead
from ledger.models.base import table_of
from ledger.unit_of_work import UnitOfWork

_KEY = "vialbook.money_chain"


@dataclass
class MoneyChain:
    """The locked head of one transaction's appends."""

    session: Session
    seq: int
    hash: str

    def append(
        self,
        *,
        at: datetime,
        entered_at: datetime,
        kind: str,
        amount_cents: int,
        actor_id: int,
        source_table: str,
        source_id: int,
        document: str | None = None,
        patient_id: int | None = None,
        original_id: int | None = None,
        reason: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        """Seal one money record; returns its entry's sequence number."""
        self.seq += 1
        entry: dict[str, Any] = {
            "id": self.seq,
            "at": at,
            "entered_at": entered_at,
            "kind": kind,
            "document": document,
            "patient_id": patient_id,
            "amount_cents": amount_cents,
            "actor_id": actor_id,
            "original_id": original_id,
            "reason": reason,
            "detail": json.dumps(detail, sort_keys=True) if detail else None,
            "source_table": source_table,
            "source_id": source_id,
        }
        digest = money_hash(self.hash, entry)
        self.session.execute(
            sa.insert(table_of(MoneyEntry)), {**entry, "prev_hash": self.hash, "hash": digest}
        )
        h = table_of(MoneyHead)
        self.session.execute(sa.update(h).where(h.c.id == 1).values(seq=self.seq, hash=digest))
        self.hash = digest
        return self.seq


def money_chain(tx: UnitOfWork) -> MoneyChain:
    """This transaction's money chain, its head locked on first use."""
    found = tx.session.info.get(_KEY)
    if found is None:
        h = table_of(MoneyHead)
        seq, digest = tx.session.execute(
            sa.select(h.c.seq, h.c.hash).where(h.c.id == 1).with_for_update()
        ).one()
        found = MoneyChain(tx.session, int(seq), str(digest))
        tx.session.info[_KEY] = found
    assert isinstance(found, MoneyChain)
    return found


def seal(
    tx: UnitOfWork,
    *,
    kind: str,
    amount_cents: int,
    source_table: str,
    source_id: int | None,
    document: str | None = None,
    patient_id: int | None = None,
    original_id: int | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append the entry for a billing row just written (flushed, so it has its id)."""
    assert source_id is not None, "flush the row before sealing it"
    return money_chain(tx).append(
        at=tx.entered_at,
        entered_at=tx.entered_at,
        kind=kind,
        amount_cents=amount_cents,
        actor_id=tx.user_id,
        source_table=source_table,
        source_id=source_id,
        document=document,
        patient_id=patient_id,
        original_id=original_id,
        reason=reason,
        detail=detail,
    )


def forget(session: Session) -> None:
    """Drop the cached head (after a savepoint rolled back appends it counted)."""
    session.info.pop(_KEY, None)
