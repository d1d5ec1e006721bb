"""Billing: the price list, packages and their credits, invoices, credit notes, payments,
refunds, patient credit, pending charges, the money chain, diagnoses and good faith estimates;
users gain an NPI and the settings a medical director, a refund admin fee and the item an
infusion is billed as.

Issued documents and money rows are append-only. Invoices and their lines stay editable while
a draft; from issue on, the database refuses any change to the lines and totals, and the only
change an issued invoice may see is becoming void once its `invoice_void` row exists.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations import guards

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Rows of these tables are history: UPDATE and DELETE are refused.
APPEND_ONLY = (
    "price_item",
    "package",
    "invoice_void",
    "credit_note",
    "payment",
    "payment_refund",
    "package_refund",
    "patient_credit",
    "package_credit",
    "credit_movement",
    "pending_charge",
    "money_entry",
    "patient_diagnosis",
    "good_faith_estimate",
    "estimate_line",
)
#: On SQLite, an INSERT reusing any of these keys is refused (it is how REPLACE deletes).
REPLACE_KEYS: dict[str, Sequence[str]] = {
    **{t: ("id",) for t in APPEND_ONLY if t != "money_entry"},
    "money_entry": ("id", "hash"),
    "invoice_void": ("id", "invoice_id"),
    "credit_note": ("id", "number"),
    "pending_charge": ("id", "infusion_id"),
    "credit_movement": ("id", "closes_credit_id"),
    "invoice": ("id", "number"),
    "invoice_line": ("id",),
    "money_head": (),
}
#: Tables created here, children first (the order they are dropped in).
NEW_TABLES = (
    "payment_refund", "credit_movement", "package_refund", "package_credit", "invoice_line",
    "pending_charge", "patient_credit", "payment", "invoice_void", "estimate_line",
    "credit_note", "price_item", "patient_diagnosis", "package", "money_entry", "invoice",
    "good_faith_estimate", "money_head", "document_counter",
)  # fmt: skip
#: Tables whose id is not a serial (no sequence to grant).
NO_SEQUENCE = ("money_entry", "money_head")
#: Mutable tables and what the workstation role may do to them beyond SELECT and INSERT.
MUTABLE = {
    "invoice": "UPDATE, DELETE",
    "invoice_line": "UPDATE, DELETE",
    "document_counter": "UPDATE",
    "money_head": "UPDATE",
}
ROLE = "vialbook_workstation"

_INVOICE_FIXED = (
    "IssuedDocumentFixed: an issued invoice never changes; void it or issue a credit note"
)
_LINES_FIXED = (
    "IssuedDocumentFixed: the lines of an issued invoice never change; void it or issue a "
    "credit note"
)
_COUNTER = "DocumentNumbers: a document counter only moves on by one; numbers are never reused"
_MONEY_HEAD = "AppendOnly: the money chain head only moves forward to a stored entry"
#: Every column of `invoice` but its status: fixed once issued (even when it becomes void).
_INVOICE_COLUMNS = (
    "id", "patient_id", "created_at", "created_by_id", "number", "issued_at", "issued_by_id",
    "issued_on", "total_cents",
)  # fmt: skip
_LINES_TOTAL = "(SELECT coalesce(sum(line_cents), 0) FROM invoice_line WHERE invoice_id = NEW.id)"


def _sqlite_guards() -> list[guards.Guard]:
    same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _INVOICE_COLUMNS)
    voiding = (
        f"OLD.status = 'issued' AND NEW.status = 'void' AND {same} "
        "AND EXISTS (SELECT 1 FROM invoice_void WHERE invoice_id = OLD.id)"
    )
    issuing = (
        "NEW.status = 'issued' AND NEW.number IS NOT NULL AND NEW.issued_at IS NOT NULL "
        f"AND NEW.issued_on IS NOT NULL AND NEW.total_cents IS {_LINES_TOTAL}"
    )
    not_draft = "(SELECT status FROM invoice WHERE id = {}.invoice_id) IS NOT 'draft'"

    def trig(name: str, table: str, when: str, event: str, message: str) -> guards.Guard:
        return guards.Guard(
            name,
            table,
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} WHEN {when} BEGIN "
            f"SELECT RAISE(ABORT, '{message}'); END",
        )

    return [
        trig("invoice_issued_fixed", "invoice",
             f"OLD.status != 'draft' AND NOT ({voiding})", "UPDATE", _INVOICE_FIXED),
        trig("invoice_issued_whole", "invoice",
             f"OLD.status = 'draft' AND NEW.status != 'draft' AND NOT ({issuing})", "UPDATE",
             "IssuedDocumentFixed: an invoice is issued with its number, date and the total "
             "of its lines"),
        trig("invoice_issued_no_delete", "invoice", "OLD.status != 'draft'", "DELETE",
             _INVOICE_FIXED),
        trig("invoice_line_no_insert", "invoice_line", not_draft.format("NEW"), "INSERT",
             _LINES_FIXED),
        trig("invoice_line_no_update", "invoice_line",
             f"{not_draft.format('OLD')} OR {not_draft.format('NEW')}", "UPDATE", _LINES_FIXED),
        trig("invoice_line_no_delete", "invoice_line", not_draft.format("OLD"), "DELETE",
             _LINES_FIXED),
        trig("document_counter_forward", "document_counter",
             "NEW.id IS NOT OLD.id OR NEW.series IS NOT OLD.series OR NEW.year IS NOT OLD.year "
             "OR NEW.last_number IS NOT OLD.last_number + 1", "UPDATE", _COUNTER),
        trig("document_counter_no_delete", "document_counter", "1", "DELETE", _COUNTER),
        trig("document_counter_no_replace", "document_counter",
             "EXISTS (SELECT 1 FROM document_counter WHERE series = NEW.series "
             "AND year = NEW.year)", "INSERT", _COUNTER),
        trig("money_head_no_delete", "money_head", "1", "DELETE", _MONEY_HEAD),
        trig("money_head_forward_only", "money_head",
             "NEW.id != OLD.id OR NEW.seq <= OLD.seq "
             "OR NEW.hash IS NOT (SELECT hash FROM money_entry WHERE id = NEW.seq)", "UPDATE",
             _MONEY_HEAD),
    ]  # fmt: skip


_PG_INVOICE = f"""
        CREATE FUNCTION vialbook_invoice_issued() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF OLD.status <> 'draft' THEN
                    RAISE EXCEPTION '{_INVOICE_FIXED}';
                END IF;
                RETURN OLD;
            END IF;
            IF OLD.status <> 'draft' THEN
                IF NOT (OLD.status = 'issued' AND NEW.status = 'void'
                        AND ({", ".join(f"NEW.{c}" for c in _INVOICE_COLUMNS)})
                            IS NOT DISTINCT FROM
                            ({", ".join(f"OLD.{c}" for c in _INVOICE_COLUMNS)})
                        AND EXISTS (SELECT 1 FROM invoice_void WHERE invoice_id = OLD.id)) THEN
                    RAISE EXCEPTION '{_INVOICE_FIXED}';
                END IF;
            ELSIF NEW.status <> 'draft' THEN
                IF NOT (NEW.status = 'issued' AND NEW.number IS NOT NULL
                        AND NEW.issued_at IS NOT NULL AND NEW.issued_on IS NOT NULL
                        AND NEW.total_cents IS NOT DISTINCT FROM {_LINES_TOTAL}) THEN
                    RAISE EXCEPTION 'IssuedDocumentFixed: an invoice is issued with its number, '
                                    'date and the total of its lines';
                END IF;
            END IF;
            RETURN NEW;
        END $$
        """

_PG_INVOICE_LINE = f"""
        CREATE FUNCTION vialbook_invoice_line_draft() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') AND (SELECT status FROM invoice
                                                  WHERE id = OLD.invoice_id) <> 'draft' THEN
                RAISE EXCEPTION '{_LINES_FIXED}';
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') AND (SELECT status FROM invoice
                                                  WHERE id = NEW.invoice_id) <> 'draft' THEN
                RAISE EXCEPTION '{_LINES_FIXED}';
            END IF;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END $$
        """

_PG_COUNTER = f"""
        CREATE FUNCTION vialbook_document_counter_forward() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR NEW.id <> OLD.id OR NEW.series IS DISTINCT FROM OLD.series
               OR NEW.year IS DISTINCT FROM OLD.year
               OR NEW.last_number IS DISTINCT FROM OLD.last_number + 1 THEN
                RAISE EXCEPTION '{_COUNTER}';
            END IF;
            RETURN NEW;
        END $$
        """

_PG_MONEY_HEAD = f"""
        CREATE FUNCTION vialbook_money_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR NEW.id <> OLD.id OR NEW.seq <= OLD.seq
               OR NEW.hash IS DISTINCT FROM (SELECT hash FROM money_entry WHERE id = NEW.seq) THEN
                RAISE EXCEPTION '{_MONEY_HEAD}';
            END IF;
            RETURN NEW;
        END $$
        """


def _postgresql_guards() -> list[guards.Guard]:
    out = [
        guards.Guard("vialbook_invoice_issued", None, _PG_INVOICE),
        guards.Guard("vialbook_invoice_line_draft", None, _PG_INVOICE_LINE),
        guards.Guard("vialbook_document_counter_forward", None, _PG_COUNTER),
        guards.Guard("vialbook_money_head_forward", None, _PG_MONEY_HEAD),
    ]
    for table, events, fn in (
        ("invoice", "UPDATE OR DELETE", "invoice_issued"),
        ("invoice_line", "INSERT OR UPDATE OR DELETE", "invoice_line_draft"),
        ("document_counter", "UPDATE OR DELETE", "document_counter_forward"),
        ("money_head", "UPDATE OR DELETE", "money_head_forward"),
    ):
        out.append(
            guards.Guard(
                f"{table}_guarded",
                table,
                f"CREATE TRIGGER {table}_guarded BEFORE {events} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION vialbook_{fn}()",
            )
        )
        out.append(
            guards.Guard(
                f"{table}_no_truncate",
                table,
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION vialbook_refuse_change()",
            )
        )
    return out


def guards_of(dialect: str) -> list[guards.Guard]:
    return [
        *guards.append_only_guards(dialect, tables=APPEND_ONLY),
        *guards.replace_guards(dialect, keys=REPLACE_KEYS),
        *(_sqlite_guards() if dialect == "sqlite" else _postgresql_guards()),
    ]


def _add_user_column(bind: sa.Connection, table: str, column: str) -> None:
    """A nullable column referring to a user. ADD COLUMN, not a batch rebuild: rebuilding
    would drop the table's guards. SQLite takes the named reference inline."""
    fk = f"fk_{table}_{column}_app_user"
    if bind.dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {fk} "
            "REFERENCES app_user (id)"
        )
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(fk, table, "app_user", [column], ["id"])


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column('app_user', sa.Column('npi', sa.String(length=10), nullable=True))
    _add_user_column(bind, 'clinic_settings', 'medical_director_id')
    op.add_column('clinic_settings', sa.Column('refund_admin_fee_cents', sa.Integer(), server_default='0', nullable=False))
    op.add_column('clinic_settings', sa.Column('infusion_item_code', sa.String(length=32), server_default='MOOD', nullable=False))
