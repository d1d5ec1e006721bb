"""Guards without side doors: no replaced rows, vials fixed as received, patient corrections,
and an export's SHA-256 in its own audit column.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import guards

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Rows of these tables are history: UPDATE and DELETE are refused.
APPEND_ONLY = ("patient_correction",)
#: On SQLite, an INSERT reusing any of these keys is refused (it is how REPLACE deletes).
REPLACE_KEYS: dict[str, Sequence[str]] = {
    "movement": ("id", "hash"),
    "infusion": ("id",),
    "receipt": ("id",),
    "audit_event": ("id",),
    "patient_correction": ("id",),
    "vial": ("id", "label"),
    "patient": ("id", "mrn"),
    "chain_head": (),
}


def guards_of(dialect: str) -> list[guards.Guard]:
    return [
        *guards.append_only_guards(dialect, tables=APPEND_ONLY),
        *guards.record_guards(dialect),
        *guards.replace_guards(dialect, keys=REPLACE_KEYS),
    ]


def upgrade() -> None:
    # ADD COLUMN, not a batch rebuild: rebuilding audit_event would drop its guards.
    op.add_column('audit_event', sa.Column('sha256', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_audit_event_sha256'), 'audit_event', ['sha256'], unique=False)
    op.create_table('patient_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('corrected_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('old_name', sa.String(length=200), nullable=False),
    sa.Column('old_address', sa.String(length=500), nullable=False),
    sa.Column('old_dob', sa.Date(), nullable=False),
    sa.Column('new_name', sa.String(length=200), nullable=False),
    sa.Column('new_address', sa.String(length=500), nullable=False),
    sa.Column('new_dob', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['app_user.id'], name=op.f('fk_patient_correction_corrected_by_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_patient_correction_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_correction'))
    )
    op.create_index(op.f('ix_patient_correction_patient_id'), 'patient_correction', ['patient_id'], unique=False)
    guards.install(op.get_bind(), guards_of(op.get_bind().dialect.name))


def downgrade() -> None:
    bind = op.get_bind()
    guards.uninstall(bind, guards_of(bind.dialect.name))
    op.drop_index(op.f('ix_patient_correction_patient_id'), table_name='patient_correction')
    op.drop_table('patient_correction')
    op.drop_index(op.f('ix_audit_event_sha256'), table_name='audit_event')
    # SQLite 3.35+ drops a column in place; a batch rebuild would drop the 0002 guards.
    op.drop_column('audit_event', 'sha256')
