"""Database-level guards that make the ledger append-only, on SQLite and PostgreSQL.

The service layer never updates or deletes history; these triggers make sure
nothing else does either (a hand-written SQL session, a buggy script).

Each revision installs its own guards, named in the revision itself, and the
functions a revision calls are never changed afterwards: an old revision must
create exactly what it created when it was written. A new guard goes in a new
function for a new revision. `required` lists every guard a database at the
newest revision holds; `drop` removes them all (the tests use it to play the
attacker). Whether a database's guards are vialbook's own is decided elsewhere,
by comparing it with a freshly migrated database (ledger/schema_guards.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Guard:
    """One trigger, or one PostgreSQL trigger function, a migrated database must hold."""

    #: The trigger's (or function's) name.
    name: str
    #: The table it guards; None for a PostgreSQL trigger function.
    table: str | None
    #: The statement that creates it, exactly as the revision runs it.
    create: str

    @property
    def drop(self) -> str:
        if self.table is None:
            # CASCADE: a trigger planted on vialbook's function must not keep it alive.
            return f"DROP FUNCTION IF EXISTS {self.name}() CASCADE"
        if "EXECUTE FUNCTION" in self.create:  # PostgreSQL names a trigger by its table
            return f"DROP TRIGGER IF EXISTS {self.name} ON {self.table}"
        return f"DROP TRIGGER IF EXISTS {self.name}"


def install(bind: sa.Connection, guards: Iterable[Guard]) -> None:
    for guard in guards:
        bind.exec_driver_sql(guard.create)


def uninstall(bind: sa.Connection, guards: Sequence[Guard]) -> None:
    """Remove guards in reverse order (a PostgreSQL function outlives its triggers)."""
    tables = set(sa.inspect(bind).get_table_names())
    for guard in reversed(guards):
        if guard.table is None or guard.table in tables:
            bind.exec_driver_sql(guard.drop)


# -- revision 0002: UPDATE/DELETE/TRUNCATE refused on history; the chain head only moves on ----
# Frozen: revision 0002 runs these. Do not edit; add a function for a new revision instead.


def ledger_guards(dialect: str, *, tables: Sequence[str]) -> list[Guard]:
    """The guards revision 0002 created, for the tables it names."""
    if dialect == "sqlite":
        return _ledger_sqlite(tables)
    return _ledger_postgresql(tables)


def create(bind: sa.Connection, *, tables: Sequence[str]) -> None:
    """Revision 0002: guard `tables` and the chain head, and write the genesis head."""
    install(bind, ledger_guards(bind.dialect.name, tables=tables))
    bind.execute(
        sa.text("INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": GENESIS_HASH}
    )


def _ledger_sqlite(tables: Sequence[str]) -> list[Guard]:
    out = []
    for table in tables:
        for op in ("UPDATE", "DELETE"):
            out.append(
                Guard(
                    f"{table}_no_{op.lower()}",
                    table,
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, 'AppendOnly: {table} rows are history and cannot be "
                    f"changed; record a reversal instead'); END",
                )
            )
    out.append(
        Guard(
            "chain_head_no_delete",
            "chain_head",
            "CREATE TRIGGER chain_head_no_delete BEFORE DELETE ON chain_head BEGIN "
            "SELECT RAISE(ABORT, 'AppendOnly: the chain head cannot be deleted'); END",
        )
    )
    out.append(
        Guard(
            "chain_head_forward_only",
            "chain_head",
            "CREATE TRIGGER chain_head_forward_only BEFORE UPDATE ON chain_head "
            "WHEN NEW.id != OLD.id OR NEW.seq <= OLD.seq "
            "OR NEW.hash IS NOT (SELECT hash FROM movement WHERE id = NEW.seq) BEGIN "
            "SELECT RAISE(ABORT, 'AppendOnly: the chain head only moves forward to a stored "
            "movement'); END",
        )
    )
    return out


_REFUSE_CHANGE = """
        CREATE FUNCTION vialbook_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'AppendOnly: %% rows are history and cannot be changed; '
                            'record a reversal instead', TG_TABLE_NAME;
        END $$
        """

_CHAIN_HEAD_FORWARD = """
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


def _ledger_postgresql(tables: Sequence[str]) -> list[Guard]:
    out = [
        Guard("vialbook_refuse_change", None, _REFUSE_CHANGE),
        Guard("vialbook_chain_head_forward", None, _CHAIN_HEAD_FORWARD),
    ]
    for table in tables:
        out.append(
            Guard(
                f"{table}_append_only",
                table,
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION vialbook_refuse_change()",
            )
        )
        out.append(
            Guard(
                f"{table}_no_truncate",
                table,
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION vialbook_refuse_change()",
            )
        )
    out.append(
        Guard(
            "chain_head_forward_only",
            "chain_head",
            "CREATE TRIGGER chain_head_forward_only BEFORE UPDATE OR DELETE ON chain_head "
            "FOR EACH ROW EXECUTE FUNCTION vialbook_chain_head_forward()",
        )
    )
    out.append(
        Guard(
            "chain_head_no_truncate",
            "chain_head",
            "CREATE TRIGGER chain_head_no_truncate BEFORE TRUNCATE ON chain_head "
            "FOR EACH STATEMENT EXECUTE FUNCTION vialbook_refuse_change()",
        )
    )
    return out


