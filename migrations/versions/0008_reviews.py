"""Reviews of late entries by the registrant, and the confirmation of a Form 106 draft kept
apart from the loss movement (a loss found outside a count is in the book before its draft).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import guards

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: A review is history: UPDATE and DELETE are refused.
APPEND_ONLY = ("late_review",)
#: On SQLite, an INSERT reusing any of these keys is refused (it is how REPLACE deletes).
REPLACE_KEYS: dict[str, Sequence[str]] = {"late_review": ("id", "movement_id")}
NEW_TABLES = ("late_review",)
ROLE = "vialbook_workstation"


def guards_of(dialect: str) -> list[guards.Guard]:
    return [
        *guards.append_only_guards(dialect, tables=APPEND_ONLY),
        *guards.replace_guards(dialect, keys=REPLACE_KEYS),
    ]


def upgrade() -> None:
    # ADD COLUMN, not a batch rebuild: rebuilding discrepancy would drop its guards.
    op.add_column(
        "discrepancy",
        sa.Column("form_confirmed_at", sa.DateTime(timezone=True), nullable=True),
    )
    # Before this revision a loss movement on a discrepancy meant its draft was confirmed.
    op.execute(
        "UPDATE discrepancy SET form_confirmed_at = escalated_at "
        "WHERE loss_movement_id IS NOT NULL"
    )
    op.create_table(
        "late_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["movement_id"], ["movement.id"], name=op.f("fk_late_review_movement_id_movement")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["app_user.id"],
            name=op.f("fk_late_review_reviewed_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_late_review")),
        sa.UniqueConstraint("movement_id", name=op.f("uq_late_review_movement_id")),
    )
    bind = op.get_bind()
    guards.install(bind, guards_of(bind.dialect.name))
    if bind.dialect.name == "postgresql":
        grants = " ".join(
            f"GRANT SELECT, INSERT ON {t} TO {ROLE}; "
            f"GRANT USAGE, SELECT ON SEQUENCE {t}_id_seq TO {ROLE};"
            for t in NEW_TABLES
        )
        op.execute(
            f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN "
            f"{grants} END IF; END $$"
        )


def downgrade() -> None:
    bind = op.get_bind()
    guards.uninstall(bind, guards_of(bind.dialect.name))
    op.drop_table("late_review")
    # SQLite 3.35+ drops a column in place; a batch rebuild would drop the guards.
    op.drop_column("discrepancy", "form_confirmed_at")
