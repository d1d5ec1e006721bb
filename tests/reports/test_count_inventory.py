"""The inventory a count found (`export inventory --count ID`): sealed containers exact,
opened containers in mL, expired and quarantined stock listed apart, missing vials named,
who counted, witnessed and signed, read back from the real PDF and XLSX. The book-side
inventory says plainly that it is the book."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pypdf
import pytest

from ledger import clock
from ledger.errors import NotAnInventory
from ledger.services import counts, receiving
from ledger.services.infusions import record_infusion
from ledger.services.inventories import sign_count
from ledger.services.quarantine import quarantine
from ledger.services.settings import update_settings
from reports import xlsx
from reports.export import export_report
from reports.inventory import build
from reports.scope import Request
from tests.reliability.cli import vialbook
from tests.support import KETAMINE_100, Clinic

RECEIVED = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
OPENED = datetime(2026, 4, 1, 16, 0, tzinfo=UTC)  # within its 28-day beyond-use date
COUNTED = datetime(2026, 4, 6, 14, 0, tzinfo=UTC)  # 08:00 in Denver, before opening


def _at(moment: datetime) -> None:
    clock.set_clock(lambda: moment)


def _signed_inventory(clinic: Clinic) -> int:
    """K-000001 opened (9.1 mL), K-000003 quarantined, KH lot expired on 2026-03-31,
    K-000005 missing; an initial inventory at the opening of business, signed."""
    _at(RECEIVED)
    maria = clinic.actor("maria")
    receiving.receive(
        clinic.db, maria, supplier="Henry Schein", invoice_number="INV-9", ndc=KETAMINE_100,
        lot="LOT-X", expires=date(2026, 3, 31), vials=2,
    )  # fmt: skip
    quarantine(clinic.db, maria, vial="K-000003", reason="cap looks tampered")
    _at(OPENED)
    record_infusion(
        clinic.db, clinic.actor("nina"), patient="MRN1", vial="K-000001", drawn_ug=45_000,
        given_ug=45_000, wasted_ug=0, witness=clinic.witness("omar"),
    )  # fmt: skip
    _at(COUNTED)
    count = counts.start_count(clinic.db, maria, kind="initial", at="opening", witness="omar")
    readings = {"K-000001": "9.1mL", "K-000002": "present", "K-000003": "present",
                "K-000004": "present", "K-000005": "missing", "KH-000001": "present",
                "KH-000002": "present", "M-000001": "present", "M-000002": "present",
                "M-000003": "present"}  # fmt: skip
    for vial, reading in readings.items():
        counts.record_line(clinic.db, maria, count, vial=vial, reading=reading)
    counts.submit_count(clinic.db, maria, count)
    sign_count(clinic.db, clinic.actor("drkim"), count)
    return count


def _sheet(path: Path, name: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)[name]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    out = []
    for r in rows[1:]:
        if r[0] is None:
            break
        out.append(dict(zip(head, r, strict=False)))
    return out


def _about(path: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path)["About"]
    return {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}


def test_the_counted_inventory_lists_what_the_count_found(clinic: Clinic, tmp_path) -> None:
    count = _signed_inventory(clinic)
    report = build(clinic.db, clinic.actor("audrey"), Request(date.min, date.min, count=count))
    out = tmp_path / "inventory.xlsx"
    xlsx.render(report, out)
    sealed = _sheet(out, "Sealed containers")
    assert [(r["Product"], r["Lot"], r["Sealed containers"], Decimal(str(r["Total mg"])))
            for r in sealed] == [
        ("Ketamine 50 mg/mL", "LOT-A", 2, Decimal(1000)),
        ("Midazolam 1 mg/mL", "LOT-M", 3, Decimal(6)),
    ]  # fmt: skip
    (opened,) = _sheet(out, "Opened containers")
    assert opened["Vial"] == "K-000001"
    assert Decimal(str(opened["Counted mL"])) == Decimal("9.1")
    assert Decimal(str(opened["Counted mg"])) == Decimal(455)
    apart = {r["Vial"]: r["Status"] for r in _sheet(out, "Awaiting disposal")}
    assert apart == {"K-000003": "quarantined", "KH-000001": "expired", "KH-000002": "expired"}
    (missing,) = _sheet(out, "Not on the shelf")
    assert (missing["Vial"], missing["Status"]) == ("K-000005", "missing from the shelf")
    about = _about(out)
    assert about["Taken at"] == "opening of business on 2026-04-06"
    assert about["Witnessed by"] == "Omar (omar)"
    assert str(about["Signed by the registrant"]).startswith("Drkim (drkim) on 2026-04-06")
    assert about["Next biennial inventory due"] == "2028-04-06"
    assert about["Opened containers"] == "estimated from the graduations"
    update_settings(clinic.db, clinic.actor("admin"), exact_open_counts=True)
    again = build(clinic.db, clinic.actor("audrey"), Request(date.min, date.min, count=count))
    assert dict((f.label, f.value) for f in again.filters)["Opened containers"].startswith("exact")


def test_the_pdf_names_who_counted_witnessed_and_signed(clinic: Clinic, tmp_path) -> None:
    count = _signed_inventory(clinic)
    out = tmp_path / "inventory.pdf"
    shown = vialbook(clinic.db.url, "export", "inventory", "--count", str(count), "--out",
                     str(out), user="drkim")  # fmt: skip
    assert shown.exit_code == 0, shown.output
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(out).pages)
    assert "as counted" in text and "Drkim (drkim) on 2026-04-06" in text
    assert "Omar (omar)" in text and "K-000005" in text and "missing from the shelf" in text
    assert "awaiting disposal" in text and "KH-000001" in text


def test_a_routine_count_is_not_an_inventory(clinic: Clinic, tmp_path) -> None:
    maria = clinic.actor("maria")
    count = counts.start_count(clinic.db, maria)
    counts.submit_count(clinic.db, maria, count)
    with pytest.raises(NotAnInventory):
        export_report(clinic.db, clinic.actor("drkim"), report="inventory",
                      request=Request(date.min, date.min, count=count), fmt="pdf",
                      out=tmp_path / "x.pdf")  # fmt: skip
    assert not (tmp_path / "x.pdf").exists()


def test_the_book_side_inventory_says_it_is_the_book(clinic: Clinic, tmp_path) -> None:
    out = tmp_path / "book.pdf"
    shown = vialbook(clinic.db.url, "export", "inventory", "--to", "2026-03-01", "--out",
                     str(out), user="drkim")  # fmt: skip
    assert shown.exit_code == 0, shown.output
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(out).pages)
    assert "the book, not a count" in text
    assert "not a physical count" in text