# ### commands auto generated by Alembic - please adjust! ###
    op.create_table('document_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=8), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_counter')),
    sa.UniqueConstraint('series', 'year', name=op.f('uq_document_counter_series'))
    )
    op.create_table('money_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_head'))
    )
    op.create_table('good_faith_estimate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_for', sa.Date(), nullable=True),
    sa.Column('requested', sa.Boolean(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('diagnoses', sa.String(length=200), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_good_faith_estimate_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_good_faith_estimate_patient_id_patient')),
    sa.ForeignKeyConstraint(['provider_id'], ['app_user.id'], name=op.f('fk_good_faith_estimate_provider_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_good_faith_estimate'))
    )
    op.create_index(op.f('ix_good_faith_estimate_patient_id'), 'good_faith_estimate', ['patient_id'], unique=False)
    op.create_table('invoice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('total_cents', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_invoice_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['app_user.id'], name=op.f('fk_invoice_issued_by_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_invoice_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice')),
    sa.UniqueConstraint('number', name=op.f('uq_invoice_number'))
    )
    op.create_index(op.f('ix_invoice_patient_id'), 'invoice', ['patient_id'], unique=False)
    op.create_table('money_entry',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('document', sa.String(length=40), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('original_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('detail', sa.String(length=4000), nullable=True),
    sa.Column('source_table', sa.String(length=32), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_money_entry_actor_id_app_user')),
    sa.ForeignKeyConstraint(['original_id'], ['money_entry.id'], name=op.f('fk_money_entry_original_id_money_entry')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_money_entry_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_entry')),
    sa.UniqueConstraint('hash', name=op.f('uq_money_entry_hash'))
    )
    op.create_index(op.f('ix_money_entry_patient_id'), 'money_entry', ['patient_id'], unique=False)
    op.create_table('package',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('valid_days', sa.Integer(), nullable=False),
    sa.Column('covers', sa.String(length=500), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_package_created_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package'))
    )
    op.create_index('ix_package_code_from', 'package', ['code', 'effective_from'], unique=False)
    op.create_table('patient_diagnosis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('icd10', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_patient_diagnosis_patient_id_patient')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id'], name=op.f('fk_patient_diagnosis_recorded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_diagnosis'))
    )
    op.create_index(op.f('ix_patient_diagnosis_patient_id'), 'patient_diagnosis', ['patient_id'], unique=False)
    op.create_table('price_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('cpt', sa.String(length=16), nullable=True),
    sa.Column('hcpcs', sa.String(length=16), nullable=True),
    sa.Column('other_code', sa.String(length=32), nullable=True),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_price_item_created_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_item'))
    )
    op.create_index('ix_price_item_code_from', 'price_item', ['code', 'effective_from'], unique=False)
    op.create_table('credit_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_credit_note_invoice_id_invoice')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['app_user.id'], name=op.f('fk_credit_note_issued_by_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_credit_note_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_note')),
    sa.UniqueConstraint('number', name=op.f('uq_credit_note_number'))
    )
    op.create_index(op.f('ix_credit_note_invoice_id'), 'credit_note', ['invoice_id'], unique=False)
    op.create_index(op.f('ix_credit_note_patient_id'), 'credit_note', ['patient_id'], unique=False)
    op.create_table('estimate_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('estimate_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=32), nullable=True),
    sa.Column('package_code', sa.String(length=32), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('cpt', sa.String(length=16), nullable=True),
    sa.Column('hcpcs', sa.String(length=16), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_cents', sa.Integer(), nullable=False),
    sa.Column('line_cents', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['estimate_id'], ['good_faith_estimate.id'], name=op.f('fk_estimate_line_estimate_id_good_faith_estimate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_estimate_line'))
    )
    op.create_index(op.f('ix_estimate_line_estimate_id'), 'estimate_line', ['estimate_id'], unique=False)
    op.create_table('invoice_void',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('voided_on', sa.Date(), nullable=False),
    sa.Column('voided_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_invoice_void_invoice_id_invoice')),
    sa.ForeignKeyConstraint(['voided_by_id'], ['app_user.id'], name=op.f('fk_invoice_void_voided_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_void')),
    sa.UniqueConstraint('invoice_id', name=op.f('uq_invoice_void_invoice_id'))
    )
    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('applied_cents', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_payment_invoice_id_invoice')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_payment_patient_id_patient')),
    sa.ForeignKeyConstraint(['received_by_id'], ['app_user.id'], name=op.f('fk_payment_received_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment'))
    )
    op.create_index(op.f('ix_payment_invoice_id'), 'payment', ['invoice_id'], unique=False)
    op.create_index(op.f('ix_payment_patient_id'), 'payment', ['patient_id'], unique=False)
    op.create_table('patient_credit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_patient_credit_actor_id_app_user')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_patient_credit_patient_id_patient')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_patient_credit_payment_id_payment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_credit'))
    )
    op.create_index(op.f('ix_patient_credit_patient_id'), 'patient_credit', ['patient_id'], unique=False)
    op.create_table('pending_charge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('infusion_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('price_item_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('unit_cents', sa.Integer(), nullable=False),
    sa.Column('service_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['infusion_id'], ['infusion.id'], name=op.f('fk_pending_charge_infusion_id_infusion')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_pending_charge_patient_id_patient')),
    sa.ForeignKeyConstraint(['price_item_id'], ['price_item.id'], name=op.f('fk_pending_charge_price_item_id_price_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_charge')),
    sa.UniqueConstraint('infusion_id', name=op.f('uq_pending_charge_infusion_id'))
    )
    op.create_index(op.f('ix_pending_charge_patient_id'), 'pending_charge', ['patient_id'], unique=False)
    op.create_table('invoice_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=True),
    sa.Column('price_item_id', sa.Integer(), nullable=True),
    sa.Column('package_id', sa.Integer(), nullable=True),
    sa.Column('infusion_id', sa.Integer(), nullable=True),
    sa.Column('pending_charge_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('cpt', sa.String(length=16), nullable=True),
    sa.Column('hcpcs', sa.String(length=16), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_cents', sa.Integer(), nullable=False),
    sa.Column('discount_bp', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('line_cents', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['app_user.id'], name=op.f('fk_invoice_line_added_by_id_app_user')),
    sa.ForeignKeyConstraint(['infusion_id'], ['infusion.id'], name=op.f('fk_invoice_line_infusion_id_infusion')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_invoice_line_invoice_id_invoice')),
    sa.ForeignKeyConstraint(['package_id'], ['package.id'], name=op.f('fk_invoice_line_package_id_package')),
    sa.ForeignKeyConstraint(['pending_charge_id'], ['pending_charge.id'], name=op.f('fk_invoice_line_pending_charge_id_pending_charge')),
    sa.ForeignKeyConstraint(['price_item_id'], ['price_item.id'], name=op.f('fk_invoice_line_price_item_id_price_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_line'))
    )
    op.create_index(op.f('ix_invoice_line_infusion_id'), 'invoice_line', ['infusion_id'], unique=False)
    op.create_index(op.f('ix_invoice_line_invoice_id'), 'invoice_line', ['invoice_id'], unique=False)
    op.create_table('package_credit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('invoice_line_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('allocated_cents', sa.Integer(), nullable=False),
    sa.Column('sold_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_package_credit_invoice_id_invoice')),
    sa.ForeignKeyConstraint(['invoice_line_id'], ['invoice_line.id'], name=op.f('fk_package_credit_invoice_line_id_invoice_line')),
    sa.ForeignKeyConstraint(['package_id'], ['package.id'], name=op.f('fk_package_credit_package_id_package')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_package_credit_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_credit'))
    )
    op.create_index(op.f('ix_package_credit_invoice_id'), 'package_credit', ['invoice_id'], unique=False)
    op.create_index(op.f('ix_package_credit_patient_id'), 'package_credit', ['patient_id'], unique=False)
    op.create_table('package_refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('invoice_line_id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('paid_cents', sa.Integer(), nullable=False),
    sa.Column('sessions_used', sa.Integer(), nullable=False),
    sa.Column('single_price_cents', sa.Integer(), nullable=False),
    sa.Column('admin_fee_cents', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('credit_note_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refunded_on', sa.Date(), nullable=False),
    sa.Column('refunded_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['credit_note_id'], ['credit_note.id'], name=op.f('fk_package_refund_credit_note_id_credit_note')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_package_refund_invoice_id_invoice')),
    sa.ForeignKeyConstraint(['invoice_line_id'], ['invoice_line.id'], name=op.f('fk_package_refund_invoice_line_id_invoice_line')),
    sa.ForeignKeyConstraint(['package_id'], ['package.id'], name=op.f('fk_package_refund_package_id_package')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_package_refund_patient_id_patient')),
    sa.ForeignKeyConstraint(['refunded_by_id'], ['app_user.id'], name=op.f('fk_package_refund_refunded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_refund')),
    sa.UniqueConstraint('invoice_line_id', name=op.f('uq_package_refund_invoice_line_id'))
    )
    op.create_index(op.f('ix_package_refund_patient_id'), 'package_refund', ['patient_id'], unique=False)
    op.create_table('credit_movement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('closes_credit_id', sa.Integer(), nullable=True),
    sa.Column('infusion_id', sa.Integer(), nullable=True),
    sa.Column('service_code', sa.String(length=32), nullable=True),
    sa.Column('package_refund_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('moved_on', sa.Date(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_credit_movement_actor_id_app_user')),
    sa.ForeignKeyConstraint(['closes_credit_id'], ['package_credit.id'], name=op.f('fk_credit_movement_closes_credit_id_package_credit')),
    sa.ForeignKeyConstraint(['credit_id'], ['package_credit.id'], name=op.f('fk_credit_movement_credit_id_package_credit')),
    sa.ForeignKeyConstraint(['infusion_id'], ['infusion.id'], name=op.f('fk_credit_movement_infusion_id_infusion')),
    sa.ForeignKeyConstraint(['package_refund_id'], ['package_refund.id'], name=op.f('fk_credit_movement_package_refund_id_package_refund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_movement')),
    sa.UniqueConstraint('closes_credit_id', name=op.f('uq_credit_movement_closes_credit_id'))
    )
    op.create_index(op.f('ix_credit_movement_credit_id'), 'credit_movement', ['credit_id'], unique=False)
    op.create_index(op.f('ix_credit_movement_infusion_id'), 'credit_movement', ['infusion_id'], unique=False)
    op.create_table('payment_refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('package_refund_id', sa.Integer(), nullable=True),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refunded_on', sa.Date(), nullable=False),
    sa.Column('refunded_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['package_refund_id'], ['package_refund.id'], name=op.f('fk_payment_refund_package_refund_id_package_refund')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_payment_refund_patient_id_patient')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_payment_refund_payment_id_payment')),
    sa.ForeignKeyConstraint(['refunded_by_id'], ['app_user.id'], name=op.f('fk_payment_refund_refunded_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_refund'))
    )
    op.create_index(op.f('ix_payment_refund_patient_id'), 'payment_refund', ['patient_id'], unique=False)
    op.create_index(op.f('ix_payment_refund_payment_id'), 'payment_refund', ['payment_id'], unique=False)

    bind.execute(
        sa.text("INSERT INTO money_head (id, seq, hash) VALUES (1, 0, :h)"),
        {"h": guards.GENESIS_HASH},
    )
    guards.install(bind, guards_of(bind.dialect.name))
    if bind.dialect.name == "postgresql":
        grants = " ".join(
            f"GRANT SELECT, INSERT{', ' + MUTABLE[t] if t in MUTABLE else ''} ON {t} TO {ROLE}; "
            + ("" if t in NO_SEQUENCE else f"GRANT USAGE, SELECT ON SEQUENCE {t}_id_seq TO {ROLE};")
            for t in NEW_TABLES
        )
        op.execute(
            f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN "
            f"{grants} END IF; END $$"
        )


def downgrade() -> None:
    bind = op.get_bind()
    guards.uninstall(bind, guards_of(bind.dialect.name))
    for table in NEW_TABLES:
        op.drop_table(table)
    # SQLite 3.35+ drops a column in place; a batch rebuild would drop the guards.
    op.drop_column('clinic_settings', 'infusion_item_code')
    op.drop_column('clinic_settings', 'refund_admin_fee_cents')
    if bind.dialect.name != "sqlite":
        op.drop_constraint('fk_clinic_settings_medical_director_id_app_user', 'clinic_settings', type_='foreignkey')
    op.drop_column('clinic_settings', 'medical_director_id')
    op.drop_column('app_user', 'npi')
