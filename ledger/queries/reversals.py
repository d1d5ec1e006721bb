"""Whether an infusion was reversed: the one SQL test of it, for billing and the dashboard."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.models import Movement, MovementKind
from ledger.models.base import table_of


def reversed_infusion(infusion_id: sa.ColumnElement[int] | int) -> sa.Exists:
    """The infusion was reversed (as a whole: its movements are reversed together)."""
    m = table_of(Movement)
    return sa.exists(
        sa.select(m.c.id).where(m.c.infusion_id == infusion_id, m.c.kind == MovementKind.REVERSAL)
    )
