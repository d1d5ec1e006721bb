"""Physical inventories: a submitted initial, biennial or ad-hoc count signed by the
registrant is the inventory record; the next biennial one is due the configured interval
after the last; the inventory_due alert appears and clears."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from ledger import clock
from ledger.errors import (
    AlreadySigned,
    CountNotSubmitted,
    InventoryIncomplete,
    NotAnInventory,
    PermissionDenied,
)
from ledger.queries.alerts import alerts
from ledger.queries.inventories import add_months
from ledger.services import counts
from ledger.services.inventories import sign_count
from ledger.services.settings import update_settings
from tests.reliability.cli import assert_refused, vialbook
from tests.support import Clinic, dump

MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 08:00 in Denver


def _at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


def _inventory(clinic: Clinic, kind: str = "initial") -> int:
    maria = clinic.actor("maria")
    count = counts.start_count(clinic.db, maria, kind=kind, at="opening", witness="omar")
    for vial in ("K-000001", "K-000002", "K-000003", "K-000004", "K-000005"):
        counts.record_line(clinic.db, maria, count, vial=vial, reading="present")
    for vial in ("M-000001", "M-000002", "M-000003"):
        counts.record_line(clinic.db, maria, count, vial=vial, reading="present")
    counts.submit_count(clinic.db, maria, count)
    return count


def _due(clinic: Clinic) -> list[tuple[str, str | None]]:
    return [
        (a.subject, a.due.isoformat() if a.due else None)
        for a in alerts(clinic.db, clinic.actor("maria"))
        if a.kind == "inventory_due"
    ]


def test_the_registrant_signs_a_submitted_inventory_once(clinic: Clinic) -> None:
    _at(MONDAY)
    assert _due(clinic) == [("FK1234563", "2026-03-02")]  # no initial inventory yet
    count = _inventory(clinic)
    drkim = clinic.actor("drkim")
    before = dump(clinic.db)
    with pytest.raises(PermissionDenied):
        sign_count(clinic.db, clinic.actor("maria"), count)
    assert dump(clinic.db) == before
    signed = sign_count(clinic.db, drkim, count)
    assert signed["next_inventory_due"] == "2028-03-02"
    assert signed["signed_by"] == "drkim"
    assert _due(clinic) == []
    after = dump(clinic.db)
    with pytest.raises(AlreadySigned):
        sign_count(clinic.db, drkim, count)
    assert dump(clinic.db) == after


def test_only_a_submitted_inventory_count_is_signed(clinic: Clinic) -> None:
    _at(MONDAY)
    maria, drkim = clinic.actor("maria"), clinic.actor("drkim")
    routine = counts.start_count(clinic.db, maria)
    counts.submit_count(clinic.db, maria, routine)
    adhoc = counts.start_count(clinic.db, maria, kind="adhoc", at="close")
    before = dump(clinic.db)
    with pytest.raises(NotAnInventory):
        sign_count(clinic.db, drkim, routine)
    with pytest.raises(CountNotSubmitted):
        sign_count(clinic.db, drkim, adhoc)
    assert dump(clinic.db) == before


def test_an_inventory_that_left_stock_uncounted_or_stale_is_not_signed(clinic: Clinic) -> None:
    """21 CFR 1304.11(a): an inventory is a complete record of the stock on hand. A vial the
    count left out, or one that moved after it was counted, leaves it incomplete: the
    registrant's signature is refused (a new count is taken), and no inventory falls due later."""
    _at(MONDAY)
    maria, drkim = clinic.actor("maria"), clinic.actor("drkim")
    count = counts.start_count(clinic.db, maria, kind="initial", at="opening", witness="omar")
    for vial in ("K-000001", "K-000002", "K-000003", "K-000004", "M-000001", "M-000002"):
        counts.record_line(clinic.db, maria, count, vial=vial, reading="present")
    counts.submit_count(clinic.db, maria, count)  # K-000005 and M-000003 not counted
    before = dump(clinic.db)
    with pytest.raises(InventoryIncomplete, match="K-000005, M-000003"):
        sign_count(clinic.db, drkim, count)
    assert dump(clinic.db) == before
    assert _due(clinic) == [("FK1234563", "2026-03-02")]  # still no initial inventory
    assert_refused(
        vialbook(clinic.db.url, "count", "sign", str(count), user="drkim"), "InventoryIncomplete"
    )


def test_the_biennial_inventory_falls_due_and_the_interval_is_a_setting(clinic: Clinic) -> None:
    _at(MONDAY)
    sign_count(clinic.db, clinic.actor("drkim"), _inventory(clinic))
    _at(datetime(2028, 1, 31, 18, tzinfo=UTC))  # 31 days before
    assert _due(clinic) == []
    _at(datetime(2028, 2, 2, 18, tzinfo=UTC))
    assert _due(clinic) == [("FK1234563", "2028-03-02")]
    _at(datetime(2028, 3, 3, 18, tzinfo=UTC))
    (alert,) = [a for a in alerts(clinic.db, clinic.actor("maria")) if a.kind == "inventory_due"]
    assert "overdue" in alert.message
    update_settings(clinic.db, clinic.actor("admin"), inventory_interval_months=12)
    assert _due(clinic) == [("FK1234563", "2027-03-02")]
    count = _inventory(clinic, "biennial")
    sign_count(clinic.db, clinic.actor("drkim"), count)
    assert _due(clinic) == []  # next due 2029-03-03
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_count_sign_at_the_terminal(clinic: Clinic) -> None:
    _at(MONDAY)
    count = str(_inventory(clinic))
    listed = vialbook(clinic.db.url, "alerts", user="maria").output
    (line,) = [x for x in listed.splitlines() if x.startswith("inventory_due")]
    assert "FK1234563" in line and "2026-03-02" in line  # the due date, printed as a date
    assert_refused(vialbook(clinic.db.url, "count", "sign", count, user="nina"), "PermissionDenied")
    shown = vialbook(clinic.db.url, "count", "sign", count, "--json", user="drkim")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert (data["count"], data["kind"], data["next_inventory_due"]) == (
        int(count), "initial", "2028-03-02"
    )  # fmt: skip
    assert_refused(vialbook(clinic.db.url, "count", "sign", count, user="drkim"), "AlreadySigned")
