"""Editing the ledger behind vialbook's back: the database refuses it, and when an attacker
removes that guard, `check` names the first bad movement; a fully re-hashed chain is caught
only by a head hash kept outside the database (an anchor).

The history used (tampering.three_infusions): movements 1-8 receive the eight vials, then
three infusions from K-000001 write movements 9-10, 11-12 and 13-14 (administer, then waste).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from ledger.check import run_check
from ledger.database import Database
from migrations.guards import APPEND_ONLY
from tests.reliability.cli import vialbook
from tests.reliability.tampering import drop_guards, execute, rehash_from, three_infusions
from tests.support import Clinic, audit_rows, dump


@pytest.fixture
def history(clinic: Clinic) -> Clinic:
    return three_infusions(clinic)


def _head(db: Database) -> str:
    with db.engine.connect() as conn:
        return str(conn.exec_driver_sql("SELECT hash FROM chain_head WHERE id = 1").scalar_one())


FORBIDDEN = [
    "UPDATE movement SET amount_ug = amount_ug + 1000 WHERE id = 11",
    "DELETE FROM movement WHERE id = 14",
    "UPDATE infusion SET given_ug = 39000 WHERE id = 2",
    "DELETE FROM infusion WHERE id = 3",
    "UPDATE receipt SET containers = 4 WHERE id = 1",
    "DELETE FROM receipt WHERE id = 2",
    "UPDATE audit_event SET outcome = 'ok', detail = 'nothing to see'",
    "DELETE FROM audit_event",
    "UPDATE chain_head SET seq = 13, hash = (SELECT hash FROM movement WHERE id = 13)",
    "UPDATE chain_head SET hash = 'ff' WHERE id = 1",
    "DELETE FROM chain_head",
]


TRUNCATES = [f"TRUNCATE {t} CASCADE" for t in APPEND_ONLY + ("chain_head",)]


def test_the_database_refuses_to_edit_history(history: Clinic) -> None:
    """One database for every statement: each is refused, so none changes what the next sees."""
    db = history.db
    history.actor("audrey")  # at least one audit row to try to change
    before, audit_before = dump(db), audit_rows(db)
    statements = FORBIDDEN + ([] if db.is_sqlite else TRUNCATES)  # SQLite has no TRUNCATE
    for sql in statements:
        with pytest.raises(sa.exc.DBAPIError, match="AppendOnly"):
            execute(db, sql)
        assert dump(db) == before, sql
    assert audit_rows(db) == audit_before


def _edit_an_amount(db: Database) -> None:
    execute(db, "UPDATE movement SET amount_ug = -39000 WHERE id = 11")


def _delete_a_row(db: Database) -> None:
    execute(db, "DELETE FROM movement WHERE id = 13")


def _swap_two_rows(db: Database) -> None:
    execute(
        db,
        "UPDATE movement SET id = -1 WHERE id = 11",
        "UPDATE movement SET id = 11 WHERE id = 12",
        "UPDATE movement SET id = 12 WHERE id = -1",
    )


#: tamper -> (first movement `check` must name, the rule it must give there)
CAUGHT_BY_CHECK: dict[str, tuple[Callable[[Database], None], int, str]] = {
    "edit_an_amount": (_edit_an_amount, 11, "HashMismatch"),
    "delete_a_row": (_delete_a_row, 14, "SequenceGap"),
    "swap_two_rows": (_swap_two_rows, 11, "ChainBroken"),
}


@pytest.mark.parametrize("case", sorted(CAUGHT_BY_CHECK))
def test_check_names_the_first_tampered_movement(history: Clinic, case: str) -> None:
    tamper, first, rule = CAUGHT_BY_CHECK[case]
    db = history.db
    drop_guards(db)
    tamper(db)

    report = run_check(db)
    assert not report.ok
    assert report.problems[0].movement_id == first, report.problems
    assert (first, rule) in {(p.movement_id, p.rule) for p in report.problems}

    result = vialbook(db.url, "check", user="audrey")
    assert result.exit_code == 1, result.output
    assert result.output.startswith("PROBLEMS FOUND")
    assert result.output.splitlines()[1].startswith(f"  movement {first}: ")
    assert f"movement {first}: {rule}: " in result.output


def _skim_one_mg_and_rehash(db: Database) -> None:
    """The careful attacker: 1 mg less given in infusion 2, every record made to agree."""
    execute(
        db,
        "UPDATE movement SET amount_ug = -39000 WHERE id = 11",
        "UPDATE infusion SET given_ug = 39000, drawn_ug = 44000 WHERE id = 2",
        "UPDATE vial_balance SET balance_ug = balance_ug + 1000 "
        "WHERE vial_id = (SELECT vial_id FROM movement WHERE id = 11)",
    )
    rehash_from(db, 11)


def _remove_the_last_infusion_and_rewind_the_head(db: Database) -> None:
    execute(
        db,
        "UPDATE vial_balance SET balance_ug = balance_ug + 45000, last_movement_id = 12 "
        "WHERE vial_id = (SELECT vial_id FROM movement WHERE id = 13)",
        "DELETE FROM movement WHERE id IN (13, 14)",
        "DELETE FROM infusion WHERE id = 3",
        "UPDATE chain_head SET seq = 12, hash = (SELECT hash FROM movement WHERE id = 12)",
    )


CAUGHT_ONLY_BY_AN_ANCHOR = {
    "rehash_the_rest_of_the_chain": _skim_one_mg_and_rehash,
    "cut_the_tail_and_rewind_the_head": _remove_the_last_infusion_and_rewind_the_head,
}


@pytest.mark.parametrize("case", sorted(CAUGHT_ONLY_BY_AN_ANCHOR))
def test_a_recomputed_chain_is_caught_only_by_an_earlier_head(history: Clinic, case: str) -> None:
    db = history.db
    printed_head = _head(db)  # as printed on yesterday's export
    with db.engine.connect() as conn:
        before_the_edit = str(
            conn.exec_driver_sql("SELECT hash FROM movement WHERE id = 10").scalar_one()
        )
    drop_guards(db)
    CAUGHT_ONLY_BY_AN_ANCHOR[case](db)

    # The limit of a self-contained chain: everything inside the database agrees.
    assert run_check(db).ok
    assert vialbook(db.url, "check", user="audrey").exit_code == 0

    report = run_check(db, anchors=[printed_head])
    assert not report.ok and report.anchor_found is False
    assert [p.rule for p in report.problems] == ["AnchorNotFound"]
    result = vialbook(db.url, "check", "--anchor", printed_head, user="audrey")
    assert result.exit_code == 1
    assert "AnchorNotFound" in result.output
    # An anchor only vouches for history up to it: one older than the edit still matches.
    assert run_check(db, anchors=[before_the_edit]).ok
