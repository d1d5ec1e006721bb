"""The SQLite triggers that keep history append-only: RAISE(ABORT) before a change.

Frozen: revisions 0002 and 0003 (and later ones, for the tables they name) run these; an old
revision must create exactly what it created when it was written. Do not edit; add a function
for a new revision instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from migrations.guards.guard import Guard
from migrations.guards.messages import IDENTITY_NOT_CORRECTED, VIAL_FIXED

# -- revision 0002: UPDATE/DELETE refused on history; the chain head only moves on ------------


def ledger_triggers(tables: Sequence[str]) -> list[Guard]:
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


# -- revision 0003: no replacing rows; vials fixed as received; identity only by correction ----


def replace_triggers(keys: dict[str, Sequence[str]]) -> list[Guard]:
    """Refuse an INSERT whose key exists, which is what `INSERT OR REPLACE` does.

    REPLACE deletes the old row without firing DELETE triggers (unless recursive
    triggers are on), so only a BEFORE INSERT trigger sees it.
    """
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


def record_triggers() -> list[Guard]:
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
            f"BEGIN SELECT RAISE(ABORT, '{VIAL_FIXED}'); END",
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
            f"BEGIN SELECT RAISE(ABORT, '{IDENTITY_NOT_CORRECTED}'); END",
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
