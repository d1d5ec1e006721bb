"""The registrant's review of late entries: entries made after the fact are flagged until
someone who answers for the registration has read them and their reasons."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import AlreadyReviewed, NotALateEntry, UnknownRecord
from ledger.models import LateReview, Movement
from ledger.text import clean_text
from ledger.unit_of_work import act


@audited("late.review")
def review_late(
    db: Database, actor: Actor, movement_id: int, *, note: str | None = None
) -> dict[str, Any]:
    """Mark one late entry reviewed. The entry is never touched: the review is its own row."""
    said = clean_text(note, "note", 500, required=False) or None
    with act(db, actor, "late.review") as tx:
        m = tx.session.get(Movement, movement_id)
        if m is None:
            raise UnknownRecord(f"no movement {movement_id}", subject=str(movement_id))
        if not m.late:
            raise NotALateEntry(f"movement {movement_id} was entered on time; nothing to review")
        done = tx.session.exec(
            select(LateReview).where(LateReview.movement_id == movement_id)
        ).first()
        if done is not None:
            raise AlreadyReviewed(
                f"movement {movement_id} was reviewed on {done.reviewed_at:%Y-%m-%d}"
            )
        review = LateReview(
            movement_id=movement_id,
            reviewed_at=tx.entered_at,
            reviewed_by_id=tx.user_id,
            note=said,
        )
        tx.session.add(review)
        tx.session.flush()
        tx.audit(detail={"movement": movement_id})
        return {"movement": movement_id, "review": review.id, "reviewed_by": tx.user.username}
