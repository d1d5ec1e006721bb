"""Corrections: count adjustments and reversals. History is never edited, only answered."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from ledger.access import Actor
from ledger.audited import audited
from ledger.auth import Credentials, authenticate_witness
from ledger.database import Database
from ledger.errors import (
    AlreadyReversed,
    InvalidAmount,
    ReversalNotAllowed,
    UnknownRecord,
)
from ledger.kinds import rule_of
from ledger.models import Movement, MovementKind
from ledger.posting import Posting
from ledger.services.billing.credits import return_credit
from ledger.services.disposal import Posted
from ledger.services.rules import (
    check_after_receipt,
    event_time,
    require_named_witnesses,
    with_late_note,
    witness_for,
)
from ledger.text import clean_text
from ledger.unit_of_work import act

#: What to do instead, for the kinds the movement-kind table says cannot be reversed.
NOT_REVERSIBLE_HINT: dict[str, str] = {
    # Transfers are answered by a transfer back, so both registrations keep a true record.
    MovementKind.TRANSFER_OUT: "record a transfer back",
    MovementKind.TRANSFER_IN: "record a transfer back",
    MovementKind.DESTROY: "the vial is gone; correct the destruction record with its witnesses",
    MovementKind.RETURN: "the vial is gone; correct the return record with the distributor",
    MovementKind.REVERSAL: "record the entry again",
}


@audited("adjust")
def adjust(
    db: Database,
    actor: Actor,
    *,
    vial: str,
    amount_ug: int,
    reason: str,
    witness: Credentials | None,
    event_at: datetime | None = None,
    late_reason: str | None = None,
) -> Posted:
    """A witnessed count adjustment (signed), with the reason the book was wrong."""
    why = clean_text(reason, "reason", 500)
    if not isinstance(amount_ug, int) or isinstance(amount_ug, bool) or amount_ug == 0:
        raise InvalidAmount("an adjustment must be a non-zero whole number of µg")
    witness_actor = authenticate_witness(db, actor, witness) if witness is not None else None
    with act(db, actor, "adjust") as tx:
        session, user, settings, posting = tx.session, tx.user, tx.settings, tx.posting
        when, late, late_why = event_time(settings, tx.entered_at, event_at, late_reason)
        v = posting.vial_by_label(vial)
        check_after_receipt(session, v, when)
        w = witness_for(
            session, settings, actor, witness_actor, MovementKind.ADJUSTMENT, "a count adjustment"
        )
        assert user.id is not None
        posting.move(
            kind=MovementKind.ADJUSTMENT,
            vial=v,
            amount_ug=amount_ug,
            actor_id=user.id,
            event_at=when,
            witness_id=w.id if w else None,
            late=late,
            reason=with_late_note(why, late_why),
        )
        posting.settle_state(v)
        return Posted.of(posting, [v])


def _already_reversed(posting: Posting, movement_id: int) -> bool:
    stmt = select(Movement.id).where(
        Movement.original_id == movement_id, Movement.kind == MovementKind.REVERSAL
    )
    return posting.session.exec(stmt).first() is not None


@audited("reverse")
def reverse(
    db: Database,
    actor: Actor,
    *,
    movement_id: int,
    reason: str,
    witness: Credentials | None,
) -> Posted:
    """Negate one movement. An infusion's movements are reversed together, so the
    infusion stays in mass balance (it becomes void as a whole).

    Its billing is answered in the same transaction: a package credit it used is given back
    (credits.py `return_credit`); a pending charge it left is withdrawn by the reversal
    itself (pending.py leaves reversed infusions out). A charge already billed on an issued
    invoice is left alone: billing staff answer it with a credit note, and the billing
    cross-check lists it as billed without administration until then.
    """
    why = clean_text(reason, "reason", 500)
    require_named_witnesses(
        MovementKind.REVERSAL,
        "a reversal needs a witness: a second nurse or the registrant",
        witness,
    )
    witness_actor = authenticate_witness(db, actor, witness) if witness is not None else None
    with act(db, actor, "reverse") as tx:
        session, user, settings, posting = tx.session, tx.user, tx.settings, tx.posting
        when = tx.entered_at
        original = session.get(Movement, movement_id)
        if original is None:
            raise UnknownRecord(f"no movement {movement_id}", subject=str(movement_id))
        if not rule_of(original.kind).reversible:
            hint = NOT_REVERSIBLE_HINT.get(original.kind, "record the entry again")
            raise ReversalNotAllowed(f"movement {movement_id} is a {original.kind}; {hint}")
        if _already_reversed(posting, movement_id):
            raise AlreadyReversed(f"movement {movement_id} was already reversed")
        w = witness_for(
            session, settings, actor, witness_actor, MovementKind.REVERSAL, "a reversal"
        )
        assert user.id is not None
        targets = [original]
        if original.infusion_id is not None:
            stmt = (
                select(Movement)
                .where(Movement.infusion_id == original.infusion_id)
                .where(Movement.kind != MovementKind.REVERSAL)
                .order_by(Movement.id)  # type: ignore[arg-type]
            )
            targets = [m for m in session.exec(stmt).all() if not _already_reversed(posting, m.id)]
        v = posting.vial_by_id(original.vial_id)
        for target in targets:
            # The stock comes back to (or leaves) the registration that holds the vial now,
            # so after a transfer each site's books still match its own shelf.
            posting.move(
                kind=MovementKind.REVERSAL,
                vial=v,
                amount_ug=-target.amount_ug,
                actor_id=user.id,
                event_at=when,
                registration_id=v.registration_id,
                witness_id=w.id if w else None,
                patient_id=target.patient_id,
                infusion_id=target.infusion_id,
                original_id=target.id,
                reason=why,
            )
        posting.settle_state(v)
        if original.infusion_id is not None and targets:
            return_credit(tx, infusion_id=original.infusion_id, reason=why)
        return Posted.of(posting, [v])
