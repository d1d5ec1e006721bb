"""Administration in the app (admin only): users, clinic settings, the catalogue, patients."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select
from textual.widgets import DataTable, Input

from ledger.auth import login
from ledger.models import ClinicSettings, Patient, Supplier, User
from tests.support import SUPPLIER_DEA, Clinic, dump
from tests.test_tui import _row, _settle, _static_text
from tui.app.vialbook_app import VialbookApp

NAMED = ("enter", "tab", "escape", "down")


async def _type(app: VialbookApp, pilot, *text: str) -> None:  # type: ignore[no-untyped-def]
    for t in text:
        await pilot.press(*([t] if t in NAMED else list(t)))
    await _settle(app, pilot)


def _user(clinic: Clinic, username: str) -> User | None:
    with clinic.db.read() as s:
        return s.exec(select(User).where(User.username == username)).first()


async def test_an_admin_adds_a_nurse_who_can_then_log_in(clinic: Clinic) -> None:
    app = VialbookApp(clinic.db, actor=clinic.actor("admin"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "7", "u", "a")
        assert type(app.screen).__name__ == "RecordForm"
        await _type(app, pilot, "rita", "enter", "Rita Reyes, RN", "enter", "nurse", "enter")
        await _type(app, pilot, "rita-new-pass-1", "enter", "rita-new-pass-1", "enter")
        assert type(app.screen).__name__ == "AdminUsersScreen"
        assert _static_text(app, "#users-status") == "User rita added (nurse)"
        table = app.screen.query_one("#users", DataTable)
        assert "rita" in [_row(table, i)[0] for i in range(table.row_count)]
    rita = _user(clinic, "rita")
    assert rita is not None and (rita.full_name, rita.roles, rita.active) == (
        "Rita Reyes, RN",
        "nurse",
        True,
    )
    assert login(clinic.db, "rita", "rita-new-pass-1").username == "rita"


async def test_two_different_passwords_add_nobody_and_keep_the_form(sqlite_clinic: Clinic) -> None:
    before = dump(sqlite_clinic.db)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("admin"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "7", "u", "a", "rita", "enter", "Rita", "enter", "nurse", "enter")
        await _type(app, pilot, "rita-new-pass-1", "enter", "rita-new-pass-2", "enter")
        assert type(app.screen).__name__ == "RecordForm"
        assert _static_text(app, "#record-form-error").startswith("InvalidText: the two passwords")
        typed = {i.id: i.value for i in app.screen.query(Input)}
        assert typed == {
            "username": "rita",
            "full_name": "Rita",
            "roles": "nurse",
            "password": "",
            "again": "",
        }
    assert dump(sqlite_clinic.db) == before


async def test_an_admin_resets_a_password_typed_twice_and_disables_a_user(
    sqlite_clinic: Clinic,
) -> None:
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("admin"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "7", "u")
        table = app.screen.query_one("#users", DataTable)
        names = [_row(table, i)[0] for i in range(table.row_count)]
        table.move_cursor(row=names.index("omar"))
        await _type(app, pilot, "w", "omar-fresh-pw-9", "enter", "omar-fresh-pw-9", "enter")
        assert _static_text(app, "#users-status") == "Password of omar reset"
        table.move_cursor(row=names.index("bella"))
        await _type(app, pilot, "x")
        assert _static_text(app, "#users-status") == "User bella disabled"
    assert login(sqlite_clinic.db, "omar", "omar-fresh-pw-9").username == "omar"
    bella = _user(sqlite_clinic, "bella")
    assert bella is not None and not bella.active


async def test_an_admin_changes_a_setting_and_adds_a_supplier(sqlite_clinic: Clinic) -> None:
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("admin"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "7", "s", "e")
        assert type(app.screen).__name__ == "RecordForm"
        app.screen.query_one("#late_entry_minutes", Input).value = "30"
        app.screen.query_one("#record-form-save").press()
        await _settle(app, pilot)
        assert _static_text(app, "#settings-status") == "Settings saved: late entry minutes"
        await _type(app, pilot, "escape", "g", "s", "McKesson", "enter", "1 Post St, SF")
        await _type(app, pilot, "enter", SUPPLIER_DEA, "enter")
        assert _static_text(app, "#catalogue-status") == "Supplier McKesson added"
    with sqlite_clinic.db.read() as s:
        assert s.get(ClinicSettings, 1).late_entry_minutes == 30
        assert s.exec(select(Supplier).where(Supplier.name == "McKesson")).one()


async def test_a_csv_with_a_bad_line_is_named_and_imports_nothing(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    bad = tmp_path / "patients.csv"
    bad.write_text("name,address,dob\nAnn Lee,1 Main St,1970-01-01\nBo Chan,2 Main St,02/03/1980\n")
    good = tmp_path / "more.csv"
    good.write_text("name,address,dob\nAnn Lee,1 Main St,1970-01-01\n")
    before = dump(sqlite_clinic.db)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("admin"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _type(app, pilot, "7", "t", "m", str(bad), "enter")
        assert type(app.screen).__name__ == "RecordForm"
        error = _static_text(app, "#record-form-error")
        assert error.startswith("ImportRejected: line 3:"), error
        assert dump(sqlite_clinic.db) == before
        app.screen.query_one("#path", Input).value = str(good)
        await _type(app, pilot, "enter")
        assert _static_text(app, "#patients-status") == "1 patients imported from more.csv"
    with sqlite_clinic.db.read() as s:
        assert s.exec(select(Patient).where(Patient.name == "Ann Lee")).one().address == "1 Main St"


async def test_a_manager_has_no_admin_area(sqlite_clinic: Clinic) -> None:
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        assert not app.screen.check_action("show_admin", ())
        await _type(app, pilot, "7")
        assert type(app.screen).__name__ == "DashboardScreen"
