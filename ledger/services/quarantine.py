"""Quarantine: setting a suspect vial aside (seal doubt, recall) so nobody draws from it."""

from __future__ import annotations

from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import VialNotUsable
from ledger.models import VialState
from ledger.text import clean_text
from ledger.unit_of_work import act


def _set_state(db: Database, actor: Actor, vial: str, reason: str, *, to_quarantine: bool) -> str:
    why = clean_text(reason, "reason", 500)
    with act(db, actor, "quarantine") as tx:
        session = tx.session
        # The head lock keeps a quarantine from racing a draw from the same vial.
        v = tx.posting.vial_by_label(vial)
        if to_quarantine and v.state not in (VialState.SEALED, VialState.OPEN):
            raise VialNotUsable(f"vial {v.label} is {v.state}; only a vial in use can be set aside")
        if not to_quarantine and v.state != VialState.QUARANTINED:
            raise VialNotUsable(f"vial {v.label} is not quarantined")
        before = v.state
        if to_quarantine:
            v.state = VialState.QUARANTINED
        else:
            v.state = VialState.OPEN if v.opened_at is not None else VialState.SEALED
        session.add(v)
        after = v.state
        # A state change moves no drug, so it is not a movement: the audit trail keeps it,
        # in the same transaction, so the change and its record stand or fall together.
        tx.audit(
            action="quarantine" if to_quarantine else "release",
            detail={
                "vial": v.label,
                "from": before,
                "to": after,
                "reason": why,
                "at": tx.entered_at.isoformat(),
            },
        )
    return str(after)


@audited("quarantine")
def quarantine(db: Database, actor: Actor, *, vial: str, reason: str) -> str:
    return _set_state(db, actor, vial, reason, to_quarantine=True)


@audited("release")
def release(db: Database, actor: Actor, *, vial: str, reason: str) -> str:
    return _set_state(db, actor, vial, reason, to_quarantine=False)
