"""Moving stock between two registrations of the clinic, recorded at both."""

from __future__ import annotations

from datetime import datetime

from ledger.access import Actor
from ledger.audited import audited
from ledger.clock import local_date
from ledger.database import Database
from ledger.details import TransferRecord
from ledger.errors import InvalidAmount, TransferNotAllowed, VialNotUsable
from ledger.models import MovementKind, Registration, VialState
from ledger.queries.registrations import registration_for
from ledger.services.disposal import GONE, Posted
from ledger.services.rules import (
    check_after_receipt,
    check_registration,
    event_time,
    product_of,
    with_late_note,
)
from ledger.text import clean_text
from ledger.unit_of_work import act


@audited("transfer")
def transfer(
    db: Database,
    actor: Actor,
    *,
    vials: list[str],
    to_registration: str,
    reason: str,
    reference: str | None = None,
    event_at: datetime | None = None,
    late_reason: str | None = None,
) -> Posted:
    """Each vial leaves its registration (transfer_out) and arrives at the other (transfer_in)."""
    why = clean_text(reason, "reason", 500)
    ref = clean_text(reference, "reference", 64, required=False) or None
    if not vials:
        raise InvalidAmount("name at least one vial to transfer")
    with act(db, actor, "transfer") as tx:
        session, user, settings, posting = tx.session, tx.user, tx.settings, tx.posting
        when, late, late_why = event_time(settings, tx.entered_at, event_at, late_reason)
        dest = registration_for(session, to_registration)
        assert user.id is not None and dest.id is not None
        touched = []
        for label in dict.fromkeys(vials):
            v = posting.vial_by_label(label)
            check_after_receipt(session, v, when)
            if v.state in GONE or v.state == VialState.EMPTY:
                raise VialNotUsable(f"vial {v.label} is {v.state}", subject=v.label)
            if v.registration_id == dest.id:
                raise TransferNotAllowed(f"vial {v.label} is already at {dest.dea_number}")
            source = session.get(Registration, v.registration_id)
            assert source is not None
            product = product_of(session, v)
            day = local_date(settings.timezone, when)
            check_registration(source, product, day)
            check_registration(dest, product, day)
            balance = posting.balance(v)
            detail = TransferRecord(source.dea_number, dest.dea_number, ref).to_detail()
            text = with_late_note(why, late_why)
            out = posting.move(
                kind=MovementKind.TRANSFER_OUT,
                vial=v,
                amount_ug=-balance,
                actor_id=user.id,
                event_at=when,
                registration_id=source.id,
                late=late,
                reason=text,
                detail=detail,
            )
            posting.move(
                kind=MovementKind.TRANSFER_IN,
                vial=v,
                amount_ug=balance,
                actor_id=user.id,
                event_at=when,
                registration_id=dest.id,
                late=late,
                reason=text,
                detail=detail,
                original_id=out.id,
            )
            v.registration_id = dest.id
            session.add(v)
            touched.append(v)
        return Posted.of(posting, touched)
