"""The exports screen: a report, a period and a format; a progress bar of rows done of rows
total reaching 100%; the file on disk and its sha256 shown, and the export audited."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import sqlalchemy as sa
from textual.widgets import Button, Input, ProgressBar

from ledger import clock
from ledger.models import AuditEvent
from ledger.models.base import table_of
from ledger.services.infusions import record_infusion
from reports.row_count import BUNDLE
from tests.support import Clinic, dump
from tests.test_tui import _settle, _static_text
from tui.app.exports_screen import CHOICES
from tui.app.vialbook_app import VialbookApp

#: 10:00 in Denver on the clinic's second day: the period defaults to 2026-01-01..06.
MORNING = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)


async def _export(app: VialbookApp, pilot, downs: int, folder: Path, fmt: str | None) -> None:  # type: ignore[no-untyped-def]
    await _settle(app, pilot)
    await pilot.press("6")
    await _settle(app, pilot)
    assert type(app.screen).__name__ == "ExportsScreen"
    await pilot.press(*["down"] * downs, "enter")  # the report, then on to its period
    app.screen.query_one("#x-folder", Input).value = str(folder)
    if fmt is not None:
        app.screen.query_one("#x-format", Input).value = fmt
    # Enter down the shown fields; on the last one it exports.
    for _ in range(8):
        if type(app.screen).__name__ != "ExportsScreen" or "sha256" in _static_text(
            app, "#export-result"
        ):
            break
        await pilot.press("enter")
        await _settle(app, pilot)


def _audited(db, action: str) -> list[dict]:  # type: ignore[no-untyped-def]
    a = table_of(AuditEvent)
    with db.read() as s:
        rows = s.execute(sa.select(a.c.sha256, a.c.detail).where(a.c.action == action)).all()
    return [dict(json.loads(d), sha=h) for h, d in rows]


async def test_an_export_reaches_100_percent_with_the_file_and_its_sha256(
    clinic: Clinic, tmp_path: Path
) -> None:
    clock.set_clock(lambda: MORNING)
    record_infusion(
        clinic.db,
        clinic.actor("nina"),
        patient="MRN1",
        vial="K-000001",
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
        witness=clinic.witness("omar"),
    )
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _export(app, pilot, 2, tmp_path, "xlsx")  # proof-of-use
        bar = app.screen.query_one("#export-progress", ProgressBar)
        result = _static_text(app, "#export-result")
        rows = _static_text(app, "#export-rows")
        assert bar.percentage == 1 and bar.progress == bar.total
    out = tmp_path / "proof-of-use_2026-01-01_2026-01-06.xlsx"
    sha = hashlib.sha256(out.read_bytes()).hexdigest()
    assert result == f"Written: {out}\nsha256 {sha}"
    # Every movement of the period, one row each: 8 receipts, the dose and its waste.
    assert rows == "10 of 10 rows written" and bar.total == 10
    # The file holds those rows: entry numbers 1..10 read back from the spreadsheet.
    sheet = openpyxl.load_workbook(out, read_only=True).worksheets[0]
    lines = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(line[3] for line in lines[:10]) == list(range(1, 11)) and lines[10] == ()
    [event] = _audited(clinic.db, "export")
    assert (event["report"], event["format"], event["sha"]) == ("proof-of-use", "xlsx", sha)


async def test_the_auditor_bundle_is_a_choice_and_an_auditor_may_take_it(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    clock.set_clock(lambda: MORNING)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("audrey"))
    async with app.run_test(size=(120, 36)) as pilot:
        # The bundle is the last choice, after every report of `export list`.
        await _export(app, pilot, [name for name, _ in CHOICES].index(BUNDLE), tmp_path, None)
        bar = app.screen.query_one("#export-progress", ProgressBar)
        result = _static_text(app, "#export-result")
        assert bar.percentage == 1
    out = tmp_path / "auditor-bundle_2026-01-01_2026-01-06.zip"
    assert result == f"Written: {out}\nsha256 {hashlib.sha256(out.read_bytes()).hexdigest()}"
    with zipfile.ZipFile(out) as z:
        assert "MANIFEST.json" in z.namelist()


async def test_a_refused_export_says_why_and_writes_nothing(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    clock.set_clock(lambda: MORNING)
    folder = tmp_path / "exports"
    folder.mkdir()
    before = dump(sqlite_clinic.db)
    app = VialbookApp(sqlite_clinic.db, actor=sqlite_clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await pilot.press("6")
        await _settle(app, pilot)
        app.screen.query_one("#x-from", Input).value = "2026-02-01"
        app.screen.query_one("#x-folder", Input).value = str(folder)
        await pilot.press("enter", "enter", "enter", "enter", "enter")
        await _settle(app, pilot)
        assert _static_text(app, "#export-result").startswith("InvalidDate")
        assert app.screen.query_one("#x-from", Input).value == "2026-02-01"
    assert list(folder.iterdir()) == []
    assert dump(sqlite_clinic.db) == before


async def test_the_signed_inventory_of_a_count_is_printed_from_the_app(
    clinic: Clinic, tmp_path: Path
) -> None:
    """The inventory report with a count's number is that count's signed inventory, not the
    book; a number that is not one is refused and nothing is written."""
    from ledger.services import counts
    from ledger.services.inventories import sign_count
    from reports.catalogue import REPORTS

    clock.set_clock(lambda: MORNING)
    maria = clinic.actor("maria")
    count = counts.start_count(clinic.db, maria, kind="initial", at="opening", witness="omar")
    for vial in ("K-000001", "K-000002", "K-000003", "K-000004", "K-000005"):
        counts.record_line(clinic.db, maria, count, vial=vial, reading="present")
    for vial in ("M-000001", "M-000002", "M-000003"):
        counts.record_line(clinic.db, maria, count, vial=vial, reading="missing")
    counts.submit_count(clinic.db, maria, count)
    sign_count(clinic.db, clinic.actor("drkim"), count)
    downs = [k.name for k in REPORTS].index("inventory")
    folder = tmp_path / "exports"
    folder.mkdir()
    app = VialbookApp(clinic.db, actor=maria)
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await pilot.press("6")
        await _settle(app, pilot)
        await pilot.press(*["down"] * downs)
        await _settle(app, pilot)
        assert app.screen.query_one("#x-count", Input).display
        assert not app.screen.query_one("#x-discrepancy", Input).display
        app.screen.query_one("#x-folder", Input).value = str(folder)
        app.screen.query_one("#x-format", Input).value = "xlsx"
        app.screen.query_one("#x-count", Input).value = "one"
        app.screen.query_one("#export", Button).press()
        await _settle(app, pilot)
        assert "InvalidText" in _static_text(app, "#export-result")
        assert list(folder.iterdir()) == []
        app.screen.query_one("#x-count", Input).value = str(count)
        app.screen.query_one("#export", Button).press()
        await _settle(app, pilot)
        result = _static_text(app, "#export-result")
    out = folder / f"inventory-count-{count}_2026-01-06_2026-01-06.xlsx"
    assert result.startswith(f"Written: {out}")
    book = openpyxl.load_workbook(out)
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True) if r and r[0]}
    assert str(about["Signed by the registrant"]).startswith("Drkim (drkim) on 2026-01-06")
    rows = [r[0] for r in book["Not on the shelf"].iter_rows(min_row=2, values_only=True)]
    assert rows[: rows.index(None)] == ["M-000001", "M-000002", "M-000003"]
