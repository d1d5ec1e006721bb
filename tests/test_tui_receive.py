"""Receiving a delivery from the app, by key presses, and the labels it shows."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import col, select

from ledger import clock
from ledger.models import Receipt, Vial
from tests.support import Clinic, dump
from tests.test_tui import _dashboard_filled, _settle, _static_text
from tui.app.vialbook_app import VialbookApp

#: 10:00 in Denver on the clinic's second day.
MORNING = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)


async def _type(app: VialbookApp, pilot, *text: str) -> None:  # type: ignore[no-untyped-def]
    for t in text:
        await pilot.press(*([t] if t in ("enter", "tab", "escape") else list(t)))
    await _settle(app, pilot)


async def test_a_manager_receives_a_lot_and_sees_the_new_labels(clinic: Clinic) -> None:
    clock.set_clock(lambda: MORNING)
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "3")
        assert type(app.screen).__name__ == "ReceiveScreen"
        await _type(app, pilot, "Henry Schein", "enter", "INV-77", "enter", "enter")
        await _type(app, pilot, "00409-2051-05", "enter", "LOT9", "enter", "2027-06-30", "enter")
        await _type(app, pilot, "3", "enter")
        labels = _static_text(app, "#receive-labels")
        with clinic.db.read() as s:
            receipt = s.exec(select(Receipt).where(Receipt.invoice_number == "INV-77")).one()
            new = s.exec(
                select(Vial).where(Vial.receipt_id == receipt.id).order_by(col(Vial.label))
            ).all()
        assert [v.lot for v in new] == ["LOT9"] * 3
        assert {v.expires for v in new} == {date(2027, 6, 30)}
        assert receipt.lot == "LOT9" and receipt.received_at.replace(tzinfo=UTC) == MORNING
        for v in new:
            assert v.label in labels
        await _type(app, pilot, "escape")
        assert type(app.screen).__name__ == "DashboardScreen"
        status = app.screen.query_one("#status")
        assert f"{new[0].label} to {new[-1].label}" in _static_text(app, "#status")
        assert status.has_class("success")


async def test_an_unknown_supplier_is_refused_and_the_form_kept(sqlite_clinic: Clinic) -> None:
    before = dump(sqlite_clinic.db)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "3", "Nobody Ltd", "enter", "INV-1", "enter", "enter")
        await _type(app, pilot, "00409-2051-05", "enter", "L1", "enter", "2027-06-30", "enter")
        await _type(app, pilot, "2", "enter")
        assert type(app.screen).__name__ == "ReceiveScreen"
        assert _static_text(app, "#receive-error").split(":")[0] == "UnknownRecord"
        assert app.screen.query_one("#supplier").value == "Nobody Ltd"
    assert dump(sqlite_clinic.db) == before


async def test_billing_staff_are_not_offered_receiving(sqlite_clinic: Clinic) -> None:
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("bella"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        assert not app.screen.check_action("receive", ())
        await _type(app, pilot, "3")
        assert type(app.screen).__name__ == "DashboardScreen"


def test_receive_screen_snapshot(sqlite_clinic: Clinic, snap_compare) -> None:  # type: ignore[no-untyped-def]
    clock.set_clock(lambda: MORNING)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))

    async def received(pilot) -> None:  # type: ignore[no-untyped-def]
        await _dashboard_filled(app, pilot)
        await _type(app, pilot, "3", "Henry Schein", "enter", "INV-77", "enter", "enter")
        await _type(app, pilot, "00409-2051-05", "enter", "LOT9", "enter", "2027-06-30", "enter")
        await _type(app, pilot, "3", "enter")
        for field in app.screen.query("Input"):
            field.cursor_blink = False  # type: ignore[attr-defined]

    assert snap_compare(app, terminal_size=(120, 36), run_before=received)
