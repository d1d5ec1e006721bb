"""Indexes for the ledger browser's filters: movements by kind, by who recorded them and by
who witnessed them, each in id order, so a page of a rare kind or a rarely active user is read
from the index instead of walking the whole history.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (name, columns): created without rebuilding the movement table, so its guards stay.
INDEXES = (
    ("ix_movement_kind_seq", ["kind", "id"]),
    ("ix_movement_actor_seq", ["actor_id", "id"]),
    ("ix_movement_witness_seq", ["witness_id", "id"]),
)


def upgrade() -> None:
    for name, columns in INDEXES:
        op.create_index(name, "movement", columns, unique=False)


def downgrade() -> None:
    for name, _ in reversed(INDEXES):
        op.drop_index(name, table_name="movement")
