"""Alerts appear when their moment comes and clear when the clinic acts: counts overdue and
left open, discrepancies unresolved, Form 106 deadlines, beyond-use dates, lots and the
registration's expiry."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from ledger import clock
from ledger.errors import InvalidDate, PermissionDenied
from ledger.queries.alerts import alerts
from ledger.services import catalogue, counts, discrepancies, disposal
from ledger.services.infusions import record_infusion
from tests.reliability.cli import assert_refused, vialbook
from tests.support import Clinic, dump

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


def test_vial_lot_and_registration_alerts_clear_when_the_clinic_acts(clinic: Clinic) -> None:
    _at(FRIDAY)
    maria, nina, drkim = clinic.actor("maria"), clinic.actor("nina"), clinic.actor("drkim")
    record_infusion(
        clinic.db, nina, patient="MRN1", vial="K-000001", drawn_ug=50_000, given_ug=50_000,
        wasted_ug=0, witness=clinic.witness("omar"),
    )  # fmt: skip
    _at(FRIDAY + timedelta(days=29))
    assert [s for s, _ in _kinds(clinic)["past_bud"]] == ["K-000001"]
    # The residue of a vial past its beyond-use date is wasted: nothing is left to flag.
    disposal.waste(
        clinic.db, nina, vial="K-000001", amount_ug=None, reason="past its beyond-use date",
        method="drug-disposal container", witness=clinic.witness("omar"),
    )  # fmt: skip
    assert "past_bud" not in _kinds(clinic)

    _at(datetime(2034, 5, 15, 18, tzinfo=UTC))  # the lots expire on 2034-06-30
    assert sorted(_kinds(clinic)["expiring"]) == [("LOT-A", "2034-06-30"), ("LOT-M", "2034-06-30")]
    # The midazolam lot goes back to a reverse distributor before it expires.
    disposal.return_to_reverse_distributor(
        clinic.db, maria, vials=["M-000001", "M-000002", "M-000003"],
        distributor_name="RxReturns Inc.", distributor_address="9 Dock Rd, Denver, CO 80216",
        distributor_dea="RR1234563", invoice_number="RD-1",
    )  # fmt: skip
    assert _kinds(clinic)["expiring"] == [("LOT-A", "2034-06-30")]

    _at(datetime(2034, 11, 15, 18, tzinfo=UTC))  # the registration expires on 2035-01-01
    now = _kinds(clinic)
    assert now["expired_on_hand"] == [("LOT-A", "2034-06-30")] and "expiring" not in now
    assert now["registration_expiring"] == [("FK1234563", "2035-01-01")]
    disposal.destroy(
        clinic.db, maria, vials=["K-000002", "K-000003", "K-000004", "K-000005"],
        method="chemical digestion", reason="expired", witness=clinic.witness("nina"),
        second_witness=clinic.witness("omar"),
    )  # fmt: skip
    assert "expired_on_hand" not in _kinds(clinic)

    # The renewal clears the registration's alert; a nurse cannot record one, and a renewal
    # that would shorten the registration is refused. Neither changes anything.
    before = dump(clinic.db)
    with pytest.raises(PermissionDenied):
        catalogue.renew_registration(
            clinic.db, nina, dea_number="FK1234563", expires=date(2038, 1, 1)
        )
    with pytest.raises(InvalidDate):
        catalogue.renew_registration(
            clinic.db, drkim, dea_number="FK1234563", expires=date(2035, 1, 1)
        )
    assert dump(clinic.db) == before
    assert catalogue.renew_registration(
        clinic.db, drkim, dea_number="fk1234563", expires=date(2038, 1, 1)
    ) == date(2035, 1, 1)
    assert "registration_expiring" not in _kinds(clinic)
    _at(datetime(2037, 11, 15, 18, tzinfo=UTC))
    assert _kinds(clinic)["registration_expiring"] == [("FK1234563", "2038-01-01")]


def test_registration_renew_at_the_terminal(clinic: Clinic) -> None:
    _at(datetime(2034, 11, 15, 18, tzinfo=UTC))
    url = clinic.db.url
    assert_refused(
        vialbook(url, "registration", "renew", "--dea", "FK1234563", "--expires", "2034-12-01",
                 user="drkim"),
        "InvalidDate",
    )  # fmt: skip
    shown = vialbook(url, "registration", "renew", "--dea", "FK1234563", "--expires",
                     "2038-01-01", "--json", user="drkim")  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output) == {
        "dea_number": "FK1234563", "expires": "2038-01-01", "replaced": "2035-01-01"
    }  # fmt: skip
    listed = json.loads(vialbook(url, "alerts", "--json", user="maria").output)
    assert "registration_expiring" not in {a["kind"] for a in listed}
