"""What a sound ledger looks like from outside: the assertions every reliability test ends with."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.check import run_check
from ledger.database import Database

#: Per vial: what was received, the cached balance, and the sum of its movements.
_BALANCES = sa.text(
    """
    SELECT v.label, v.received_ug,
           COALESCE(b.balance_ug, 0) AS cached,
           COALESCE((SELECT SUM(m.amount_ug) FROM movement m WHERE m.vial_id = v.id), 0) AS summed
    FROM vial v LEFT JOIN vial_balance b ON b.vial_id = v.id
    ORDER BY v.id
    """
)

#: Per infusion: its record, and what its own (non-reversal) movements give and waste.
_INFUSIONS = sa.text(
    """
    SELECT i.id, i.drawn_ug, i.given_ug, i.wasted_ug,
           COALESCE(SUM(CASE WHEN m.kind = 'administer' THEN -m.amount_ug END), 0) AS g,
           COALESCE(SUM(CASE WHEN m.kind = 'waste' THEN -m.amount_ug END), 0) AS w,
           COUNT(CASE WHEN m.kind = 'waste' THEN 1 END) AS wastes
    FROM infusion i LEFT JOIN movement m ON m.infusion_id = i.id AND m.kind <> 'reversal'
    GROUP BY i.id, i.drawn_ug, i.given_ug, i.wasted_ug
    ORDER BY i.id
    """
)


def assert_ledger_sound(db: Database) -> None:
    """The chain verifies, no vial is overdrawn, the cache is the sum, no infusion is partial."""
    report = run_check(db)
    assert report.ok, [f"{p.movement_id}: {p.rule}: {p.message}" for p in report.problems]
    with db.engine.connect() as conn:
        for label, received, cached, summed in conn.execute(_BALANCES):
            assert 0 <= summed <= received, f"vial {label} holds {summed} of {received} µg"
            assert cached == summed, f"vial {label}: cache {cached} µg, movements {summed} µg"
        for row in conn.execute(_INFUSIONS):
            assert row.drawn_ug == row.given_ug + row.wasted_ug, f"infusion {row.id} unbalanced"
            assert (row.g, row.w) == (row.given_ug, row.wasted_ug), (
                f"infusion {row.id} is partial: movements give {row.g} and waste {row.w}, "
                f"the record says {row.given_ug} and {row.wasted_ug}"
            )
            assert row.wastes == (1 if row.wasted_ug else 0), f"infusion {row.id}: waste count"


def infusion_ids(db: Database) -> list[int]:
    with db.engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.text("SELECT id FROM infusion ORDER BY id"))]


def movement_ids(db: Database) -> list[int]:
    with db.engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.text("SELECT id FROM movement ORDER BY id"))]
