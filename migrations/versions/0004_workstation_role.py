"""A workstation role on PostgreSQL: it may read and append through vialbook's tables, and
cannot drop or disable the guards, rewrite history or delete anything.

Workstations connect as a login role that is a member of `vialbook_workstation`; only the
owner of the schema (the role that runs `vialbook init` and the migrations) can drop a
trigger. SQLite has no roles: there, file ownership is the guard (see the README).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE = "vialbook_workstation"
#: History: a workstation appends rows and never changes them.
APPEND_ONLY = ("movement", "infusion", "receipt", "audit_event", "patient_correction")
#: Records whose current state the services keep (balances, vial state, lock-out counters,
#: settings, set-up records); the triggers of 0002 and 0003 still guard what may change.
KEPT_CURRENT = (
    "vial",
    "vial_balance",
    "chain_head",
    "app_user",
    "clinic_settings",
    "patient",
    "registration",
    "supplier",
    "product",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    grants = [
        "GRANT CONNECT ON DATABASE ' || quote_ident(current_database()) || ' TO {role}",
        "GRANT USAGE ON SCHEMA public TO {role}",
        "GRANT SELECT ON alembic_version TO {role}",
        *(f"GRANT SELECT, INSERT ON {t} TO {{role}}" for t in APPEND_ONLY),
        *(f"GRANT SELECT, INSERT, UPDATE ON {t} TO {{role}}" for t in KEPT_CURRENT),
        "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    statements = "\n".join(f"EXECUTE '{g.format(role=ROLE)}';" for g in grants)
    # Roles belong to the whole server: another database may have made it already (even
    # at this moment), and an owner without CREATEROLE still gets a working ledger.
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
                BEGIN
                    CREATE ROLE {ROLE} NOLOGIN;
                EXCEPTION
                    WHEN duplicate_object OR unique_violation THEN NULL;
                    WHEN insufficient_privilege THEN
                        RAISE NOTICE 'vialbook: no CREATEROLE; create role {ROLE} by hand';
                END;
            END IF;
            IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
                {statements}
            END IF;
        END $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The role is shared by every vialbook database on the server: only this one's grants go.
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {ROLE}")
    op.execute(
        f"DO $$ BEGIN EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM {ROLE}', "
        "current_database()); END $$"
    )
