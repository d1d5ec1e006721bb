"""An infusion may name its rendering provider: the superbill names the clinic's medical
director unless the infusion names another clinician (issue 12). A nullable reference to
the user; infusions recorded before it name none and keep the medical director.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_infusion_rendering_provider_id_app_user"


def upgrade() -> None:
    # ADD COLUMN, not a batch rebuild: rebuilding would drop the infusion table's guards.
    # SQLite takes the named reference inline (it cannot add a constraint afterwards).
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE infusion ADD COLUMN rendering_provider_id INTEGER CONSTRAINT {_FK} "
            "REFERENCES app_user (id)"
        )
    else:
        op.add_column("infusion", sa.Column("rendering_provider_id", sa.Integer(), nullable=True))
        op.create_foreign_key(_FK, "infusion", "app_user", ["rendering_provider_id"], ["id"])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(_FK, "infusion", type_="foreignkey")
    # SQLite 3.35+ drops a column in place; a batch rebuild would drop the guards.
    op.drop_column("infusion", "rendering_provider_id")
