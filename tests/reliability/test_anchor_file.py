"""The anchor file: each clinic day's first login writes the ledger head outside the database,
and `vialbook check --anchor-file` catches a chain rewritten after any of those heads."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledger import clock
from ledger.anchors import ANCHOR_FILE_ENV, read_anchors
from ledger.services.infusions import record_infusion
from tests.reliability.cli import assert_refused, vialbook
from tests.reliability.tampering import drop_guards, execute, rehash_from
from tests.support import Clinic, audit_rows

DAY_ONE = datetime(2030, 3, 2, 15, 0, tzinfo=UTC)  # 08:00 in Denver


@pytest.fixture
def anchor_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "offsite" / "vialbook.anchors"
    monkeypatch.setenv(ANCHOR_FILE_ENV, str(path))
    return path


def _head(clinic: Clinic) -> tuple[str, int]:
    with clinic.db.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT hash, seq FROM chain_head WHERE id = 1").one()
    return str(row[0]), int(row[1])


def _infuse(clinic: Clinic) -> None:
    record_infusion(
        clinic.db,
        clinic.actor("nina"),
        patient="MRN1",
        vial="K-000001",
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
        witness=clinic.witness("omar"),
    )


def test_the_first_login_of_each_day_writes_one_anchor(clinic: Clinic, anchor_path: Path) -> None:
    clock.set_clock(lambda: DAY_ONE)
    clinic.actor("nina")
    day_one_head = _head(clinic)
    clinic.actor("omar")  # a second login the same day adds nothing
    _infuse(clinic)  # the witness's re-authentication is not a login
    assert anchor_path.read_text() == f"2030-03-02 {day_one_head[0]} {day_one_head[1]}\n"
    assert stat.S_IMODE(anchor_path.stat().st_mode) == 0o600

    clock.set_clock(lambda: DAY_ONE + timedelta(days=1))
    clinic.actor("maria")
    anchors = read_anchors(anchor_path)
    assert [(a.day.isoformat(), a.head, a.seq) for a in anchors] == [
        ("2030-03-02", *day_one_head),
        ("2030-03-03", *_head(clinic)),
    ]
    assert anchors[1].seq == day_one_head[1] + 2


def test_a_chain_rewritten_after_an_anchor_fails_the_anchor_file_check(
    clinic: Clinic, anchor_path: Path
) -> None:
    clock.set_clock(lambda: DAY_ONE)
    clinic.actor("nina")  # anchor at seq 8: the receipts only
    _infuse(clinic)  # movements 9 and 10
    clock.set_clock(lambda: DAY_ONE + timedelta(days=1))
    clinic.actor("nina")  # anchor at seq 10
    assert vialbook(clinic.db.url, "check", "--anchor-file", str(anchor_path)).exit_code == 0

    drop_guards(clinic.db)
    execute(
        clinic.db,
        "UPDATE movement SET amount_ug = -39000 WHERE id = 9",
        "UPDATE infusion SET given_ug = 39000, drawn_ug = 44000 WHERE id = 1",
        "UPDATE vial_balance SET balance_ug = balance_ug + 1000 WHERE vial_id = 1",
    )
    rehash_from(clinic.db, 9)
    assert vialbook(clinic.db.url, "check").exit_code == 0  # self-consistent, as feared

    result = vialbook(clinic.db.url, "check", "--anchor-file", str(anchor_path))
    assert result.exit_code == 1
    # Day one's anchor predates the edit and still matches; day two's does not.
    assert result.output.count("AnchorNotFound") == 1
    assert read_anchors(anchor_path)[1].head in result.output


def test_a_damaged_anchor_file_is_refused_by_line(clinic: Clinic, tmp_path: Path) -> None:
    path = tmp_path / "anchors"
    path.write_text(f"2030-03-02 {'a' * 64} 8\nyesterday was fine\n")
    result = vialbook(clinic.db.url, "check", "--anchor-file", str(path))
    assert_refused(result, "AnchorFileUnreadable")
    assert "line 2" in result.output


def test_an_unwritable_anchor_file_does_not_keep_a_nurse_from_the_chair(
    clinic: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ANCHOR_FILE_ENV, str(tmp_path))  # a directory: cannot be appended to
    clinic.actor("nina")
    assert ("nina", "anchor", "failed", "AnchorFileUnwritable") in audit_rows(clinic.db)
