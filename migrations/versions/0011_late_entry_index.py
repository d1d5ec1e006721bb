"""An index of the late entries: the dashboard's alerts list the late entries not yet
reviewed, and without it that list scanned the whole movement table (0.35-0.9 s on a ledger
of 1.08 million movements). Partial: it holds only the few late movements.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Created without rebuilding the movement table, so its guards stay.
    op.create_index(
        "ix_movement_late",
        "movement",
        ["id"],
        unique=False,
        sqlite_where=sa.text("late IS 1"),
        postgresql_where=sa.text("late IS true"),
    )


def downgrade() -> None:
    op.drop_index("ix_movement_late", table_name="movement")