# -- revision 0003: no replacing rows; vials fixed as received; identity only by correction ----
# Frozen: revision 0003 runs these. Do not edit; add a function for a new revision instead.

_VIAL_FIXED = (
    "VialRecordFixed: a vial''s label, product, lot, expiry, receipt and content are fixed "
    "when it is received, and its opening, beyond-use date and first patient are set once"
)
_IDENTITY = (
    "IdentityNotCorrected: a patient''s name, address and date of birth change only through "
    "an audited correction (vialbook patient correct)"
)


def replace_guards(dialect: str, *, keys: dict[str, Sequence[str]]) -> list[Guard]:
    """SQLite: refuse an INSERT whose key exists, which is what `INSERT OR REPLACE` does.

    REPLACE deletes the old row without firing DELETE triggers (unless recursive
    triggers are on), so only a BEFORE INSERT trigger sees it. PostgreSQL has no
    REPLACE; its `ON CONFLICT DO UPDATE` fires the UPDATE triggers.
    """
    if dialect != "sqlite":
        return []
    out = []
    for table, columns in keys.items():
        if columns:
            match = " OR ".join(f"{c} = NEW.{c}" for c in columns)
            when = f"EXISTS (SELECT 1 FROM {table} WHERE {match})"
        else:  # a one-row table: any second row replaces the first
            when = f"EXISTS (SELECT 1 FROM {table})"
        out.append(
            Guard(
                f"{table}_no_replace",
                table,
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {when} BEGIN "
                f"SELECT RAISE(ABORT, 'AppendOnly: a {table} row with this key exists; "
                "history is never replaced'); END",
            )
        )
    return out


def append_only_guards(dialect: str, *, tables: Sequence[str]) -> list[Guard]:
    """UPDATE, DELETE and TRUNCATE refused on `tables` (the 0002 function already exists)."""
    if dialect == "sqlite":
        return [g for g in _ledger_sqlite(tables) if not g.name.startswith("chain_head")]
    return [
        g
        for g in _ledger_postgresql(tables)
        if g.table is not None and not g.name.startswith("chain_head")
    ]


def record_guards(dialect: str) -> list[Guard]:
    """A vial as received and a patient's identity: changed only as the clinic's rules allow."""
    if dialect == "sqlite":
        return _records_sqlite()
    return _records_postgresql()


_VIAL_CHANGED = (
    "NEW.id IS NOT OLD.id OR NEW.label IS NOT OLD.label OR NEW.product_id IS NOT OLD.product_id "
    "OR NEW.receipt_id IS NOT OLD.receipt_id OR NEW.lot IS NOT OLD.lot "
    "OR NEW.expires IS NOT OLD.expires OR NEW.received_ug IS NOT OLD.received_ug "
    "OR (OLD.opened_at IS NOT NULL AND NEW.opened_at IS NOT OLD.opened_at) "
    "OR (OLD.bud IS NOT NULL AND NEW.bud IS NOT OLD.bud) "
    "OR (OLD.first_patient_id IS NOT NULL AND NEW.first_patient_id IS NOT OLD.first_patient_id)"
)
_IDENTITY_CHANGED = (
    "NEW.name IS NOT OLD.name OR NEW.address IS NOT OLD.address OR NEW.dob IS NOT OLD.dob"
)
# The latest correction of this patient must describe exactly this change; replaying an
# old correction, or undoing one, matches no latest correction and is refused.
_CORRECTED = (
    "EXISTS (SELECT 1 FROM patient_correction c WHERE c.id = "
    "(SELECT max(id) FROM patient_correction WHERE patient_id = OLD.id) "
    "AND c.old_name IS OLD.name AND c.old_address IS OLD.address AND c.old_dob IS OLD.dob "
    "AND c.new_name IS NEW.name AND c.new_address IS NEW.address AND c.new_dob IS NEW.dob)"
)


