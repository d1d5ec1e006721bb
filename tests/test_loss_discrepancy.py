"""A loss found outside a count opens its discrepancy in the same transaction, linked to the
loss movement, so every loss has a record of its investigation; its Form 106 draft keeps both
DEA deadlines until the registrant confirms it, and confirming writes no second loss."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from ledger import clock
from ledger.check import run_check
from ledger.errors import InvalidText, LossAlreadyRecorded, PermissionDenied
from ledger.models import metadata
from ledger.queries.alerts import alerts
from ledger.services import discrepancies, disposal
from tests.reliability.cli import vialbook
from tests.support import Clinic, dump

FRIDAY = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)


def _rows(clinic: Clinic, table: str) -> list[dict]:  # type: ignore[type-arg]
    t = metadata.tables[table]
    with clinic.db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.id))]


def test_a_loss_opens_a_discrepancy_linked_to_its_movement(clinic: Clinic) -> None:
    clock.set_clock(lambda: FRIDAY)
    maria = clinic.actor("maria")
    posted = disposal.record_loss(
        clinic.db, maria, vial="K-000004", amount_ug=None, reason="not in the safe"
    )
    (movement,) = posted.movement_ids
    (loss,) = [m for m in _rows(clinic, "movement") if m["id"] == movement]
    assert (loss["kind"], loss["amount_ug"]) == ("loss", -500_000)
    (found,) = _rows(clinic, "discrepancy")
    assert found["id"] == posted.discrepancy
    assert (found["vial_id"], found["short_ug"], found["loss_movement_id"], found["status"]) == (
        4, 500_000, movement, "open"
    )  # fmt: skip
    assert found["result_id"] is None and found["discovered_on"].isoformat() == "2026-03-06"
    assert run_check(clinic.db).ok


def test_a_refused_loss_opens_no_discrepancy(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(PermissionDenied):
        disposal.record_loss(
            clinic.db, clinic.actor("nina"), vial="K-000004", amount_ug=None, reason="gone"
        )
    with pytest.raises(InvalidText):
        disposal.record_loss(clinic.db, clinic.actor("maria"), vial="K-000004",
                             amount_ug=None, reason="")  # fmt: skip
    assert dump(clinic.db) == before


def test_its_form_106_deadlines_stand_until_the_draft_is_confirmed(clinic: Clinic) -> None:
    clock.set_clock(lambda: FRIDAY)
    posted = disposal.record_loss(
        clinic.db, clinic.actor("maria"), vial="K-000004", amount_ug=None, reason="stolen"
    )
    found = posted.discrepancy
    assert found is not None
    drkim = clinic.actor("drkim")
    draft = discrepancies.escalate(clinic.db, drkim, found, loss_type="theft")
    assert (draft["notice_due"], draft["form_due"]) == ("2026-03-09", "2026-04-20")
    kinds = {a.kind for a in alerts(clinic.db, drkim)}
    assert {"form106_notice_due", "form106_due"} <= kinds
    movements = len(_rows(clinic, "movement"))
    assert discrepancies.confirm_loss(clinic.db, drkim, found) == posted.movement_ids[0]
    assert len(_rows(clinic, "movement")) == movements  # the loss was already in the book
    kinds = {a.kind for a in alerts(clinic.db, drkim)}
    assert not {"form106_notice_due", "form106_due"} & kinds
    after = dump(clinic.db)
    with pytest.raises(LossAlreadyRecorded):
        discrepancies.confirm_loss(clinic.db, drkim, found)
    assert dump(clinic.db) == after


def test_vialbook_loss_names_the_discrepancy_it_opened(clinic: Clinic) -> None:
    shown = vialbook(clinic.db.url, "loss", "--vial", "K-000004", "--reason", "gone", "--json",
                     user="maria")  # fmt: skip
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    (found,) = _rows(clinic, "discrepancy")
    assert data["discrepancy"] == found["id"]
    assert data["movement_ids"] == [found["loss_movement_id"]]
    listed = vialbook(clinic.db.url, "discrepancy", "list", "--json", user="maria")
    assert [d["vial"] for d in json.loads(listed.output)] == ["K-000004"]
