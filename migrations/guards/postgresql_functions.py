"""The PostgreSQL guards that keep history append-only: plpgsql trigger functions that raise,
and the row and TRUNCATE triggers that run them.

Frozen: revisions 0002 and 0003 (and later ones, for the tables they name) run these; an old
revision must create exactly what it created when it was written. Do not edit; add a function
for a new revision instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from migrations.guards.guard import Guard
from migrations.guards.messages import IDENTITY_NOT_CORRECTED, VIAL_FIXED

# -- revision 0002: UPDATE/DELETE/TRUNCATE refused on history; the chain head only moves on ----

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


def ledger_triggers(tables: Sequence[str]) -> list[Guard]:
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


# -- revision 0003: a vial fixed as received; a patient's identity only by correction ---------

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
                RAISE EXCEPTION '{VIAL_FIXED}';
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
                RAISE EXCEPTION '{IDENTITY_NOT_CORRECTED}';
            END IF;
            RETURN NEW;
        END $$
        """


def record_triggers() -> list[Guard]:
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
