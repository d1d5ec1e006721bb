"""Settings with history: every version of the clinic's settings, from the moment it took
effect, append-only. The version a migrated ledger already has is recorded as in force since
before its first entry, so every existing record keeps the judgement it had.

Revision ID: 0005
Revises: 0004
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from migrations import guards

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Rows of these tables are history: UPDATE and DELETE are refused.
APPEND_ONLY = ("settings_version",)
ROLE = "vialbook_workstation"
#: Before any ledger this program can hold (ledger/services/rules.EARLIEST_EVENT).
SINCE_EVER = datetime(2000, 1, 1, tzinfo=UTC)


def guards_of(dialect: str) -> list[guards.Guard]:
    return [
        *guards.append_only_guards(dialect, tables=APPEND_ONLY),
        *guards.replace_guards(dialect, keys={"settings_version": ("id",)}),
    ]


def upgrade() -> None:
    op.create_table('settings_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('effective_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('settings_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['app_user.id'], name=op.f('fk_settings_version_changed_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settings_version'))
    )
    op.create_index(op.f('ix_settings_version_effective_at'), 'settings_version', ['effective_at'], unique=False)
    bind = op.get_bind()
    row = bind.execute(sa.text("SELECT * FROM clinic_settings WHERE id = 1")).mappings().first()
    if row is not None:
        values = {k: v for k, v in row.items() if k != "id"}
        if bind.dialect.name == "sqlite":
            values["exact_open_counts"] = bool(values.get("exact_open_counts"))
        # SQLite keeps UTC text in the one form vialbook writes (check names any other form).
        since = (
            SINCE_EVER.strftime("%Y-%m-%d %H:%M:%S.%f")
            if bind.dialect.name == "sqlite"
            else SINCE_EVER
        )
        bind.execute(
            sa.text(
                "INSERT INTO settings_version (effective_at, changed_by_id, settings_json) "
                "VALUES (:at, NULL, :values)"
            ),
            {"at": since, "values": json.dumps(values, sort_keys=True, default=str)},
        )
    guards.install(bind, guards_of(bind.dialect.name))
    if bind.dialect.name == "postgresql":
        op.execute(
            f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN "
            f"GRANT SELECT, INSERT ON settings_version TO {ROLE}; "
            f"GRANT USAGE, SELECT ON SEQUENCE settings_version_id_seq TO {ROLE}; "
            "END IF; END $$"
        )


def downgrade() -> None:
    bind = op.get_bind()
    guards.uninstall(bind, guards_of(bind.dialect.name))
    op.drop_index(op.f('ix_settings_version_effective_at'), table_name='settings_version')
    op.drop_table('settings_version')
