"""Posting movements inside one service transaction: locks, balance rules, chain and cache.

A `Posting` is opened at the start of a write transaction. It locks the chain head
first (then any vial it touches), so that on PostgreSQL two workstations can never
both spend the same balance, and the chain never forks. On SQLite the whole
transaction already holds the write lock from `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from ledger import clock
from ledger.chain import movement_hash
from ledger.errors import BalanceAboveReceived, InsufficientBalance, UnknownRecord, VialIsFinal
from ledger.kinds import FINAL_STATES
from ledger.models import (
    ChainHead,
    Movement,
    Product,
    Receipt,
    Registration,
    Vial,
    VialBalance,
    VialState,
)
from ledger.models.base import table_of
from ledger.queries.vials import label_to_find
from ledger.units import mg_text


class MovementDraft(NamedTuple):
    """A movement as it will be hashed and stored: every field of the chain encoding, typed.

    Immutable: once its hash is taken, nothing may change what was hashed.
    """

    id: int
    event_at: datetime
    entered_at: datetime
    kind: str
    registration_id: int
    vial_id: int
    amount_ug: int
    actor_id: int
    witness_id: int | None
    witness2_id: int | None
    patient_id: int | None
    infusion_id: int | None
    original_id: int | None
    late: bool
    reason: str | None
    method: str | None
    detail: str | None


class PostedMovement(NamedTuple):
    """A movement appended in this transaction: its sequence number and hash."""

    id: int
    hash: str


class Posting:
    def __init__(
        self,
        session: Session,
        entered_at: datetime | None = None,
        *,
        locked_head: tuple[int, str] | None = None,
    ) -> None:
        """`locked_head` is the chain head's (seq, hash) when the caller has already read it
        under its lock in this transaction (see `unit_of_work.act`); otherwise it is
        locked and read here."""
        self.session = session
        self.entered_at = entered_at or clock.now()
        if locked_head is None:
            h = table_of(ChainHead)
            stmt = sa.select(h.c.seq, h.c.hash).where(h.c.id == 1).with_for_update()
            seq, digest = session.execute(stmt).one()
            locked_head = (int(seq), str(digest))
        self.seq, self.hash = locked_head
        #: vial id -> [balance, cached row exists]
        self._balances: dict[int, list[int | bool]] = {}
        self._rows: list[dict[str, Any]] = []
        self.movements: list[PostedMovement] = []
        self._read_with_vials: list[tuple[Any, ...]] = []

    # -- vials -------------------------------------------------------------
    def vial_by_label(self, label: str) -> Vial:
        label = label_to_find(label)
        vial = self._lock_vial(Vial.label == label)  # type: ignore[arg-type]
        if vial is None or vial.id is None:
            raise UnknownRecord(f"no vial labelled {label!r}", subject=label)
        return vial

    def vial_by_id(self, vial_id: int) -> Vial:
        vial = self._lock_vial(Vial.id == vial_id)  # type: ignore[arg-type]
        if vial is None or vial.id is None:
            raise UnknownRecord(f"no vial with id {vial_id}")
        return vial

    def _lock_vial(self, which: sa.ColumnElement[bool]) -> Vial | None:
        """Lock one vial, reading its product, registration, receipt and balance alongside.

        One statement instead of five: the rules that follow (`product_of`,
        `check_drawable`, `check_after_receipt`) find those rows in the session, and the
        balance is cached here. Only the vial row is locked (`FOR UPDATE OF vial`). Its
        balance row is current even though it is not locked: every write of a balance goes
        through a Posting, which holds the chain-head lock this posting took first, so no
        other transaction can change it between this statement's snapshot and our commit.
        """
        b = table_of(VialBalance)
        stmt = (
            sa.select(Vial, Product, Registration, Receipt, b.c.balance_ug)
            .outerjoin(Product, Product.id == Vial.product_id)  # type: ignore[arg-type]
            .outerjoin(
                Registration,
                Registration.id == Vial.registration_id,  # type: ignore[arg-type]
            )
            .outerjoin(Receipt, Receipt.id == Vial.receipt_id)  # type: ignore[arg-type]
            .outerjoin(b, b.c.vial_id == Vial.id)
            .where(which)
            .with_for_update(of=Vial)  # type: ignore[arg-type]
        )
        found = self.session.execute(stmt).first()
        if found is None:
            return None
        vial, balance = found[0], found[4]
        # The session's identity map holds rows weakly: keep them for this transaction.
        self._read_with_vials.append(tuple(found[1:4]))
        if vial.id is not None and vial.id not in self._balances:
            self._balances[vial.id] = [int(balance or 0), balance is not None]
        return vial

    def balance(self, vial: Vial) -> int:
        assert vial.id is not None
        cached = self._balances.get(vial.id)
        if cached is None:
            b = table_of(VialBalance)
            found = self.session.execute(
                sa.select(b.c.balance_ug).where(b.c.vial_id == vial.id)
            ).scalar()
            cached = [int(found or 0), found is not None]
            self._balances[vial.id] = cached
        return int(cached[0])

    # -- movements -----------------------------------------------------------
    def move(
        self,
        *,
        kind: str,
        vial: Vial,
        amount_ug: int,
        actor_id: int,
        event_at: datetime,
        registration_id: int | None = None,
        witness_id: int | None = None,
        witness2_id: int | None = None,
        patient_id: int | None = None,
        infusion_id: int | None = None,
        original_id: int | None = None,
        late: bool = False,
        reason: str | None = None,
        method: str | None = None,
        detail: str | None = None,
    ) -> PostedMovement:
        """Append one movement after checking the vial's balance stays in [0, received]."""
        if vial.id is None:
            raise UnknownRecord("a movement needs a stored vial")
        before = self.balance(vial)
        after = before + amount_ug
        if amount_ug > 0 and vial.state in FINAL_STATES:
            raise VialIsFinal(
                f"vial {vial.label} was {vial.state}; stock cannot come back to it. Correct "
                f"the {vial.state} record itself, with the witnesses it needed",
                subject=vial.label,
            )
        if after < 0:
            raise InsufficientBalance(
                f"vial {vial.label} holds {mg_text(before)} mg; {mg_text(-amount_ug)} mg "
                "cannot be taken from it",
                subject=vial.label,
            )
        if after > vial.received_ug:
            raise BalanceAboveReceived(
                f"vial {vial.label} would hold {mg_text(after)} mg, more than the "
                f"{mg_text(vial.received_ug)} mg it was received with",
                subject=vial.label,
            )
        self.seq += 1
        draft = MovementDraft(
            id=self.seq,
            event_at=event_at,
            entered_at=self.entered_at,
            kind=str(kind),
            registration_id=vial.registration_id if registration_id is None else registration_id,
            vial_id=vial.id,
            amount_ug=amount_ug,
            actor_id=actor_id,
            witness_id=witness_id,
            witness2_id=witness2_id,
            patient_id=patient_id,
            infusion_id=infusion_id,
            original_id=original_id,
            late=late,
            reason=reason,
            method=method,
            detail=detail,
        )
        record = draft._asdict()
        digest = movement_hash(self.hash, record)
        record["prev_hash"] = self.hash
        record["hash"] = digest
        self.hash = digest
        self._rows.append(record)
        self._balances[vial.id][0] = after
        posted = PostedMovement(self.seq, digest)
        self.movements.append(posted)
        return posted

    def settle_state(self, vial: Vial) -> None:
        """Empty at zero; a reversal that restores content to an emptied vial re-opens it.

        A destroyed or returned vial stays so: `move` refuses to add stock to it.
        """
        balance = self.balance(vial)
        if balance == 0 and vial.state in (VialState.SEALED, VialState.OPEN):
            vial.state = VialState.EMPTY
        elif balance > 0 and vial.state == VialState.EMPTY:
            vial.state = VialState.OPEN if vial.opened_at is not None else VialState.SEALED
        self.session.add(vial)

    def finish(self) -> None:
        """Write the movements, then the cache, then move the head (its trigger checks).

        Movements go in as one multi-row Core insert: the ORM's per-object bookkeeping
        cost more than the disk write on the chair-side hot path.
        """
        self.session.flush()  # vials, infusions and receipts the movements point at
        if not self._rows:
            return
        self.session.execute(sa.insert(table_of(Movement)), self._rows)
        b = table_of(VialBalance)
        last: dict[int, int] = {}
        for row in self._rows:
            last[row["vial_id"]] = row["id"]
        for vial_id, (balance, exists) in self._balances.items():
            if vial_id not in last:
                continue
            values = {"balance_ug": balance, "last_movement_id": last[vial_id]}
            if exists:
                self.session.execute(sa.update(b).where(b.c.vial_id == vial_id).values(values))
            else:
                self.session.execute(sa.insert(b).values(vial_id=vial_id, **values))
                self._balances[vial_id][1] = True
        h = table_of(ChainHead)
        self.session.execute(sa.update(h).where(h.c.id == 1).values(seq=self.seq, hash=self.hash))
        self._rows = []
