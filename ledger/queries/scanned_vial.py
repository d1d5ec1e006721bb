"""A label read by a barcode scanner: which vial it is, and whether it is still on the shelf."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ledger import plain_tables as t
from ledger.access import Actor, authorize_reader
from ledger.database import Database
from ledger.errors import UnknownRecord
from ledger.queries.vials import label_to_find


@dataclass(frozen=True)
class ScannedVial:
    label: str
    """The label as stored (upper case, trimmed)."""
    state: str
    """sealed, open, quarantined, empty, destroyed…"""
    on_hand: bool
    """Has drug left: listed on the vials screen (the stock query's rule, balance > 0)."""


def scanned_vial(db: Database, actor: Actor, scanned: str) -> ScannedVial:
    """The vial whose label was scanned, or UnknownRecord naming what was read."""
    label = label_to_find(scanned)
    v, b = t.vial, t.vial_balance
    with db.reading() as conn:
        authorize_reader(conn, actor, "ledger.read")
        row = conn.execute(
            sa.select(v.c.label, v.c.state, b.c.balance_ug)
            .select_from(v.outerjoin(b, b.c.vial_id == v.c.id))
            .where(v.c.label == label)
        ).first()
    if row is None:
        raise UnknownRecord(f"no vial has the label {label!r}", subject=label)
    return ScannedVial(row.label, row.state, (row.balance_ug or 0) > 0)
