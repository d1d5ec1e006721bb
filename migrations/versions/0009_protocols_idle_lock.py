"""Protocols as the clinic's list (seeded with depression and pain), the confirmed over-order
on an infusion, and the idle lock's minutes in the clinic's settings.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import guards

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: On SQLite, an INSERT reusing any of these keys is refused (it is how REPLACE deletes).
REPLACE_KEYS: dict[str, Sequence[str]] = {"protocol": ("id", "name")}
ROLE = "vialbook_workstation"
#: The protocols every clinic starts with (DESIGN.md, Dosing): name, µg/kg, minutes.
SEEDED = (
    # 0.5 mg/kg IV over 40 minutes.
    ("depression", 500, 40),
    # 0.35 mg/kg/h for 4 hours: 1.4 mg/kg in all.
    ("pain", 1400, 240),
)


def guards_of(dialect: str) -> list[guards.Guard]:
    return guards.replace_guards(dialect, keys=REPLACE_KEYS)


def upgrade() -> None:
    # ADD COLUMN, not a batch rebuild: rebuilding a guarded table would drop its guards.
    op.add_column('clinic_settings', sa.Column('idle_lock_minutes', sa.Integer(), server_default='5', nullable=False))
    op.add_column('infusion', sa.Column('over_order', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('infusion', sa.Column('over_order_reason', sa.String(length=500), nullable=True))
    protocol = op.create_table('protocol',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('ug_per_kg', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol')),
    sa.UniqueConstraint('name', name=op.f('uq_protocol_name'))
    )
    op.bulk_insert(
        protocol,
        [{"name": n, "ug_per_kg": ug, "minutes": mins, "active": True} for n, ug, mins in SEEDED],
    )
    bind = op.get_bind()
    guards.install(bind, guards_of(bind.dialect.name))
    if bind.dialect.name == "postgresql":
        op.execute(
            f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN "
            f"GRANT SELECT, INSERT, UPDATE ON protocol TO {ROLE}; "
            f"GRANT USAGE, SELECT ON SEQUENCE protocol_id_seq TO {ROLE}; "
            "END IF; END $$"
        )


def downgrade() -> None:
    bind = op.get_bind()
    guards.uninstall(bind, guards_of(bind.dialect.name))
    op.drop_table('protocol')
    # SQLite 3.35+ drops a column in place; a batch rebuild would drop the guards.
    op.drop_column('infusion', 'over_order_reason')
    op.drop_column('infusion', 'over_order')
    op.drop_column('clinic_settings', 'idle_lock_minutes')
