"""Side doors past the append-only guards (issue 9, items 4, 5 and 8).

REPLACE re-inserts history without firing a DELETE trigger; unhashed records (receipts,
vials, infusions, patients) were open to plain UPDATEs; and `check` crashed on values it
could not read. Now the database refuses the side doors, and when an attacker removes
the guards first, `check` names every bad record at its movement and never crashes.

The history used: movements 1-8 receive vials K-000001..K-000008 on receipt 1 (and
receipt 2 for the others), then three infusions from K-000001 write movements 9-10,
11-12 and 13-14 (administer, then waste).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from ledger.check import run_check
from ledger.database import Database
from tests.reliability.cli import vialbook
from tests.reliability.tampering import drop_guards, execute, sqlite_shell, three_infusions
from tests.support import Clinic, audit_rows, dump


@pytest.fixture
def history(clinic: Clinic) -> Clinic:
    return three_infusions(clinic)


@pytest.fixture
def sqlite_history(sqlite_clinic: Clinic) -> Clinic:
    return three_infusions(sqlite_clinic)


BASIC_TIME = "strftime('%Y%m%dT%H%M%S', event_at)"  # the same instant, another text form


def _replace_movements(db: Database) -> None:
    """Issue 9 item 4: re-insert the first infusion's movements with a basic-format time."""
    cols = (
        "id, event_at, entered_at, kind, registration_id, vial_id, amount_ug, actor_id, "
        "witness_id, witness2_id, patient_id, infusion_id, original_id, late, reason, "
        "method, detail, prev_hash, hash"
    )
    rest = cols.split(", ", 2)[2]
    sqlite_shell(
        db,
        f"INSERT OR REPLACE INTO movement ({cols}) "
        f"SELECT id, {BASIC_TIME}, {rest} FROM movement WHERE id IN (9, 10)",
    )


SQLITE_SIDE_DOORS = [
    _replace_movements,
    lambda db: sqlite_shell(
        db,
        "INSERT OR REPLACE INTO receipt SELECT id, registration_id, supplier_id, product_id, "
        "'FORGED-INVOICE', received_at, entered_at, 'FORGED-LOT', expires, containers, "
        "received_by_id FROM receipt WHERE id = 1",
    ),
    lambda db: sqlite_shell(
        db,
        "INSERT OR REPLACE INTO infusion SELECT id, 2, vial_id, registration_id, drawn_ug, "
        "given_ug, wasted_ug, weight_g, protocol, dose_ug_per_kg, ordered_ug, started_at, "
        "ended_at, event_at, entered_at, actor_id, witness_id, late, reason, over_order, "
        "over_order_reason, rendering_provider_id FROM infusion WHERE id = 1",
    ),
    lambda db: sqlite_shell(
        db,
        "INSERT OR REPLACE INTO audit_event (id, at, username, action, outcome, rule, detail) "
        "SELECT id, at, username, action, 'ok', NULL, 'nothing to see' FROM audit_event",
    ),
    lambda db: sqlite_shell(
        db,
        "INSERT OR REPLACE INTO chain_head (id, seq, hash) "
        "SELECT 1, 12, hash FROM movement WHERE id = 12",
    ),
    lambda db: sqlite_shell(
        db, "INSERT OR REPLACE INTO vial SELECT * FROM vial WHERE label = 'K-000001'"
    ),
    lambda db: sqlite_shell(
        db,
        "INSERT OR REPLACE INTO patient (id, name, address, dob, mrn) "
        "VALUES (1, 'Someone Else', 'Nowhere', '1999-09-09', 'MRN1')",
    ),
    lambda db: sqlite_shell(db, "UPDATE OR REPLACE patient SET mrn = 'MRN1' WHERE mrn = 'MRN2'"),
]


@pytest.mark.parametrize("side_door", range(len(SQLITE_SIDE_DOORS)))
def test_sqlite_refuses_to_replace_a_row_of_history(sqlite_history: Clinic, side_door: int) -> None:
    db = sqlite_history.db
    sqlite_history.actor("audrey")
    before, audit_before = dump(db), audit_rows(db)
    with pytest.raises(sqlite3.DatabaseError, match="AppendOnly"):
        SQLITE_SIDE_DOORS[side_door](db)
    assert dump(db) == before
    assert audit_rows(db) == audit_before
    assert run_check(db).ok


def test_a_replaced_movement_in_another_time_form_is_named_by_check(
    sqlite_history: Clinic,
) -> None:
    """Same instant, same hash, same head: only the stored form gives it away."""
    db = sqlite_history.db
    head = run_check(db).head
    drop_guards(db)
    _replace_movements(db)

    report = run_check(db)
    assert report.head == head  # the chain itself still verifies
    named = {(p.movement_id, p.rule) for p in report.problems}
    assert named >= {(9, "MalformedValue"), (10, "MalformedValue")}
    assert "event_at is stored as '20" in report.problems[0].message
    result = vialbook(db.url, "check", user="audrey")
    assert result.exit_code == 1
    assert "movement 9: MalformedValue" in result.output


