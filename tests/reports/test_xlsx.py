"""The XLSX renderer, read back with openpyxl: typed cells, frozen bold header, autofilter,
print setup, escaped formulas, and figures equal to the ledger's to the microgram."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from ledger import clock
from ledger.check import run_check
from ledger.models import VialBalance
from ledger.queries.vials import vial_strength
from ledger.services.infusions import record_infusion
from ledger.services.patients import NewPatient, add_patient
from ledger.settings import clinic_timezone
from reports import administration_log, xlsx
from reports.scope import Request
from tests.support import Clinic

EVIL = '=HYPERLINK("http://evil.example/x","click me")'


def _today(clinic: Clinic) -> date:
    """The clinic's date now: the UTC date is tomorrow in Denver every evening."""
    return clock.clinic_today(clinic_timezone(clinic.db))


def _two_infusions(clinic: Clinic) -> None:
    nina = clinic.actor("nina")
    add_patient(
        clinic.db, nina, NewPatient(EVIL, "+1 Formula Way, Denver", date(1990, 1, 1), "MRN9", None)
    )
    for mrn, given in (("MRN1", 40_000), ("MRN9", 37_500)):
        record_infusion(
            clinic.db,
            nina,
            patient=mrn,
            vial="K-000001",
            drawn_ug=45_000,
            given_ug=given,
            wasted_ug=45_000 - given,
            witness=clinic.witness("omar"),
        )


def _export(clinic: Clinic, tmp_path) -> openpyxl.Workbook:  # type: ignore[no-untyped-def]
    day = _today(clinic)
    report = administration_log.build(clinic.db, clinic.actor("audrey"), Request(day, day))
    out = tmp_path / "admin.xlsx"
    xlsx.render(report, out)
    return openpyxl.load_workbook(out)


def test_cells_are_typed_and_equal_the_ledger(clinic: Clinic, tmp_path) -> None:
    _two_infusions(clinic)
    book = _export(clinic, tmp_path)
    assert book.sheetnames == ["Administrations", "About"]  # the data opens first
    ws = book["Administrations"]
    head = [c.value for c in ws[1]]
    rows = [
        dict(zip(head, (c for c in r), strict=True)) for r in ws.iter_rows(min_row=2, max_row=3)
    ]
    first, second = rows
    assert isinstance(first["Date and time"].value, datetime)
    assert first["Date and time"].number_format == xlsx.DATETIME_FORMAT
    for key in ("Given mg", "Wasted mg", "Vial left mg", "Given mL"):
        assert first[key].data_type == "n", key
        assert not isinstance(first[key].value, str), key
    assert first["Given mg"].number_format == "0.000"
    assert Decimal(str(first["Given mg"].value)) == Decimal("40.000")
    assert Decimal(str(first["Given mL"].value)) == Decimal("0.80")
    assert Decimal(str(second["Given mg"].value)) == Decimal("37.500")
    assert Decimal(str(second["Wasted mg"].value)) == Decimal("7.500")
    assert first["Waste witness"].value == "Omar"
    with clinic.db.read() as s:
        from sqlmodel import select

        from ledger.models import Vial

        vial = s.exec(select(Vial).where(Vial.label == "K-000001")).one()
        balance = s.get(VialBalance, vial.id).balance_ug
    assert balance == 500_000 - 90_000
    assert Decimal(str(second["Vial left mg"].value)) * 1000 == balance
    assert Decimal(str(first["Vial left mg"].value)) * 1000 == 500_000 - 45_000
    assert vial_strength(clinic.db, "K-000001") == 50_000


def test_a_patient_named_like_a_formula_stays_text(clinic: Clinic, tmp_path) -> None:
    _two_infusions(clinic)
    ws = _export(clinic, tmp_path)["Administrations"]
    cell = ws.cell(row=3, column=2)
    assert cell.value == "'" + EVIL
    assert cell.data_type == "s"
    assert ws.cell(row=3, column=3).value == "'+1 Formula Way, Denver"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row if c.value is not None)


def test_header_is_bold_frozen_filtered_and_prints_landscape(clinic: Clinic, tmp_path) -> None:
    _two_infusions(clinic)
    ws = _export(clinic, tmp_path)["Administrations"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:P3"
    assert all(c.font.b for c in ws[1])
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"
    assert ws.column_dimensions["C"].width >= 28


def test_totals_and_about_sheet_tie_to_the_ledger(clinic: Clinic, tmp_path) -> None:
    _two_infusions(clinic)
    book = _export(clinic, tmp_path)
    totals = {
        r[0].value: r[1].value
        for r in book["Administrations"].iter_rows(min_row=5)
        if r[0].value and r[1].value is not None
    }
    assert totals["Administrations"] == 2
    assert Decimal(str(totals["Given (mg)"])) == Decimal("77.5")
    assert Decimal(str(totals["Residue wasted at the chair (mg)"])) == Decimal("12.5")
    about = {r[0].value: r[1].value for r in book["About"].iter_rows(min_row=3) if r[0].value}
    assert about["Ledger head hash"] == run_check(clinic.db).head
    assert about["DEA registration"] == "FK1234563"
    assert about["Generated by"] == "Audrey (audrey)"
    head = run_check(clinic.db).movements
    assert about["Ledger head sequence"] == head and isinstance(head, int)
    assert isinstance(about["First movement covered"], int)
    assert isinstance(about["Last movement covered"], int)


@pytest.mark.parametrize(
    "text,stored",
    [("=1+1", "'=1+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("Pat One", "Pat One")],
)
def test_formula_escaping_rule(text: str, stored: str) -> None:
    assert xlsx.safe_text(text) == stored


def test_text_that_looks_like_an_excel_error_stays_text(sqlite_clinic, tmp_path) -> None:
    from datetime import date as day

    import openpyxl

    from ledger.services.infusions import record_infusion
    from ledger.services.patients import NewPatient, add_patient
    from reports import administration_log, xlsx
    from reports.scope import Request

    row = add_patient(
        sqlite_clinic.db,
        sqlite_clinic.actor("nina"),
        NewPatient("#N/A", "1 Error St", day(1980, 1, 1)),
    )
    record_infusion(
        sqlite_clinic.db,
        sqlite_clinic.actor("nina"),
        patient=row.mrn,
        vial="K-000001",
        drawn_ug=10_000,
        given_ug=10_000,
        wasted_ug=0,
    )
    today = _today(sqlite_clinic)
    out = tmp_path / "errors.xlsx"
    xlsx.render(
        administration_log.build(
            sqlite_clinic.db, sqlite_clinic.actor("audrey"), Request(today, today)
        ),
        out,
    )
    ws = openpyxl.load_workbook(out)["Administrations"]
    names = [c for c in ws.iter_rows(min_row=2, max_col=2, values_only=False) if c[1].value]
    assert names[0][1].value == "#N/A" and names[0][1].data_type == "s"


def test_every_sheet_name_fits_excel_whole_and_the_data_opens_first(demo_db, tmp_path) -> None:
    from reports.catalogue import REPORTS
    from tests.reports.conftest import DEMO_UNTIL, demo_actor

    for kind in REPORTS:
        report = kind.build(demo_db, demo_actor(demo_db), Request(DEMO_UNTIL, DEMO_UNTIL))
        out = tmp_path / f"{kind.name}.xlsx"
        xlsx.render(report, out)
        names = openpyxl.load_workbook(out, read_only=True).sheetnames
        assert names == [p.sheet_name for p in report.parts] + ["About"], kind.name
        assert all(len(name) <= 31 for name in names), names
