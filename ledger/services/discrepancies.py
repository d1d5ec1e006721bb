"""Discrepancies: investigated (append-only notes), resolved, or escalated to the DEA with a
Form 106 draft and its two deadlines, and the confirmed loss recorded against the vial.

21 CFR 1301.76(b): a theft or significant loss is notified in writing to the DEA Field
Division within one business day of discovery; Form 106 follows within 45 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from ledger.access import Actor
from ledger.audited import audited
from ledger.business_days import holidays_of, next_business_day
from ledger.clock import local_date
from ledger.database import Database
from ledger.details import DiscrepancyLink
from ledger.errors import (
    DiscrepancyClosed,
    DiscrepancyNotEscalated,
    InvalidText,
    LossAlreadyRecorded,
    UnknownRecord,
)
from ledger.models import (
    Discrepancy,
    DiscrepancyNote,
    DiscrepancyStatus,
    Movement,
    MovementKind,
    Registration,
    User,
    Vial,
)
from ledger.services.rules import product_of
from ledger.text import clean_text
from ledger.unit_of_work import UnitOfWork, act, look
from ledger.units import mg_text

LOSS_TYPES = ("theft", "significant-loss", "in-transit-loss")
#: Days after discovery the Form 106 itself is due.
FORM_DAYS = 45
CLOSED = (DiscrepancyStatus.RESOLVED, DiscrepancyStatus.ESCALATED)


def _get(tx: UnitOfWork, discrepancy_id: int) -> Discrepancy:
    found = tx.session.get(Discrepancy, discrepancy_id)
    if found is None:
        raise UnknownRecord(f"no discrepancy {discrepancy_id}", subject=str(discrepancy_id))
    return found


def _summary(tx: UnitOfWork, d: Discrepancy) -> dict[str, Any]:
    vial = tx.session.get(Vial, d.vial_id)
    assert vial is not None
    return {
        "id": d.id,
        "status": d.status,
        "vial": vial.label,
        "short_ug": d.short_ug,
        "short_mg": mg_text(d.short_ug),
        "discovered_on": d.discovered_on.isoformat(),
        "loss_type": d.loss_type,
        "notice_due": d.notice_due.isoformat() if d.notice_due else None,
        "form_due": d.form_due.isoformat() if d.form_due else None,
        "loss_movement": d.loss_movement_id,
    }


def list_discrepancies(
    db: Database, actor: Actor, status: str | None = None
) -> list[dict[str, Any]]:
    if status is not None and status not in {s.value for s in DiscrepancyStatus}:
        raise InvalidText(f"status must be one of {', '.join(s.value for s in DiscrepancyStatus)}")
    with look(db, actor) as tx:
        stmt = select(Discrepancy).order_by(col(Discrepancy.id))
        if status:
            stmt = stmt.where(Discrepancy.status == status)
        return [_summary(tx, d) for d in tx.session.exec(stmt).all()]


def show_discrepancy(db: Database, actor: Actor, discrepancy_id: int) -> dict[str, Any]:
    with look(db, actor) as tx:
        d = _get(tx, discrepancy_id)
        out = _summary(tx, d)
        out["explanation"] = d.explanation
        out["resolving_movement"] = d.resolving_movement_id
        notes = tx.session.exec(
            select(DiscrepancyNote, User.username)
            .join(User, col(User.id) == DiscrepancyNote.author_id)
            .where(DiscrepancyNote.discrepancy_id == discrepancy_id)
            .order_by(col(DiscrepancyNote.id))
        ).all()
        out["notes"] = [
            {"at": n.written_at.isoformat(), "by": who, "text": n.text} for n, who in notes
        ]
        if d.loss_type:
            out["form_106"] = _draft(tx, d)
        return out


@audited("discrepancy.note")
def add_note(db: Database, actor: Actor, discrepancy_id: int, *, text: str) -> int:
    """An investigation note; an open discrepancy is now under investigation."""
    body = clean_text(text, "note", 2000)
    with act(db, actor, "discrepancy.investigate") as tx:
        d = _get(tx, discrepancy_id)
        if d.status in CLOSED:
            raise DiscrepancyClosed(f"discrepancy {discrepancy_id} is {d.status}")
        note = DiscrepancyNote(
            discrepancy_id=discrepancy_id,
            written_at=tx.entered_at,
            author_id=tx.user_id,
            text=body,
        )
        tx.session.add(note)
        d.status = DiscrepancyStatus.INVESTIGATING
        tx.session.add(d)
        tx.session.flush()
        assert note.id is not None
        tx.audit(action="discrepancy.note", detail={"discrepancy": discrepancy_id})
        return note.id


@audited("discrepancy.resolve")
def resolve(
    db: Database,
    actor: Actor,
    discrepancy_id: int,
    *,
    explanation: str,
    movement: int | None = None,
) -> dict[str, Any]:
    """Explained: with an optional correcting entry of the same vial (a late-charted infusion)."""
    why = clean_text(explanation, "explanation", 2000)
    with act(db, actor, "discrepancy.investigate") as tx:
        d = _get(tx, discrepancy_id)
        if d.status in CLOSED:
            raise DiscrepancyClosed(f"discrepancy {discrepancy_id} is {d.status}")
        if movement is not None:
            m = tx.session.get(Movement, movement)
            if m is None or m.vial_id != d.vial_id:
                raise UnknownRecord(
                    f"movement {movement} is not an entry of this discrepancy's vial",
                    subject=str(movement),
                )
        d.status = DiscrepancyStatus.RESOLVED
        d.explanation = why
        d.resolving_movement_id = movement
        d.resolved_at = tx.entered_at
        tx.session.add(d)
        tx.audit(action="discrepancy.resolve", detail={"discrepancy": discrepancy_id})
        return _summary(tx, d)


def _draft(tx: UnitOfWork, d: Discrepancy) -> dict[str, Any]:
    """The Form 106 draft: registrant, product, quantity lost, dates and the type of loss."""
    vial = tx.session.get(Vial, d.vial_id)
    reg = tx.session.get(Registration, d.registration_id)
    assert vial is not None and reg is not None
    product = product_of(tx.session, vial)
    whole = d.short_ug >= vial.received_ug and vial.opened_at is None
    return {
        "discrepancy": d.id,
        "registrant": reg.registrant,
        "address": reg.address,
        "dea_number": reg.dea_number,
        "products": [
            {
                "name": product.name,
                "ndc": product.ndc,
                "strength_ug_per_ml": product.strength_ug_per_ml,
                "vial": vial.label,
                "lot": vial.lot,
                "quantity_lost_mg": mg_text(d.short_ug),
                "containers_lost": 1 if whole else 0,
            }
        ],
        "discovered_on": d.discovered_on.isoformat(),
        "loss_type": d.loss_type,
        "notice_due": d.notice_due.isoformat() if d.notice_due else None,
        "form_due": d.form_due.isoformat() if d.form_due else None,
    }


@audited("discrepancy.escalate")
def escalate(db: Database, actor: Actor, discrepancy_id: int, *, loss_type: str) -> dict[str, Any]:
    """The registrant escalates: a Form 106 draft with the notice and form due dates."""
    if loss_type not in LOSS_TYPES:
        raise InvalidText(f"the type of loss is one of {', '.join(LOSS_TYPES)}")
    with act(db, actor, "discrepancy.escalate") as tx:
        d = _get(tx, discrepancy_id)
        if d.status in CLOSED:
            raise DiscrepancyClosed(f"discrepancy {discrepancy_id} is {d.status}")
        found = d.discovered_on
        d.status = DiscrepancyStatus.ESCALATED
        d.loss_type = loss_type
        d.escalated_at = tx.entered_at
        d.notice_due = next_business_day(found, holidays_of(tx.settings.holidays))
        d.form_due = found + timedelta(days=FORM_DAYS)
        tx.session.add(d)
        tx.audit(action="discrepancy.escalate", detail={"discrepancy": discrepancy_id})
        return _draft(tx, d)


@audited("discrepancy.confirm-loss")
def confirm_loss(db: Database, actor: Actor, discrepancy_id: int) -> int:
    """The registrant confirms the draft: the `loss` movement, linked to the discrepancy, in
    the same transaction. A loss never takes more than the vial holds now. A loss recorded
    outside a count is already in the book: confirming its draft writes no second loss."""
    with act(db, actor, "discrepancy.escalate") as tx:
        d = _get(tx, discrepancy_id)
        if d.status != DiscrepancyStatus.ESCALATED:
            raise DiscrepancyNotEscalated(
                f"discrepancy {discrepancy_id} is {d.status}; escalate it before confirming"
            )
        if d.form_confirmed_at is not None:
            raise LossAlreadyRecorded(
                f"discrepancy {discrepancy_id}'s loss is movement {d.loss_movement_id}"
            )
        if d.loss_movement_id is not None:
            d.form_confirmed_at = tx.entered_at
            tx.session.add(d)
            tx.audit(
                action="discrepancy.confirm-loss",
                detail={"discrepancy": discrepancy_id, "movement": d.loss_movement_id},
            )
            return d.loss_movement_id
        if d.short_ug <= 0:
            raise DiscrepancyNotEscalated(
                f"discrepancy {discrepancy_id} found more than the book: there is no loss"
            )
        vial = tx.posting.vial_by_id(d.vial_id)
        posted = tx.posting.move(
            kind=MovementKind.LOSS,
            vial=vial,
            amount_ug=-d.short_ug,
            actor_id=tx.user_id,
            event_at=tx.entered_at,
            reason=f"{d.loss_type}: discrepancy {discrepancy_id}",
            detail=DiscrepancyLink(discrepancy=discrepancy_id).to_detail(),
        )
        tx.posting.settle_state(vial)
        tx.posting.finish()  # the movement exists before the discrepancy points at it
        d.loss_movement_id = posted.id
        d.form_confirmed_at = tx.entered_at
        tx.session.add(d)
        tx.audit(
            action="discrepancy.confirm-loss",
            detail={"discrepancy": discrepancy_id, "movement": posted.id},
        )
        return posted.id


def open_for_loss(
    tx: UnitOfWork, *, vial: Vial, movement_id: int, amount_ug: int, discovered_at: datetime
) -> int:
    """A loss found outside a count opens its discrepancy in the same transaction, so every
    loss has a record of its investigation (and, if escalated, its Form 106 draft). The loss
    is already in the book: the discrepancy points at it from the start."""
    assert vial.id is not None
    found = Discrepancy(
        registration_id=vial.registration_id,
        vial_id=vial.id,
        result_id=None,
        short_ug=amount_ug,
        discovered_on=local_date(tx.settings.timezone, discovered_at),
        opened_at=tx.entered_at,
        loss_movement_id=movement_id,
    )
    tx.session.add(found)
    tx.session.flush()
    assert found.id is not None
    return found.id
