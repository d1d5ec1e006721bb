"""`check` cut into ranges verified by worker processes says exactly what one pass says.

Each tampering the other reliability tests plant is planted again here, and `check` runs
once as a single pass and then cut at several seams (before, at and after the tampered
movements); the reports must be equal, problem for problem and in the same order, so the
first entry that does not match is still the first named.

The history (tampering.three_infusions): movements 1-8 receive the vials, then three
infusions write movements 9-10, 11-12 and 13-14.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger import check_workers
from ledger.check import CheckReport, run_check
from ledger.database import Database
from tests.reliability.tampering import drop_guards, execute, three_infusions
from tests.reliability.test_side_doors import (
    BOTH,
    CROSS_CHECKED,
    NON_CANONICAL,
    POSTGRESQL_ONLY,
    SQLITE_ONLY,
)
from tests.reliability.test_tampering import CAUGHT_BY_CHECK, CAUGHT_ONLY_BY_AN_ANCHOR
from tests.support import Clinic

#: Where the chain is cut: at the first tampered movement; or in several places, with
#: ranges of one movement (12, 13-14) and an empty one past the end (15).
SEAMS = ([11], [2, 9, 12, 13, 15])


def _statements(sql: str) -> Callable[[Database], None]:
    return lambda db: execute(db, sql)


def _tampering(is_sqlite: bool) -> dict[str, Callable[[Database], None]]:
    cases: dict[str, Callable[[Database], None]] = {}
    for name, (tamper, _, _) in CAUGHT_BY_CHECK.items():
        cases[name] = tamper
    for name, tamper in CAUGHT_ONLY_BY_AN_ANCHOR.items():
        cases[name] = tamper
    for name, (tamper, _, _, _) in CROSS_CHECKED.items():
        cases[name] = tamper
    malformed = BOTH | (SQLITE_ONLY if is_sqlite else POSTGRESQL_ONLY)
    if is_sqlite:
        malformed |= NON_CANONICAL
    for name, (sql, _) in malformed.items():
        cases[name] = _statements(sql)
    return cases


def _said(report: CheckReport) -> tuple[object, ...]:
    return (report.movements, report.head, [p.as_json() for p in report.problems])


def test_an_untouched_ledger_verifies_in_ranges(clinic: Clinic) -> None:
    db = three_infusions(clinic).db
    one_pass = run_check(db, seams=[])
    assert one_pass.ok and one_pass.movements == 14
    for seams in SEAMS:
        assert _said(run_check(db, seams=seams)) == _said(one_pass), seams


CASES = sorted(set(_tampering(True)) | set(_tampering(False)))


@pytest.mark.parametrize("case", CASES)
def test_every_planted_tampering_reads_the_same_in_ranges(clinic: Clinic, case: str) -> None:
    db = three_infusions(clinic).db
    cases = _tampering(db.is_sqlite)
    if case not in cases:
        pytest.skip("this value cannot be stored on this database")
    drop_guards(db)
    cases[case](db)

    one_pass = run_check(db, seams=[])
    for seams in SEAMS:
        in_ranges = run_check(db, seams=seams)
        assert _said(in_ranges) == _said(one_pass), seams
    if not one_pass.ok:
        first = one_pass.problems[0]
        assert run_check(db, seams=[first.movement_id or 1]).problems[0] == first


def test_the_later_ranges_are_verified_by_worker_processes(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = three_infusions(clinic).db
    drop_guards(db)
    execute(db, "UPDATE movement SET amount_ug = -39000 WHERE id = 11")
    one_pass = run_check(db, seams=[])

    def not_here(job: check_workers.Job) -> check_workers.Outcome:
        raise AssertionError(f"range {job.lo}-{job.hi} was verified in this process")

    monkeypatch.setattr(check_workers, "run_job", not_here)
    assert _said(run_check(db, seams=[5, 11])) == _said(one_pass)


def test_a_worker_that_cannot_start_leaves_its_range_to_this_process(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = three_infusions(clinic).db
    drop_guards(db)
    execute(db, "UPDATE movement SET amount_ug = -39000 WHERE id = 11")
    one_pass = run_check(db, seams=[])
    monkeypatch.setattr(check_workers.sys, "executable", "/nonexistent/python")
    assert _said(run_check(db, seams=[6, 12])) == _said(one_pass)
    assert (11, "HashMismatch") in {(p.movement_id, p.rule) for p in one_pass.problems}


def test_a_large_ledger_is_cut_and_a_small_one_is_not() -> None:
    assert check_workers.cut(1, 100, 100, 1) == []
    seams = check_workers.cut(1, 1_000_000, 1_000_000, 1)
    assert len(seams) == 1 and 1 < seams[0] <= 1_000_000
    three = check_workers.cut(1, 1_000_000, 1_000_000, 3)
    assert three == sorted(three) and len(three) == 3
