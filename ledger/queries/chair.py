"""What the infusion form suggests at the chair: patients by name or MRN as typed, and the
vials to draw from (the open vial nearest its beyond-use date first, then sealed vials
first-expiry-first-out), each with its balance. Reads only; the service judges the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session

from ledger.models import Patient, Product, Vial, VialBalance, VialState
from ledger.models.base import table_of


@dataclass(frozen=True)
class PatientMatch:
    mrn: str
    name: str
    dob: date
    address: str
    weight_g: int | None


@dataclass(frozen=True)
class VialChoice:
    label: str
    product: str
    state: str
    balance_ug: int
    strength_ug_per_ml: int
    #: The beyond-use instant of an open vial; None for a sealed one.
    bud: datetime | None
    expires: date


def _like_text(text: str) -> str:
    # LIKE's own wildcards in a typed name are literal characters, not patterns.
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def patients_matching(session: Session, typed: str, limit: int = 5) -> list[PatientMatch]:
    """Patients whose MRN starts with, or whose name contains, what was typed (case-blind);
    an exact MRN first, then by name."""
    text = " ".join(typed.split())
    if not text or not text.isprintable() or len(text) > 200:
        return []
    p = table_of(Patient)
    pattern = _like_text(text.lower())
    exact = sa.func.upper(p.c.mrn) == text.upper()
    rows = session.execute(
        sa.select(p.c.mrn, p.c.name, p.c.dob, p.c.address, p.c.weight_g)
        .where(
            sa.or_(
                sa.func.lower(p.c.mrn).like(pattern + "%", escape="\\"),
                sa.func.lower(p.c.name).like("%" + pattern + "%", escape="\\"),
            )
        )
        .order_by(sa.case((exact, 0), else_=1), p.c.name, p.c.mrn)
        .limit(limit)
    ).all()
    return [PatientMatch(r.mrn, r.name, r.dob, r.address.strip(), r.weight_g) for r in rows]


def vials_to_draw(
    session: Session, *, now: datetime, today: date, limit: int = 6
) -> list[VialChoice]:
    """Usable vials with stock: open ones nearest their BUD first, then sealed ones by expiry.

    Expired, past-BUD, quarantined and empty vials are left out: a draw from them is refused.
    """
    v, b, p = table_of(Vial), table_of(VialBalance), table_of(Product)
    rows = session.execute(
        sa.select(
            v.c.label,
            p.c.name,
            v.c.state,
            b.c.balance_ug,
            p.c.strength_ug_per_ml,
            v.c.bud,
            v.c.expires,
        )
        .select_from(b.join(v, v.c.id == b.c.vial_id).join(p, p.c.id == v.c.product_id))
        .where(
            b.c.balance_ug > 0,
            v.c.state.in_([VialState.OPEN, VialState.SEALED]),
            v.c.expires >= today,
            sa.or_(v.c.bud.is_(None), v.c.bud > now),
        )
        .order_by(
            sa.case((v.c.state == VialState.OPEN, 0), else_=1),
            v.c.bud,
            v.c.expires,
            v.c.label,
        )
        .limit(limit)
    ).all()
    return [
        VialChoice(r.label, r.name, r.state, r.balance_ug, r.strength_ug_per_ml, r.bud, r.expires)
        for r in rows
    ]
