"""Database-level guards that make the ledger append-only, on SQLite and PostgreSQL.

The service layer never updates or deletes movements; these triggers make sure
nothing else does either (a hand-written SQL session, a buggy script).
"""

from __future__ import annotations

import sqlalchemy as sa

#: Tables whose rows, once written, are history.
APPEND_ONLY = ("movement", "infusion", "receipt", "audit_event")
GENESIS_HASH = "0" * 64


def create(bind: sa.Connection) -> None:
    if bind.dialect.name == "sqlite":
        _create_sqlite(bind)
    else:
        _create_postgresql(bind)
    bind.execute(
        sa.text("INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": GENESIS_HASH}
    )


def drop(bind: sa.Connection) -> None:
    if bind.dialect.name == "sqlite":
        for table in APPEND_ONLY:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_update")
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS chain_head_no_delete")
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS chain_head_forward_only")
    else:
        for table in APPEND_ONLY:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS chain_head_forward_only ON chain_head")
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS chain_head_no_truncate ON chain_head")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS vialbook_refuse_change()")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS vialbook_chain_head_forward()")


def _create_sqlite(bind: sa.Connection) -> None:
    for table in APPEND_ONLY:
        for op in ("UPDATE", "DELETE"):
            bind.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, 'AppendOnly: {table} rows are history and cannot be "
                f"changed; record a reversal instead'); END"
            )
    bind.exec_driver_sql(
        "CREATE TRIGGER chain_head_no_delete BEFORE DELETE ON chain_head BEGIN "
        "SELECT RAISE(ABORT, 'AppendOnly: the chain head cannot be deleted'); END"
    )
    bind.exec_driver_sql(
        "CREATE TRIGGER chain_head_forward_only BEFORE UPDATE ON chain_head "
        "WHEN NEW.id != OLD.id OR NEW.seq <= OLD.seq "
        "OR NEW.hash IS NOT (SELECT hash FROM movement WHERE id = NEW.seq) BEGIN "
        "SELECT RAISE(ABORT, 'AppendOnly: the chain head only moves forward to a stored "
        "movement'); END"
    )


def _create_postgresql(bind: sa.Connection) -> None:
    bind.exec_driver_sql(
        """
        CREATE FUNCTION vialbook_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'AppendOnly: %% rows are history and cannot be changed; '
                            'record a reversal instead', TG_TABLE_NAME;
        END $$
        """
    )
    bind.exec_driver_sql(
        """
        CREATE FUNCTION vialbook_chain_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'AppendOnly: the chain head cannot be deleted';
            END IF;
            IF NEW.id <> OLD.id OR NEW.seq <= OLD.seq OR NEW.hash IS DISTINCT FROM
               (SELECT hash FROM movement WHERE id = NEW.seq) THEN
                RAISE EXCEPTION 'AppendOnly: the chain head only moves forward to a stored '
                                'movement';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    for table in APPEND_ONLY:
        bind.exec_driver_sql(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION vialbook_refuse_change()"
        )
        bind.exec_driver_sql(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION vialbook_refuse_change()"
        )
    bind.exec_driver_sql(
        "CREATE TRIGGER chain_head_forward_only BEFORE UPDATE OR DELETE ON chain_head "
        "FOR EACH ROW EXECUTE FUNCTION vialbook_chain_head_forward()"
    )
    bind.exec_driver_sql(
        "CREATE TRIGGER chain_head_no_truncate BEFORE TRUNCATE ON chain_head "
        "FOR EACH STATEMENT EXECUTE FUNCTION vialbook_refuse_change()"
    )