def _records_sqlite() -> list[Guard]:
    return [
        Guard(
            "vial_no_delete",
            "vial",
            "CREATE TRIGGER vial_no_delete BEFORE DELETE ON vial BEGIN "
            "SELECT RAISE(ABORT, 'AppendOnly: a received vial is history and cannot be "
            "deleted'); END",
        ),
        Guard(
            "vial_as_received",
            "vial",
            f"CREATE TRIGGER vial_as_received BEFORE UPDATE ON vial WHEN {_VIAL_CHANGED} "
            f"BEGIN SELECT RAISE(ABORT, '{_VIAL_FIXED}'); END",
        ),
        Guard(
            "patient_no_delete",
            "patient",
            "CREATE TRIGGER patient_no_delete BEFORE DELETE ON patient BEGIN "
            "SELECT RAISE(ABORT, 'AppendOnly: a patient named in the records cannot be "
            "deleted'); END",
        ),
        Guard(
            "patient_identity_corrected",
            "patient",
            "CREATE TRIGGER patient_identity_corrected BEFORE UPDATE ON patient "
            f"WHEN NEW.id IS NOT OLD.id OR (({_IDENTITY_CHANGED}) AND NOT {_CORRECTED}) "
            f"BEGIN SELECT RAISE(ABORT, '{_IDENTITY}'); END",
        ),
        # UPDATE OR REPLACE onto another patient's MRN would silently delete that patient.
        Guard(
            "patient_mrn_not_replaced",
            "patient",
            "CREATE TRIGGER patient_mrn_not_replaced BEFORE UPDATE ON patient "
            "WHEN NEW.mrn IS NOT OLD.mrn AND EXISTS "
            "(SELECT 1 FROM patient WHERE mrn = NEW.mrn AND id IS NOT OLD.id) BEGIN "
            "SELECT RAISE(ABORT, 'AppendOnly: another patient has this MRN; a patient is "
            "never replaced'); END",
        ),
    ]


_VIAL_AS_RECEIVED = f"""
        CREATE FUNCTION vialbook_vial_as_received() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'AppendOnly: a received vial is history and cannot be deleted';
            END IF;
            IF NEW.id <> OLD.id OR NEW.label IS DISTINCT FROM OLD.label
               OR NEW.product_id IS DISTINCT FROM OLD.product_id
               OR NEW.receipt_id IS DISTINCT FROM OLD.receipt_id
               OR NEW.lot IS DISTINCT FROM OLD.lot OR NEW.expires IS DISTINCT FROM OLD.expires
               OR NEW.received_ug IS DISTINCT FROM OLD.received_ug
               OR (OLD.opened_at IS NOT NULL AND NEW.opened_at IS DISTINCT FROM OLD.opened_at)
               OR (OLD.bud IS NOT NULL AND NEW.bud IS DISTINCT FROM OLD.bud)
               OR (OLD.first_patient_id IS NOT NULL
                   AND NEW.first_patient_id IS DISTINCT FROM OLD.first_patient_id) THEN
                RAISE EXCEPTION '{_VIAL_FIXED}';
            END IF;
            RETURN NEW;
        END $$
        """

_PATIENT_IDENTITY = f"""
        CREATE FUNCTION vialbook_patient_identity() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'AppendOnly: a patient named in the records cannot be deleted';
            END IF;
            IF NEW.id <> OLD.id OR (
                (NEW.name, NEW.address, NEW.dob) IS DISTINCT FROM (OLD.name, OLD.address, OLD.dob)
                AND NOT EXISTS (
                    SELECT 1 FROM patient_correction c
                    WHERE c.id = (SELECT max(id) FROM patient_correction
                                  WHERE patient_id = OLD.id)
                      AND (c.old_name, c.old_address, c.old_dob,
                           c.new_name, c.new_address, c.new_dob)
                          IS NOT DISTINCT FROM (OLD.name, OLD.address, OLD.dob,
                                                NEW.name, NEW.address, NEW.dob))) THEN
                RAISE EXCEPTION '{_IDENTITY}';
            END IF;
            RETURN NEW;
        END $$
        """


def _records_postgresql() -> list[Guard]:
    out = [
        Guard("vialbook_vial_as_received", None, _VIAL_AS_RECEIVED),
        Guard("vialbook_patient_identity", None, _PATIENT_IDENTITY),
    ]
    for table, fn in (("vial", "vial_as_received"), ("patient", "patient_identity")):
        out.append(
            Guard(
                f"{table}_guarded",
                table,
                f"CREATE TRIGGER {table}_guarded BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION vialbook_{fn}()",
            )
        )
        out.append(
            Guard(
                f"{table}_no_truncate",
                table,
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION vialbook_refuse_change()",
            )
        )
    return out


# -- every revision together -------------------------------------------------------------------

#: The revisions that install guards, oldest first. Each has `guards_of(dialect)`: the
#: guards it installs, from the tables it names itself.
REVISIONS_WITH_GUARDS = (
    "0002_ledger",
    "0003_guards",
    "0005_settings_history",
    "0006_counts",
    "0007_billing",
    "0008_reviews",
    "0009_protocols_idle_lock",
)


def required(dialect: str) -> list[Guard]:
    """Every guard a database at the newest revision holds, in the order they were made."""
    out: list[Guard] = []
    for name in REVISIONS_WITH_GUARDS:
        out.extend(importlib.import_module(f"migrations.versions.{name}").guards_of(dialect))
    return out


#: Every table whose rows are history: no UPDATE, no DELETE, no TRUNCATE (tests and docs).
APPEND_ONLY = (
    "movement",
    "infusion",
    "receipt",
    "audit_event",
    "patient_correction",
    "settings_version",
    "count_line",
    "count_result",
    "count_approval",
    "discrepancy_note",
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
    "late_review",
)


def drop(bind: sa.Connection) -> None:
    """Remove every guard (what an attacker who owns the database can do)."""
    uninstall(bind, required(bind.dialect.name))
