"""Blind counts: one vial in each tier, a vial that moves while counted, the registrant's
sign-off writing exactly one adjustment linked to its line, and a count never moving stock."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from ledger.auth import Credentials
from ledger.details import CountLink
from ledger.errors import (
    AlreadyApproved,
    CountNotOpen,
    CountReadingInvalid,
    CountWitnessMismatch,
    ImportRejected,
    NothingToApprove,
    PermissionDenied,
    WitnessNotAuthenticated,
)
from ledger.models import metadata
from ledger.services import counts
from ledger.services.infusions import record_infusion
from tests.support import Clinic, dump


def _draw(clinic: Clinic, vial: str, mg: int) -> None:
    record_infusion(
        clinic.db, clinic.actor("nina"), patient="MRN1", vial=vial, drawn_ug=mg * 1000,
        given_ug=mg * 1000, wasted_ug=0, witness=clinic.witness("omar"),
    )  # fmt: skip


def _rows(clinic: Clinic, table: str) -> list[dict]:  # type: ignore[type-arg]
    t = metadata.tables[table]
    with clinic.db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.id))]


def _stock(clinic: Clinic) -> dict[str, list]:  # type: ignore[type-arg]
    d = dump(clinic.db)
    return {k: d[k] for k in ("movement", "vial_balance", "vial", "chain_head")}


@pytest.fixture
def opened(clinic: Clinic) -> Clinic:
    """K-000001 holds 9.1 mL, K-000002 8 mL, K-000003 9 mL (50 mg/mL); the rest sealed."""
    _draw(clinic, "K-000001", 45)
    _draw(clinic, "K-000002", 100)
    _draw(clinic, "K-000003", 50)
    return clinic


def test_a_blind_count_with_one_vial_in_each_tier(opened: Clinic) -> None:
    maria = opened.actor("maria")
    count = counts.start_count(opened.db, maria, witness="omar")
    readings = {
        "K-000001": "9.05mL",  # 0.05 mL short: accepted
        "K-000002": "7.5mL",  # 0.5 mL short: needs sign-off
        "K-000003": "7.0mL",  # 2 mL short: discrepancy
        "K-000004": "present",
        "K-000005": "missing",  # a missing sealed vial: discrepancy
        "M-000001": "present",
    }
    for vial, reading in readings.items():
        line = counts.record_line(opened.db, maria, count, vial=vial, reading=reading)
        # Blind: the counter's own reading, never a book figure.
        assert set(line) <= {"count", "line", "vial", "reading", "counted_ml"}
        assert "book" not in json.dumps(line)
    before = _stock(opened)
    results = {r.vial: r for r in counts.submit_count(opened.db, maria, count)}
    assert _stock(opened) == before  # a count never changes a balance by itself
    outcome = {vial: r.outcome for vial, r in results.items()}
    assert outcome == {
        "K-000001": "accepted",
        "K-000002": "needs_signoff",
        "K-000003": "discrepancy",
        "K-000004": "accepted",
        "K-000005": "discrepancy",
        "M-000001": "accepted",
        "M-000002": "not_counted",
        "M-000003": "not_counted",
    }
    k2 = results["K-000002"]
    assert (k2.book_ug, k2.counted_ug, k2.variance_ug, k2.variance_ml) == (
        400_000, 375_000, -25_000, "-0.5"
    )  # fmt: skip
    assert results["K-000005"].variance_ug == -500_000
    found = _rows(opened, "discrepancy")
    assert [(d["vial_id"], d["short_ug"], d["status"]) for d in found] == [
        (3, 100_000, "open"), (5, 500_000, "open")
    ]  # fmt: skip
    assert [r.as_json() for r in counts.count_results(opened.db, maria, count)] == [
        r.as_json() for r in results.values()
    ]
    with pytest.raises(CountNotOpen):
        counts.record_line(opened.db, maria, count, vial="K-000004", reading="present")


def test_a_vial_that_moves_after_it_was_counted_is_recounted(opened: Clinic) -> None:
    maria = opened.actor("maria")
    count = counts.start_count(opened.db, maria)
    counts.record_line(opened.db, maria, count, vial="K-000001", reading="9.1mL")
    _draw(opened, "K-000001", 5)  # the chair draws from it mid-count
    results = {r.vial: r.outcome for r in counts.submit_count(opened.db, maria, count)}
    assert results["K-000001"] == "recount"


def test_recording_a_vial_again_replaces_its_line_and_keeps_the_first(opened: Clinic) -> None:
    maria = opened.actor("maria")
    count = counts.start_count(opened.db, maria)
    counts.record_line(opened.db, maria, count, vial="K-000001", reading="5mL")
    counts.record_line(opened.db, maria, count, vial="K-000001", reading="9.1mL")
    lines = _rows(opened, "count_line")
    assert [line["counted_ul"] for line in lines] == [5_000, 9_100]
    results = {r.vial: r for r in counts.submit_count(opened.db, maria, count)}
    assert results["K-000001"].outcome == "accepted"
    assert results["K-000001"].counted_ug == 455_000
    with opened.db.engine.begin() as conn, pytest.raises(sa.exc.DBAPIError, match="AppendOnly"):
        conn.exec_driver_sql("UPDATE count_line SET counted_ul = 1")


def test_a_reading_that_does_not_fit_the_vial_is_refused(opened: Clinic) -> None:
    maria = opened.actor("maria")
    count = counts.start_count(opened.db, maria)
    before = dump(opened.db)
    for vial, reading in [
        ("K-000004", "3mL"),  # sealed: present or missing
        ("K-000001", "present"),  # open: read it in mL
        ("K-000001", "11mL"),  # more than a 10 mL vial holds
        ("K-000001", "1.0005mL"),  # finer than a microlitre
        ("K-000001", "-1mL"),
    ]:
        with pytest.raises(CountReadingInvalid):
            counts.record_line(opened.db, maria, count, vial=vial, reading=reading)
    assert dump(opened.db) == before


def test_a_count_sheet_imports_whole_or_not_at_all(opened: Clinic) -> None:
    maria = opened.actor("maria")
    count = counts.start_count(opened.db, maria)
    before = dump(opened.db)
    bad = b"vial,reading\nK-000001,9.1mL\nK-000004,3mL\n"
    with pytest.raises(ImportRejected, match="line 3"):
        counts.import_lines(opened.db, maria, count, bad)
    assert dump(opened.db) == before
    good = b"vial,reading\nK-000001,9.1mL\nK-000004,present\nK-000005,missing\n"
    assert counts.import_lines(opened.db, maria, count, good) == 3
    assert len(_rows(opened, "count_line")) == 3


def _needs_signoff(clinic: Clinic, witness: str | None = "omar") -> int:
    maria = clinic.actor("maria")
    count = counts.start_count(clinic.db, maria, witness=witness)
    counts.record_line(clinic.db, maria, count, vial="K-000002", reading="7.5mL")
    assert counts.submit_count(clinic.db, maria, count)[1].outcome == "needs_signoff"
    return count


def test_the_sign_off_is_the_registrants_and_writes_one_linked_adjustment(
    opened: Clinic,
) -> None:
    count = _needs_signoff(opened)
    before = dump(opened.db)
    with pytest.raises(PermissionDenied):
        counts.approve(
            opened.db, opened.actor("nina"), count, vial="K-000002", reason="spilt",
            witness=opened.witness("omar"),
        )  # fmt: skip
    with pytest.raises(WitnessNotAuthenticated):
        counts.approve(
            opened.db, opened.actor("drkim"), count, vial="K-000002", reason="spilt",
            witness=Credentials("omar", "not-his-password"),
        )  # fmt: skip
    with pytest.raises(CountWitnessMismatch):
        counts.approve(
            opened.db, opened.actor("drkim"), count, vial="K-000002", reason="spilt",
            witness=opened.witness("nina"),
        )  # fmt: skip
    with pytest.raises(NothingToApprove):
        counts.approve(
            opened.db, opened.actor("drkim"), count, vial="K-000001", reason="spilt",
            witness=opened.witness("omar"),
        )  # fmt: skip
    assert dump(opened.db) == before
    movement_id = counts.approve(
        opened.db, opened.actor("drkim"), count, vial="K-000002", reason="spilt at the chair",
        witness=opened.witness("omar"),
    )  # fmt: skip
    after = dump(opened.db)
    new = [m for m in _rows(opened, "movement") if m["id"] > len(before["movement"])]
    assert [(m["id"], m["kind"], m["amount_ug"]) for m in new] == [
        (movement_id, "adjustment", -25_000)
    ]
    line_id = _rows(opened, "count_line")[0]["id"]
    assert json.loads(new[0]["detail"])["count_line"] == line_id
    (approval,) = _rows(opened, "count_approval")
    assert approval["movement_id"] == movement_id
    # The typed record reads it back; its stored form is the one written before it existed.
    link = CountLink(count=count, count_line=line_id, count_result=approval["result_id"])
    assert CountLink.from_detail(new[0]["detail"]) == link
    assert new[0]["detail"] == (
        f'{{"count": {count}, "count_line": {line_id}, "count_result": {approval["result_id"]}}}'
    )
    assert after["vial_balance"][1][1] == 375_000
    with pytest.raises(AlreadyApproved):
        counts.approve(
            opened.db, opened.actor("drkim"), count, vial="K-000002", reason="again",
            witness=opened.witness("omar"),
        )  # fmt: skip
    assert dump(opened.db) == after
    from ledger.check import run_check

    assert run_check(opened.db).ok
