"""What people typed is shown as typed: a name or reason holding Rich markup ("[b]", "[/]")
prints literally on the dashboard, in the ledger browser and in a refusal, and never stops
the screen with a markup error."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select
from textual.widgets import DataTable

from ledger import clock
from ledger.models import Movement
from ledger.services.corrections import reverse
from ledger.services.infusions import record_infusion
from ledger.services.patients import NewPatient, add_patient
from tests.support import Clinic
from tests.test_tui import _dashboard_filled, _settle, _static_text, _tables_drawn
from tui.app.vialbook_app import VialbookApp

NAME = "Ann [b]Lee[/b] [/]"
REASON = "charted against [red]the wrong[/] patient [/]"


def _row_text(app: VialbookApp, selector: str, row: int) -> str:
    table = app.screen.query_one(selector, DataTable)
    return " ".join(str(c) for c in table.get_row_at(row))


async def test_markup_typed_into_the_ledger_prints_as_typed(sqlite_clinic: Clinic) -> None:
    clinic = sqlite_clinic
    clock.set_clock(lambda: datetime(2026, 1, 6, 16, 0, tzinfo=UTC))
    add_patient(
        clinic.db,
        clinic.actor("nina"),
        NewPatient(NAME, "1 [i]Main[/i] St", date(1970, 3, 3), "MRN9", 70_000),
    )
    done = record_infusion(
        clinic.db, clinic.actor("nina"), patient="MRN9", vial="K-000001", drawn_ug=45_000,
        given_ug=40_000, wasted_ug=5_000, witness=clinic.witness("omar"),
    )  # fmt: skip
    clock.set_clock(lambda: datetime(2026, 1, 6, 17, 0, tzinfo=UTC))
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _dashboard_filled(app, pilot)
        await _tables_drawn(app, pilot, "#today")
        assert NAME in _row_text(app, "#today", 0)
        # The screen was drawn with it: a markup error would have ended the app here.
        assert app.export_screenshot()

        with clinic.db.read() as s:
            first = s.exec(select(Movement).where(Movement.infusion_id == done.infusion_id)).first()
        assert first is not None and first.id is not None
        reverse(
            clinic.db, clinic.actor("drkim"), movement_id=first.id, reason=REASON,
            witness=clinic.witness("omar"),
        )  # fmt: skip
        await pilot.press("5")
        await _tables_drawn(app, pilot, "#log")
        # The newest movement, the reversal, is highlighted: the line under the table gives
        # its reason, as typed.
        assert REASON in _static_text(app, "#log-detail")
        assert app.export_screenshot()
        await _settle(app, pilot)
