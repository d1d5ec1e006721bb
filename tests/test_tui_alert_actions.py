"""Alerts that open an action on the dashboard, by key presses: a late entry opens the
registrant's review, an expiring registration opens its renewal. Each clears its alert; a
refusal stays in the modal with what was typed; a role that may not act reads the sentence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from textual.widgets import Input

from ledger import clock
from ledger.models import metadata
from ledger.services.infusions import record_infusion
from ledger.services.reviews import review_late
from tests.support import Clinic, dump
from tests.test_tui import _static_text
from tests.test_tui_counts import _cells, _down_to, _keys
from tui.app.vialbook_app import VialbookApp

NOON = datetime(2026, 3, 6, 19, 0, tzinfo=UTC)


def _rows(clinic: Clinic, table: str) -> list[dict]:  # type: ignore[type-arg]
    t = metadata.tables[table]
    with clinic.db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.id))]


def _late_infusions(clinic: Clinic) -> list[int]:
    """Two infusions charted two hours after they were given: two late entries."""
    clock.set_clock(lambda: NOON)
    out = []
    for patient, vial in (("MRN1", "K-000001"), ("MRN2", "K-000002")):
        done = record_infusion(
            clinic.db, clinic.actor("nina"), patient=patient, vial=vial, drawn_ug=40_000,
            given_ug=40_000, wasted_ug=0, witness=clinic.witness("omar"),
            drawn_at=NOON - timedelta(hours=2), reason="charted after the emergency",
        )  # fmt: skip
        out += list(done.movement_ids)
    return out


def _alert_row(app: VialbookApp, text: str) -> str:
    return str(next(i for i, r in enumerate(_cells(app, "#alerts")) if text in r[1]))


async def test_the_registrant_reviews_a_late_entry_from_its_alert(clinic: Clinic) -> None:
    first, second = _late_infusions(clinic)
    app = VialbookApp(clinic.db, actor=clinic.actor("drkim"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _keys(app, pilot)
        await _down_to(app, pilot, "#alerts", _alert_row(app, f"review-late {first})"))
        await _keys(app, pilot, "enter")
        assert type(app.screen).__name__ == "LateReviewModal"
        assert f"movement {first}" in _static_text(app, "#late-title")
        assert "entered late" in _static_text(app, "#late-about")
        # Someone reviews it at another workstation while the registrant is typing.
        await _keys(app, pilot, "chart matches the pump log")
        review_late(clinic.db, clinic.actor("drkim"), first, note="seen at the desk")
        before = dump(clinic.db)
        await _keys(app, pilot, "enter")
        assert type(app.screen).__name__ == "LateReviewModal"
        assert "AlreadyReviewed" in _static_text(app, "#late-error")
        assert app.screen.query_one("#late-note", Input).value == "chart matches the pump log"
        assert dump(clinic.db)["late_review"] == before["late_review"]
        await _keys(app, pilot, "escape")
        # The dashboard reads its alerts again when asked: the first has gone, the second not.
        await _keys(app, pilot, "r")
        assert not [r for r in _cells(app, "#alerts") if f"review-late {first})" in r[1]]
        await _down_to(app, pilot, "#alerts", _alert_row(app, f"review-late {second})"))
        await _keys(app, pilot, "enter", "chart matches the pump log", "enter")
        assert type(app.screen).__name__ == "DashboardScreen"
        assert f"Late entry {second} reviewed by drkim" in _static_text(app, "#status")
        assert not [r for r in _cells(app, "#alerts") if "entered late" in r[1]]
    users = {u["username"]: u["id"] for u in _rows(clinic, "app_user")}
    reviews = _rows(clinic, "late_review")
    assert [(r["movement_id"], r["reviewed_by_id"], r["note"]) for r in reviews] == [
        (first, users["drkim"], "seen at the desk"),
        (second, users["drkim"], "chart matches the pump log"),
    ]  # fmt: skip


async def test_a_manager_reads_the_late_entry_alert_and_reviews_nothing(
    sqlite_clinic: Clinic,
) -> None:
    first, _ = _late_infusions(sqlite_clinic)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _keys(app, pilot)
        await _down_to(app, pilot, "#alerts", _alert_row(app, f"review-late {first})"))
        await _keys(app, pilot, "enter")
        assert type(app.screen).__name__ == "DashboardScreen"
        assert f"(vialbook review-late {first})" in _static_text(app, "#status")
    assert _rows(sqlite_clinic, "late_review") == []


async def test_the_registrant_records_a_renewal_from_the_expiring_registration(
    clinic: Clinic,
) -> None:
    # Six weeks before the test registration's expiry (2035-01-01).
    clock.set_clock(lambda: datetime(2034, 11, 15, 18, 0, tzinfo=UTC))
    app = VialbookApp(clinic.db, actor=clinic.actor("drkim"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _keys(app, pilot)
        await _down_to(app, pilot, "#alerts", _alert_row(app, "DEA registration FK1234563"))
        await _keys(app, pilot, "enter")
        assert type(app.screen).__name__ == "RenewalModal"
        before = dump(clinic.db)
        # Not later than the expiry it replaces: refused, the typed date kept to correct.
        await _keys(app, pilot, "2035-01-01", "enter")
        assert type(app.screen).__name__ == "RenewalModal"
        assert "InvalidDate" in _static_text(app, "#renewal-error")
        assert app.screen.query_one("#renewal-expires", Input).value == "2035-01-01"
        assert dump(clinic.db)["registration"] == before["registration"]
        await _keys(app, pilot, *["backspace"] * 10, "2038-01-01", "enter")
        assert type(app.screen).__name__ == "DashboardScreen"
        assert "FK1234563 renewed: it expires on 2038-01-01" in _static_text(app, "#status")
        assert not [r for r in _cells(app, "#alerts") if "DEA registration" in r[1]]
    (reg,) = _rows(clinic, "registration")
    assert reg["expires"] == date(2038, 1, 1)


async def test_a_lot_alert_opens_its_vials_and_the_inventory_alert_the_counts(
    sqlite_clinic: Clinic,
) -> None:
    from textual.widgets import DataTable

    # Six weeks before the test lots expire (2034-06-30); no initial inventory was ever taken.
    clock.set_clock(lambda: datetime(2034, 5, 15, 18, 0, tzinfo=UTC))
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _keys(app, pilot)
        await _down_to(app, pilot, "#alerts", _alert_row(app, "lot LOT-M expires within 60"))
        await _keys(app, pilot, "enter")
        assert type(app.screen).__name__ == "VialsScreen"
        table = app.screen.query_one("#vials", DataTable)
        label = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        assert str(label).startswith("M-") and "LOT-M" in [str(c) for c in table.get_row(label)]
        await _keys(app, pilot, "escape")
        await _down_to(app, pilot, "#alerts", _alert_row(app, "no signed initial inventory"))
        await _keys(app, pilot, "enter")
        assert type(app.screen).__name__ == "CountScreen"