#: Values SQLite keeps as given; each hashes (or sums) like the real one. -> first movement.
NON_CANONICAL = {
    "time_in_iso_t_form": (
        "UPDATE movement SET event_at = replace(event_at, ' ', 'T') WHERE id = 11",
        11,
    ),
    "flag_as_empty_text": ("UPDATE movement SET late = '' WHERE id = 12", 12),
    "flag_as_two": ("UPDATE movement SET late = 2 WHERE id = 12", 12),
    "amount_as_text": ("UPDATE infusion SET given_ug = '40000 µg' WHERE id = 2", 11),
    "receipt_time_in_another_form": (
        "UPDATE receipt SET received_at = received_at || 'Z' WHERE id = 1",
        1,
    ),
    "expiry_in_another_form": (
        "UPDATE vial SET expires = replace(expires, '-', '/') WHERE label = 'K-000001'",
        1,
    ),
    "date_of_birth_that_does_not_exist": (
        "UPDATE patient SET dob = '1980-02-30' WHERE mrn = 'MRN1'",
        9,
    ),
}


@pytest.mark.parametrize("case", sorted(NON_CANONICAL))
def test_check_names_a_value_not_in_its_canonical_form(sqlite_history: Clinic, case: str) -> None:
    db = sqlite_history.db
    sql, at = NON_CANONICAL[case]
    drop_guards(db)
    execute(db, sql)
    report = run_check(db)
    assert (at, "MalformedValue") in {(p.movement_id, p.rule) for p in report.problems}


# -- item 5: unhashed records are guarded, and cross-checked against the chain -------------

GUARDED = [
    "UPDATE vial SET expires = '2030-12-31' WHERE label = 'K-000001'",
    "UPDATE vial SET lot = 'OTHER' WHERE label = 'K-000002'",
    "UPDATE vial SET product_id = 2 WHERE label = 'K-000002'",
    "UPDATE vial SET received_ug = 1 WHERE label = 'K-000002'",
    "UPDATE vial SET label = 'K-999999' WHERE label = 'K-000002'",
    "UPDATE vial SET opened_at = NULL WHERE label = 'K-000001'",
    "UPDATE vial SET bud = NULL WHERE label = 'K-000001'",
    "DELETE FROM vial WHERE label = 'K-000005'",
    "UPDATE patient SET name = 'Someone Else' WHERE mrn = 'MRN1'",
    "UPDATE patient SET address = '1 Forged Way' WHERE mrn = 'MRN1'",
    "UPDATE patient SET dob = '1999-09-09' WHERE mrn = 'MRN1'",
    "UPDATE patient SET id = 99 WHERE mrn = 'MRN3'",
    "DELETE FROM patient WHERE mrn = 'MRN3'",
]


def test_the_database_refuses_to_rewrite_a_vial_or_a_patient(history: Clinic) -> None:
    db = history.db
    before = dump(db)
    for sql in GUARDED:
        with pytest.raises(sa.exc.DBAPIError, match="AppendOnly|VialRecordFixed|IdentityNot"):
            execute(db, sql)
        assert dump(db) == before, sql
    if not db.is_sqlite:
        for table in ("vial", "patient", "patient_correction"):
            with pytest.raises(sa.exc.DBAPIError, match="AppendOnly"):
                execute(db, f"TRUNCATE {table} CASCADE")
    # What the clinic does lawfully still works: a weight, a state, an MRN.
    execute(
        db,
        "UPDATE patient SET weight_g = 81000 WHERE mrn = 'MRN1'",
        "UPDATE vial SET state = 'quarantined' WHERE label = 'K-000002'",
    )


