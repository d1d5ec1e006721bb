"""Posting movements inside one service transaction: locks, balance rules, chain and cache.

A `Posting` is opened at the start of a write transaction. It locks the chain head
first (then any vial it touches), so that on PostgreSQL two workstations can never
both spend the same balance, and the chain never forks. On SQLite the whole
transaction already holds the write lock from `BEGIN IMMEDIATE`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from ledger import clock
from ledger.chain import movement_hash
from ledger.errors import BalanceAboveReceived, InsufficientBalance, UnknownRecord
from ledger.models import ChainHead, Movement, Vial, VialBalance, VialState
from ledger.units import mg_text


class Posting:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.entered_at = clock.now()
        stmt = select(ChainHead).where(ChainHead.id == 1).with_for_update()
        head = session.exec(stmt).one()
        self._head = head
        self.seq = head.seq
        self.hash = head.hash
        self._balances: dict[int, VialBalance] = {}
        self._vials: dict[int, Vial] = {}
        self.movements: list[Movement] = []

    # -- vials -------------------------------------------------------------
    def vial_by_label(self, label: str) -> Vial:
        label = (label or "").strip().upper()
        vial = self.session.exec(select(Vial).where(Vial.label == label).with_for_update()).first()
        if vial is None or vial.id is None:
            raise UnknownRecord(f"no vial labelled {label!r}", subject=label)
        self._vials[vial.id] = vial
        return vial

    def vial_by_id(self, vial_id: int) -> Vial:
        vial = self.session.exec(select(Vial).where(Vial.id == vial_id).with_for_update()).first()
        if vial is None or vial.id is None:
            raise UnknownRecord(f"no vial with id {vial_id}")
        self._vials[vial.id] = vial
        return vial

    def balance(self, vial: Vial) -> int:
        assert vial.id is not None
        cached = self._balances.get(vial.id)
        if cached is None:
            cached = self.session.get(VialBalance, vial.id)
            if cached is None:
                cached = VialBalance(vial_id=vial.id, balance_ug=0, last_movement_id=0)
            self._balances[vial.id] = cached
        return cached.balance_ug

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
        **fields: Any,
    ) -> Movement:
        """Append one movement after checking the vial's balance stays in [0, received]."""
        assert vial.id is not None
        before = self.balance(vial)
        after = before + amount_ug
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
        record: dict[str, Any] = {
            "id": self.seq,
            "event_at": event_at,
            "entered_at": self.entered_at,
            "kind": str(kind),
            "registration_id": registration_id
            if registration_id is not None
            else vial.registration_id,
            "vial_id": vial.id,
            "amount_ug": amount_ug,
            "actor_id": actor_id,
            "witness_id": None,
            "witness2_id": None,
            "patient_id": None,
            "infusion_id": None,
            "original_id": None,
            "late": False,
            "reason": None,
            "method": None,
            "detail": None,
        }
        unknown = set(fields) - set(record)
        assert not unknown, f"unknown movement fields {unknown}"
        record.update(fields)
        digest = movement_hash(self.hash, record)
        movement = Movement(**record, prev_hash=self.hash, hash=digest)
        self.hash = digest
        self.session.add(movement)
        cached = self._balances[vial.id]
        cached.balance_ug = after
        cached.last_movement_id = self.seq
        self.movements.append(movement)
        return movement

    def settle_state(self, vial: Vial) -> None:
        """Empty at zero; a reversal that restores content re-opens the vial."""
        balance = self.balance(vial)
        if balance == 0 and vial.state in (VialState.SEALED, VialState.OPEN):
            vial.state = VialState.EMPTY
        elif balance > 0 and vial.state in (
            VialState.EMPTY,
            VialState.DESTROYED,
            VialState.RETURNED,
        ):
            vial.state = VialState.OPEN if vial.opened_at is not None else VialState.SEALED
        self.session.add(vial)

    def finish(self) -> None:
        """Write the movements, then move the head and the cache (the head trigger checks)."""
        self.session.flush()
        for cached in self._balances.values():
            self.session.add(cached)
        if self.seq != self._head.seq:
            self._head.seq = self.seq
            self._head.hash = self.hash
            self.session.add(self._head)
        self.session.flush()
