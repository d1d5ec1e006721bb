"""Looking up one vial's product strength, so typed mL can be turned into µg."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.database import Database
from ledger.errors import UnknownRecord
from ledger.models import Product, Vial


def vial_strength(db: Database, label: str) -> int:
    v = Vial.__table__  # type: ignore[attr-defined]
    p = Product.__table__  # type: ignore[attr-defined]
    with db.read() as session:
        strength = session.execute(
            sa.select(p.c.strength_ug_per_ml)
            .select_from(v.join(p, p.c.id == v.c.product_id))
            .where(v.c.label == (label or "").strip().upper())
        ).scalar()
    if strength is None:
        raise UnknownRecord(f"no vial labelled {label!r}", subject=label)
    return int(strength)
