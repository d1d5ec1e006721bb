"""Ledger: receipts, vials, balance cache, infusions, the movement chain and its guards.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import guards

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Rows of these tables are history: UPDATE and DELETE are refused.
LEDGER_TABLES = ("movement", "infusion", "receipt", "audit_event")


def guards_of(dialect: str) -> list[guards.Guard]:
    return guards.ledger_guards(dialect, tables=LEDGER_TABLES)


def upgrade() -> None:
    op.create_table('receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('invoice_number', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('expires', sa.Date(), nullable=False),
    sa.Column('containers', sa.Integer(), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_receipt_product_id_product')),
    sa.ForeignKeyConstraint(['received_by_id'], ['app_user.id'], name=op.f('fk_receipt_received_by_id_app_user')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_receipt_registration_id_registration')),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], name=op.f('fk_receipt_supplier_id_supplier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt'))
    )
    op.create_table('vial',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=20), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=64), nullable=False),
    sa.Column('expires', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('bud', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_patient_id', sa.Integer(), nullable=True),
    sa.Column('received_ug', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['first_patient_id'], ['patient.id'], name=op.f('fk_vial_first_patient_id_patient')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_vial_product_id_product')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipt.id'], name=op.f('fk_vial_receipt_id_receipt')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_vial_registration_id_registration')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vial')),
    sa.UniqueConstraint('label', name=op.f('uq_vial_label'))
    )
    with op.batch_alter_table('vial', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vial_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vial_registration_id'), ['registration_id'], unique=False)
    op.create_table('infusion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('vial_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('drawn_ug', sa.Integer(), nullable=False),
    sa.Column('given_ug', sa.Integer(), nullable=False),
    sa.Column('wasted_ug', sa.Integer(), nullable=False),
    sa.Column('weight_g', sa.Integer(), nullable=True),
    sa.Column('protocol', sa.String(length=64), nullable=True),
    sa.Column('dose_ug_per_kg', sa.Integer(), nullable=True),
    sa.Column('ordered_ug', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('witness_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_infusion_actor_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_infusion_patient_id_patient')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_infusion_registration_id_registration')),
    sa.ForeignKeyConstraint(['vial_id'], ['vial.id'], name=op.f('fk_infusion_vial_id_vial')),
    sa.ForeignKeyConstraint(['witness_id'], ['app_user.id'], name=op.f('fk_infusion_witness_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_infusion'))
    )
    with op.batch_alter_table('infusion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_infusion_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_infusion_vial_id'), ['vial_id'], unique=False)
    op.create_table('vial_balance',
    sa.Column('vial_id', sa.Integer(), nullable=False),
    sa.Column('balance_ug', sa.Integer(), nullable=False),
    sa.Column('last_movement_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['vial_id'], ['vial.id'], name=op.f('fk_vial_balance_vial_id_vial')),
    sa.PrimaryKeyConstraint('vial_id', name=op.f('pk_vial_balance'))
    )
    with op.batch_alter_table('vial_balance', schema=None) as batch_op:
        batch_op.create_index('ix_vial_balance_on_hand', ['balance_ug'], unique=False)
    op.create_table('movement',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('vial_id', sa.Integer(), nullable=False),
    sa.Column('amount_ug', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('witness_id', sa.Integer(), nullable=True),
    sa.Column('witness2_id', sa.Integer(), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('infusion_id', sa.Integer(), nullable=True),
    sa.Column('original_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('method', sa.String(length=200), nullable=True),
    sa.Column('detail', sa.String(length=4000), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_movement_actor_id_app_user')),
    sa.ForeignKeyConstraint(['infusion_id'], ['infusion.id'], name=op.f('fk_movement_infusion_id_infusion')),
    sa.ForeignKeyConstraint(['original_id'], ['movement.id'], name=op.f('fk_movement_original_id_movement')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_movement_patient_id_patient')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_movement_registration_id_registration')),
    sa.ForeignKeyConstraint(['vial_id'], ['vial.id'], name=op.f('fk_movement_vial_id_vial')),
    sa.ForeignKeyConstraint(['witness2_id'], ['app_user.id'], name=op.f('fk_movement_witness2_id_app_user')),
    sa.ForeignKeyConstraint(['witness_id'], ['app_user.id'], name=op.f('fk_movement_witness_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_movement')),
    sa.UniqueConstraint('hash', name=op.f('uq_movement_hash'))
    )
    with op.batch_alter_table('movement', schema=None) as batch_op:
        batch_op.create_index('ix_movement_event_at', ['event_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_movement_infusion_id'), ['infusion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_movement_original_id'), ['original_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_movement_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('ix_movement_vial_seq', ['vial_id', 'id'], unique=False)
    op.create_table('chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chain_head'))
    )
    # The tables are named here, not read from guards: this revision must keep creating
    # exactly the guards it created when it was written.
    guards.create(op.get_bind(), tables=LEDGER_TABLES)


def downgrade() -> None:
    bind = op.get_bind()
    guards.uninstall(bind, guards_of(bind.dialect.name))
    op.drop_table('chain_head')
    op.drop_table('movement')
    op.drop_table('vial_balance')
    op.drop_table('infusion')
    op.drop_table('vial')
    op.drop_table('receipt')
