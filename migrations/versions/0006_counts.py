"""Blind counts and discrepancies: counts, their lines (with history), results, approvals,
discrepancies and their notes, and the count variance tiers and holidays in the settings.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import guards

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Rows of these tables are history: UPDATE and DELETE are refused.
APPEND_ONLY = ("count_line", "count_result", "count_approval", "discrepancy_note")
#: On SQLite, an INSERT reusing any of these keys is refused (it is how REPLACE deletes).
REPLACE_KEYS: dict[str, Sequence[str]] = {
    "count": ("id",),
    "count_line": ("id",),
    "count_result": ("id",),
    "count_approval": ("id", "result_id"),
    "discrepancy": ("id",),
    "discrepancy_note": ("id",),
}
NEW_TABLES = ("count", "count_line", "count_result", "count_approval", "discrepancy",
              "discrepancy_note")  # fmt: skip
ROLE = "vialbook_workstation"


def guards_of(dialect: str) -> list[guards.Guard]:
    return [
        *guards.append_only_guards(dialect, tables=APPEND_ONLY),
        *guards.replace_guards(dialect, keys=REPLACE_KEYS),
    ]


def upgrade() -> None:
    # ADD COLUMN, not a batch rebuild: rebuilding clinic_settings would drop its guards.
    op.add_column('clinic_settings', sa.Column('count_accept_ul', sa.Integer(), server_default='100', nullable=False))
    op.add_column('clinic_settings', sa.Column('count_signoff_ul', sa.Integer(), server_default='1000', nullable=False))
    op.add_column('clinic_settings', sa.Column('holidays', sa.Text(), server_default='', nullable=False))
    op.create_table('count',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', sa.String(length=8), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('witness_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_count_registration_id_registration')),
    sa.ForeignKeyConstraint(['started_by_id'], ['app_user.id'], name=op.f('fk_count_started_by_id_app_user')),
    sa.ForeignKeyConstraint(['witness_id'], ['app_user.id'], name=op.f('fk_count_witness_id_app_user')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['app_user.id'], name=op.f('fk_count_submitted_by_id_app_user')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['app_user.id'], name=op.f('fk_count_signed_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count'))
    )
    op.create_index(op.f('ix_count_registration_id'), 'count', ['registration_id'], unique=False)
    op.create_table('count_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('count_id', sa.Integer(), nullable=False),
    sa.Column('vial_id', sa.Integer(), nullable=False),
    sa.Column('reading', sa.String(length=8), nullable=False),
    sa.Column('counted_ul', sa.Integer(), nullable=True),
    sa.Column('counted_ug', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('vial_last_movement_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['count_id'], ['count.id'], name=op.f('fk_count_line_count_id_count')),
    sa.ForeignKeyConstraint(['vial_id'], ['vial.id'], name=op.f('fk_count_line_vial_id_vial')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id'], name=op.f('fk_count_line_recorded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_line'))
    )
    op.create_index(op.f('ix_count_line_count_id'), 'count_line', ['count_id'], unique=False)
    op.create_table('count_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('count_id', sa.Integer(), nullable=False),
    sa.Column('vial_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=True),
    sa.Column('book_ug', sa.Integer(), nullable=False),
    sa.Column('counted_ug', sa.Integer(), nullable=True),
    sa.Column('variance_ug', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['count_id'], ['count.id'], name=op.f('fk_count_result_count_id_count')),
    sa.ForeignKeyConstraint(['vial_id'], ['vial.id'], name=op.f('fk_count_result_vial_id_vial')),
    sa.ForeignKeyConstraint(['line_id'], ['count_line.id'], name=op.f('fk_count_result_line_id_count_line')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_result'))
    )
    op.create_index(op.f('ix_count_result_count_id'), 'count_result', ['count_id'], unique=False)
    op.create_table('count_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('movement_id', sa.Integer(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=False),
    sa.Column('witness_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['result_id'], ['count_result.id'], name=op.f('fk_count_approval_result_id_count_result')),
    sa.ForeignKeyConstraint(['movement_id'], ['movement.id'], name=op.f('fk_count_approval_movement_id_movement')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['app_user.id'], name=op.f('fk_count_approval_approved_by_id_app_user')),
    sa.ForeignKeyConstraint(['witness_id'], ['app_user.id'], name=op.f('fk_count_approval_witness_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_approval')),
    sa.UniqueConstraint('result_id', name=op.f('uq_count_approval_result_id'))
    )
    op.create_table('discrepancy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('vial_id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('short_ug', sa.Integer(), nullable=False),
    sa.Column('discovered_on', sa.Date(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('explanation', sa.String(length=2000), nullable=True),
    sa.Column('resolving_movement_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('loss_type', sa.String(length=20), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_due', sa.Date(), nullable=True),
    sa.Column('form_due', sa.Date(), nullable=True),
    sa.Column('loss_movement_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_discrepancy_registration_id_registration')),
    sa.ForeignKeyConstraint(['vial_id'], ['vial.id'], name=op.f('fk_discrepancy_vial_id_vial')),
    sa.ForeignKeyConstraint(['result_id'], ['count_result.id'], name=op.f('fk_discrepancy_result_id_count_result')),
    sa.ForeignKeyConstraint(['resolving_movement_id'], ['movement.id'], name=op.f('fk_discrepancy_resolving_movement_id_movement')),
    sa.ForeignKeyConstraint(['loss_movement_id'], ['movement.id'], name=op.f('fk_discrepancy_loss_movement_id_movement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discrepancy'))
    )
    op.create_index(op.f('ix_discrepancy_vial_id'), 'discrepancy', ['vial_id'], unique=False)
    op.create_table('discrepancy_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('discrepancy_id', sa.Integer(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['discrepancy_id'], ['discrepancy.id'], name=op.f('fk_discrepancy_note_discrepancy_id_discrepancy')),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], name=op.f('fk_discrepancy_note_author_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discrepancy_note'))
    )
    op.create_index(op.f('ix_discrepancy_note_discrepancy_id'), 'discrepancy_note', ['discrepancy_id'], unique=False)
    bind = op.get_bind()
    guards.install(bind, guards_of(bind.dialect.name))
    if bind.dialect.name == "postgresql":
        grants = " ".join(
            f"GRANT SELECT, INSERT{'' if t in APPEND_ONLY else ', UPDATE'} ON {t} TO {ROLE}; "
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
    op.drop_index(op.f('ix_discrepancy_note_discrepancy_id'), table_name='discrepancy_note')
    op.drop_table('discrepancy_note')
    op.drop_index(op.f('ix_discrepancy_vial_id'), table_name='discrepancy')
    op.drop_table('discrepancy')
    op.drop_table('count_approval')
    op.drop_index(op.f('ix_count_result_count_id'), table_name='count_result')
    op.drop_table('count_result')
    op.drop_index(op.f('ix_count_line_count_id'), table_name='count_line')
    op.drop_table('count_line')
    op.drop_index(op.f('ix_count_registration_id'), table_name='count')
    op.drop_table('count')
    # SQLite 3.35+ drops a column in place; a batch rebuild would drop the guards.
    op.drop_column('clinic_settings', 'holidays')
    op.drop_column('clinic_settings', 'count_signoff_ul')
    op.drop_column('clinic_settings', 'count_accept_ul')
