"""Alerts appear when their moment comes and clear when the clinic acts: counts overdue and
left open, discrepancies unresolved, Form 106 deadlines, beyond-use dates, lots and the
registration's expiry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from ledger import clock
from ledger.queries.alerts import alerts
from ledger.services import counts, discrepancies
from ledger.services.infusions import record_infusion
from tests.reliability.cli import vialbook
from tests.support import Clinic

FRIDAY = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)


def _at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


def _kinds(clinic: Clinic) -> dict[str, list[tuple[str, str | None]]]:
    out: dict[str, list[tuple[str, str | None]]] = {}
    for a in alerts(clinic.db, clinic.actor("maria")):
        out.setdefault(a.kind, []).append((a.subject, a.due.isoformat() if a.due else None))
    return out


def test_count_and_discrepancy_alerts_appear_and_clear(clinic: Clinic) -> None:
    _at(FRIDAY)
    assert "count_overdue" in _kinds(clinic)  # never counted
    maria, drkim = clinic.actor("maria"), clinic.actor("drkim")
    count = counts.start_count(clinic.db, maria)
    counts.record_line(clinic.db, maria, count, vial="K-000005", reading="missing")
    assert "count_open" not in _kinds(clinic)
    _at(FRIDAY + timedelta(days=2))
    assert _kinds(clinic)["count_open"] == [(f"count {count}", None)]
    (found,) = [
        r.discrepancy for r in counts.submit_count(clinic.db, maria, count) if r.discrepancy
    ]
    now = _kinds(clinic)
    assert "count_open" not in now and "count_overdue" not in now
    assert "discrepancy_open" not in now  # not yet a week old
    _at(FRIDAY + timedelta(days=10))
    now = _kinds(clinic)
    assert now["discrepancy_open"] == [(f"discrepancy {found}", None)]
    assert now["count_overdue"] == [("shelf", "2026-03-15")]
    discrepancies.escalate(clinic.db, drkim, found, loss_type="theft")
    now = _kinds(clinic)
    assert "discrepancy_open" not in now
    assert now["form106_notice_due"] == [(f"discrepancy {found}", "2026-03-09")]  # found on Sunday
    assert now["form106_due"] == [(f"discrepancy {found}", "2026-04-22")]
    discrepancies.confirm_loss(clinic.db, drkim, found)
    now = _kinds(clinic)
    assert "form106_notice_due" not in now and "form106_due" not in now


def test_dates_of_vials_lots_and_the_registration(clinic: Clinic) -> None:
    _at(FRIDAY)
    record_infusion(
        clinic.db, clinic.actor("nina"), patient="MRN1", vial="K-000001", drawn_ug=50_000,
        given_ug=50_000, wasted_ug=0, witness=clinic.witness("omar"),
    )  # fmt: skip
    assert not {"bud_soon", "past_bud"} & set(_kinds(clinic))
    _at(FRIDAY + timedelta(days=26))  # the 28-day beyond-use date is two days off
    assert [s for s, _ in _kinds(clinic)["bud_soon"]] == ["K-000001"]
    _at(FRIDAY + timedelta(days=29))
    now = _kinds(clinic)
    assert "bud_soon" not in now and [s for s, _ in now["past_bud"]] == ["K-000001"]
    _at(datetime(2034, 5, 15, 18, tzinfo=UTC))  # the lots expire on 2034-06-30
    now = _kinds(clinic)
    assert sorted(now["expiring"]) == [("LOT-A", "2034-06-30"), ("LOT-M", "2034-06-30")]
    assert "registration_expiring" not in now
    _at(datetime(2034, 11, 15, 18, tzinfo=UTC))  # the registration expires on 2035-01-01
    now = _kinds(clinic)
    assert "expiring" not in now
    assert sorted(now["expired_on_hand"]) == [("LOT-A", "2034-06-30"), ("LOT-M", "2034-06-30")]
    assert now["registration_expiring"] == [("FK1234563", "2035-01-01")]
    shown = vialbook(clinic.db.url, "alerts", "--json", user="maria")
    assert shown.exit_code == 0, shown.output
    kinds = {a["kind"] for a in json.loads(shown.output)}
    assert {"expired_on_hand", "registration_expiring", "count_overdue"} <= kinds
    assert set(json.loads(shown.output)[0]) == {"kind", "subject", "due", "message"}
