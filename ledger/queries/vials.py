"""Looking up vials: by label, their product strength, and a vial's balance after a movement."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from ledger.database import Database
from ledger.errors import UnknownRecord
from ledger.models import Movement, Product, Vial
from ledger.models.base import table_of


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


def label_to_find(label: str | None) -> str:
    """A typed vial label as stored, or UnknownRecord when no label could be written so.

    PostgreSQL refuses a NUL byte inside the query itself, and a 100 kB paste is no label.
    """
    text = (label or "").strip().upper()
    if not text.isprintable() or len(text) > 20:
        raise UnknownRecord(f"no vial labelled {text[:24]!r}", subject=text[:24])
    return text


def vial_id_for(session: Session, label: str) -> int:
    """The id of the vial with this clinic label, or a refusal naming it."""
    v = table_of(Vial)
    found = session.execute(sa.select(v.c.id).where(v.c.label == label_to_find(label))).scalar()
    if found is None:
        raise UnknownRecord(f"no vial labelled {label!r}", subject=label)
    return int(found)


def balance_after(
    movement: sa.Table | sa.Alias, upto: sa.ColumnElement[int]
) -> sa.ScalarSelect[int]:
    """The vial's balance once every movement up to `upto` is counted, for each row of a
    query over `movement`. One index range on (vial_id, id) per row: the cost follows the
    vial's own history, never the ledger's."""
    earlier = table_of(Movement).alias("earlier")
    return (
        sa.select(sa.func.sum(earlier.c.amount_ug))
        .where(earlier.c.vial_id == movement.c.vial_id, earlier.c.id <= upto)
        .scalar_subquery()
    )