#: tamper (guards dropped) -> (movement named, rule, words in the message)
CROSS_CHECKED: dict[str, tuple[Callable[[Database], None], int | None, str, str]] = {
    "expired_vial_made_usable": (
        lambda db: execute(db, "UPDATE vial SET expires = '2030-12-31' WHERE label = 'K-000002'"),
        2,
        "VialMismatch",
        "expiry",
    ),
    "vial_content_changed": (
        lambda db: execute(
            db, "UPDATE vial SET received_ug = received_ug - 1000 WHERE label = 'K-000002'"
        ),
        2,
        "VialMismatch",
        "receive movement",
    ),
    "forged_lot_on_a_receipt": (
        lambda db: execute(db, "UPDATE receipt SET lot = 'FORGED' WHERE id = 1"),
        1,
        "VialMismatch",
        "lot",
    ),
    "receipt_redated": (
        lambda db: execute(
            db,
            "UPDATE receipt SET received_at = (SELECT event_at FROM movement WHERE id = 13) "
            "WHERE id = 1",
        ),
        1,
        "ReceiptMismatch",
        "received at",
    ),
    "forged_receipt_with_no_vials": (
        lambda db: execute(
            db,
            "INSERT INTO receipt (registration_id, supplier_id, product_id, invoice_number, "
            "received_at, entered_at, lot, expires, containers, received_by_id) "
            "SELECT registration_id, supplier_id, product_id, 'FORGED', received_at, "
            "entered_at, 'FORGED', expires, 5, received_by_id FROM receipt WHERE id = 1",
        ),
        None,
        "ReceiptMismatch",
        "lists 5 containers; 0 vials",
    ),
    "infusion_moved_to_another_patient": (
        lambda db: execute(db, "UPDATE infusion SET patient_id = 2 WHERE id = 1"),
        9,
        "InfusionMismatch",
        "patient",
    ),
    "infusion_witness_changed": (
        lambda db: execute(db, "UPDATE infusion SET witness_id = actor_id WHERE id = 3"),
        14,
        "InfusionMismatch",
        "witness",
    ),
    "forged_infusion_with_no_movements": (
        lambda db: execute(
            db,
            "INSERT INTO infusion (patient_id, vial_id, registration_id, drawn_ug, given_ug, "
            "wasted_ug, event_at, entered_at, actor_id, late) SELECT patient_id, vial_id, "
            "registration_id, 0, 0, 0, event_at, entered_at, actor_id, late "
            "FROM infusion WHERE id = 1",
        ),
        None,
        "InfusionMismatch",
        "has no movements",
    ),
}


@pytest.mark.parametrize("case", sorted(CROSS_CHECKED))
def test_check_cross_checks_records_against_their_movements(history: Clinic, case: str) -> None:
    tamper, at, rule, words = CROSS_CHECKED[case]
    db = history.db
    drop_guards(db)
    tamper(db)
    report = run_check(db)
    found = [p for p in report.problems if p.rule == rule]
    assert found, report.problems
    assert any(p.movement_id == at and words in p.message for p in found), found


# -- item 8: malformed values are named, never a crash ---------------------------------------

BOTH = {
    "previous_hash_not_hex": (
        "UPDATE movement SET prev_hash = '" + "z" * 64 + "' WHERE id = 11",
        11,
    ),
    "hash_in_capitals": ("UPDATE movement SET hash = upper(hash) WHERE id = 12", 12),
    "unknown_kind": ("UPDATE movement SET kind = 'gift' WHERE id = 10", 10),
}
SQLITE_ONLY = {
    "time_that_is_not_a_time": ("UPDATE movement SET event_at = 'yesterday' WHERE id = 11", 11),
    "entry_time_as_a_number": ("UPDATE movement SET entered_at = 20260101 WHERE id = 12", 12),
    "amount_as_words": ("UPDATE movement SET amount_ug = 'forty mg' WHERE id = 11", 11),
    "infusion_amount_as_words": ("UPDATE infusion SET drawn_ug = 'all of it' WHERE id = 1", 9),
    "balance_as_words": (
        "UPDATE vial_balance SET balance_ug = 'plenty', last_movement_id = 'x' WHERE vial_id = 1",
        1,
    ),
    "previous_hash_as_a_blob": ("UPDATE movement SET prev_hash = x'00ff' WHERE id = 11", 11),
}
POSTGRESQL_ONLY = {
    "time_at_infinity": ("UPDATE movement SET event_at = 'infinity' WHERE id = 11", 11),
    "time_after_year_9999": (
        "UPDATE movement SET entered_at = '12026-01-01 00:00:00+00' WHERE id = 12",
        12,
    ),
    "receipt_time_at_infinity": ("UPDATE receipt SET received_at = '-infinity' WHERE id = 1", 1),
}


@pytest.mark.parametrize("case", sorted(BOTH | SQLITE_ONLY | POSTGRESQL_ONLY))
def test_a_malformed_value_is_named_at_its_movement_not_a_crash(history: Clinic, case: str) -> None:
    db = history.db
    if case in SQLITE_ONLY and not db.is_sqlite or case in POSTGRESQL_ONLY and db.is_sqlite:
        pytest.skip("this value cannot be stored on this database")
    sql, at = (BOTH | SQLITE_ONLY | POSTGRESQL_ONLY)[case]
    drop_guards(db)
    execute(db, sql)

    report = run_check(db)  # no exception
    assert not report.ok
    named = {(p.movement_id, p.rule) for p in report.problems}
    assert (at, "MalformedValue") in named, report.problems
    result = vialbook(db.url, "check", "--json", user="audrey")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "InternalError" not in result.output
