"""Signing a physical inventory: an initial, biennial or ad-hoc count, once submitted, is
the inventory record when the registrant signs it (21 CFR 1304.11).

An inventory is a complete record of the stock on hand (1304.11(a)): a count that left a vial
on the book uncounted, or holds a reading taken before the vial moved again, is not one, and
is not signed. A vial counted missing is a finding, not a gap: the inventory lists it apart."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import (
    AlreadySigned,
    CountNotSubmitted,
    InventoryIncomplete,
    NotAnInventory,
    UnknownRecord,
)
from ledger.models import Count, CountResult, Outcome, Vial
from ledger.queries.inventories import INVENTORY_KINDS, next_inventory_due
from ledger.unit_of_work import act


@audited("count.sign")
def sign_count(db: Database, actor: Actor, count_id: int) -> dict[str, Any]:
    """The registrant signs a submitted inventory count. They are the acting user, so they
    signed in with their own password for it. A signature is given once."""
    with act(db, actor, "count.sign") as tx:
        count = tx.session.get(Count, count_id)
        if count is None:
            raise UnknownRecord(f"no count {count_id}", subject=str(count_id))
        if count.kind not in {str(k) for k in INVENTORY_KINDS}:
            raise NotAnInventory(
                f"count {count_id} is a {count.kind} count; only an initial, biennial or "
                "ad-hoc count is an inventory to sign"
            )
        if count.submitted_at is None:
            raise CountNotSubmitted(f"count {count_id} is not submitted; submit it, then sign")
        if count.signed_at is not None:
            raise AlreadySigned(f"count {count_id} was signed on {count.signed_at:%Y-%m-%d}")
        gaps = tx.session.exec(
            select(Vial.label, CountResult.outcome)
            .join(Vial, col(Vial.id) == CountResult.vial_id)
            .where(
                CountResult.count_id == count_id,
                col(CountResult.outcome).in_([Outcome.NOT_COUNTED, Outcome.RECOUNT]),
            )
            .order_by(col(Vial.label))
        ).all()
        if gaps:
            left = [label for label, outcome in gaps if outcome == Outcome.NOT_COUNTED]
            moved = [label for label, outcome in gaps if outcome == Outcome.RECOUNT]
            said = [f"{', '.join(left)} not counted"] if left else []
            said += [f"{', '.join(moved)} moved after they were counted"] if moved else []
            raise InventoryIncomplete(
                f"count {count_id} is not a complete inventory: {'; '.join(said)}. "
                "Take a new count of the whole shelf and sign that one",
                subject=str(count_id),
            )
        count.signed_at = tx.entered_at
        count.signed_by_id = tx.user_id
        tx.session.add(count)
        tx.session.flush()
        due = next_inventory_due(tx.session, tx.settings, count.registration_id)
        tx.audit(detail={"count": count_id, "kind": count.kind})
        return {
            "count": count_id,
            "kind": count.kind,
            "signed_at": tx.entered_at.isoformat(),
            "signed_by": tx.user.username,
            "next_inventory_due": due.isoformat() if due else None,
        }
