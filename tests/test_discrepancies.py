"""Discrepancies: a missing sealed vial opens one; notes are history; escalation drafts Form 106
with the notice due one business day after discovery (past weekends and the clinic's holidays)
and the form 45 days after; confirming records the loss, linked to it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from ledger import clock
from ledger.details import DiscrepancyLink
from ledger.errors import (
    DiscrepancyClosed,
    DiscrepancyNotEscalated,
    InvalidDate,
    InvalidText,
    LossAlreadyRecorded,
    PermissionDenied,
)
from ledger.models import metadata
from ledger.services import counts, discrepancies
from ledger.services.discrepancies import next_business_day
from ledger.services.settings import update_settings
from tests.support import Clinic, dump

#: Friday 6 March 2026, 11:00 in Denver: the count that finds the missing vial.
FRIDAY = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)


def _missing(clinic: Clinic, at: datetime = FRIDAY) -> int:
    """A count that finds K-000005 (sealed) missing; returns the discrepancy's id."""
    clock.set_clock(lambda: at)
    maria = clinic.actor("maria")
    count = counts.start_count(clinic.db, maria)
    counts.record_line(clinic.db, maria, count, vial="K-000005", reading="missing")
    (found,) = [r for r in counts.submit_count(clinic.db, maria, count) if r.discrepancy]
    assert (found.vial, found.outcome) == ("K-000005", "discrepancy")
    assert found.discrepancy is not None
    return found.discrepancy


def _movements(clinic: Clinic) -> list[dict]:  # type: ignore[type-arg]
    t = metadata.tables["movement"]
    with clinic.db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.id))]


def test_a_missing_sealed_vial_opens_a_discrepancy_investigated_by_notes(clinic: Clinic) -> None:
    found = _missing(clinic)
    maria = clinic.actor("maria")
    assert discrepancies.list_discrepancies(clinic.db, maria, "open")[0]["vial"] == "K-000005"
    discrepancies.add_note(clinic.db, maria, found, text="not in the safe or the fridge")
    shown = discrepancies.show_discrepancy(clinic.db, maria, found)
    assert shown["status"] == "investigating"
    assert [n["text"] for n in shown["notes"]] == ["not in the safe or the fridge"]
    assert shown["short_ug"] == 500_000
    with clinic.db.engine.begin() as conn, pytest.raises(sa.exc.DBAPIError, match="AppendOnly"):
        conn.exec_driver_sql("DELETE FROM discrepancy_note")
    with pytest.raises(InvalidText):
        discrepancies.list_discrepancies(clinic.db, maria, "lost")


def test_a_resolved_discrepancy_names_its_correcting_entry(clinic: Clinic) -> None:
    found = _missing(clinic)
    maria = clinic.actor("maria")
    done = discrepancies.resolve(
        clinic.db, maria, found, explanation="found in the crash cart", movement=5
    )
    assert done["status"] == "resolved"
    before = dump(clinic.db)
    with pytest.raises(DiscrepancyClosed):
        discrepancies.add_note(clinic.db, maria, found, text="late")
    assert dump(clinic.db) == before


def test_the_notice_is_due_the_next_business_day_past_weekends_and_holidays(
    clinic: Clinic,
) -> None:
    found = _missing(clinic)  # Friday
    drkim = clinic.actor("drkim")
    before = dump(clinic.db)
    with pytest.raises(PermissionDenied):
        discrepancies.escalate(clinic.db, clinic.actor("maria"), found, loss_type="theft")
    assert dump(clinic.db) == before
    draft = discrepancies.escalate(clinic.db, drkim, found, loss_type="theft")
    assert (draft["discovered_on"], draft["notice_due"], draft["form_due"]) == (
        "2026-03-06", "2026-03-09", "2026-04-20"
    )  # fmt: skip
    assert draft["dea_number"] == "FK1234563"
    (product,) = draft["products"]
    assert (product["ndc"], product["lot"], product["quantity_lost_mg"]) == (
        "00409-2051-05", "LOT-A", "500"
    )  # fmt: skip
    assert product["containers_lost"] == 1


def test_a_listed_holiday_moves_the_notice_on(clinic: Clinic) -> None:
    update_settings(clinic.db, clinic.actor("admin"), holidays="2026-03-09, 2026-03-10")
    found = _missing(clinic)  # Friday; Monday and Tuesday are holidays
    draft = discrepancies.escalate(clinic.db, clinic.actor("drkim"), found, loss_type="theft")
    assert draft["notice_due"] == "2026-03-11"
    assert draft["form_due"] == "2026-04-20"


def test_business_days() -> None:
    assert next_business_day(date(2026, 12, 24), {date(2026, 12, 25)}) == date(2026, 12, 28)
    assert next_business_day(date(2026, 3, 2), set()) == date(2026, 3, 3)
    assert next_business_day(date(2026, 3, 7), set()) == date(2026, 3, 9)  # a Saturday


def test_holidays_are_dates(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(InvalidDate):
        update_settings(clinic.db, clinic.actor("admin"), holidays="Christmas")
    with pytest.raises(InvalidText):
        update_settings(clinic.db, clinic.actor("admin"), count_accept_ul=2_000)  # > sign-off
    assert dump(clinic.db) == before


def test_confirm_loss_writes_the_loss_linked_to_the_discrepancy(clinic: Clinic) -> None:
    found = _missing(clinic)
    drkim = clinic.actor("drkim")
    before = dump(clinic.db)
    with pytest.raises(DiscrepancyNotEscalated):
        discrepancies.confirm_loss(clinic.db, drkim, found)
    assert dump(clinic.db) == before
    discrepancies.escalate(clinic.db, drkim, found, loss_type="theft")
    n = len(_movements(clinic))
    movement_id = discrepancies.confirm_loss(clinic.db, drkim, found)
    new = _movements(clinic)[n:]
    assert [(m["id"], m["kind"], m["amount_ug"], m["vial_id"]) for m in new] == [
        (movement_id, "loss", -500_000, 5)
    ]
    assert json.loads(new[0]["detail"]) == {"discrepancy": found}
    assert DiscrepancyLink.from_detail(new[0]["detail"]) == DiscrepancyLink(discrepancy=found)
    assert discrepancies.show_discrepancy(clinic.db, drkim, found)["loss_movement"] == movement_id
    after = dump(clinic.db)
    with pytest.raises(LossAlreadyRecorded):
        discrepancies.confirm_loss(clinic.db, drkim, found)
    assert dump(clinic.db) == after
    from ledger.check import run_check

    assert run_check(clinic.db).ok
