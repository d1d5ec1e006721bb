"""Every report's PDF, read back line by line: an identifier, a date or an amount is never cut
across two lines, and a column heading breaks only between words."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pypdf
import pytest
import sqlalchemy as sa

from reports import pdf
from reports.catalogue import REPORTS
from reports.model import Kind, Report
from reports.scope import Request
from tests.reports.conftest import DEMO_UNTIL, demo_actor

PERIOD = Request(date(2026, 3, 1), DEMO_UNTIL)

#: The only columns that may wrap: names, addresses, reasons, methods and notes.
FREE_TEXT = {
    "Supplier",
    "Supplier address",
    "Product",
    "Drug name",
    "Form",
    "Patient",
    "Patient address",
    "Patient (residue of)",
    "Administered by",
    "Waste witness",
    "Received by",
    "Recorded by",
    "By",
    "Witness",
    "Witness 1",
    "Witness 2",
    "Reason",
    "Method",
    "Note",
    "Status",
    "Reverse distributor",
    "Distributor address",
    "Reference",
    "Registrant",
    "Discrepancy",
    "Form 106 status",
    "User",
    "Detail",
}


def _lines(path: Path) -> list[str]:
    return [
        line.strip()
        for page in pypdf.PdfReader(path).pages
        for line in page.extract_text().splitlines()
    ]


def _render(report: Report, tmp_path: Path) -> list[str]:
    out = tmp_path / f"{report.name}.pdf"
    pdf.render(report, out)
    return _lines(out)


def _built(db, name: str) -> Report:  # type: ignore[no-untyped-def]
    kind = next(k for k in REPORTS if k.name == name)
    return kind.build(db, demo_actor(db), PERIOD)


@pytest.mark.parametrize("name", [k.name for k in REPORTS])
def test_no_identifier_date_or_amount_is_split_across_lines(
    busy_demo_db, tmp_path: Path, name: str
) -> None:
    report = _built(busy_demo_db, name)
    lines = _render(report, tmp_path)
    checked = 0
    for part in report.parts:
        for row in part.iter_rows():
            for value, col in zip(row, part.columns, strict=True):
                if col.heading in FREE_TEXT and col.kind == Kind.TEXT:
                    continue
                text = pdf.cell_text(value, col.kind, col.places)
                if not text:
                    continue
                checked += 1
                assert any(text in line for line in lines), (name, col.heading, text)
    assert checked, f"the busy demo should give the {name} some rows"


@pytest.mark.parametrize("name", [k.name for k in REPORTS])
def test_only_free_text_columns_are_allowed_to_wrap(busy_demo_db, name: str) -> None:
    report = _built(busy_demo_db, name)
    for part in report.parts:
        for col in part.columns:
            assert col.wrap == (col.heading in FREE_TEXT and col.kind == Kind.TEXT), (
                name,
                col.heading,
            )


def test_the_receiving_log_prints_each_supplier_dea_ndc_lot_and_expiry_whole(
    busy_demo_db, tmp_path: Path
) -> None:
    lines = _render(_built(busy_demo_db, "receiving-log"), tmp_path)
    with busy_demo_db.engine.connect() as conn:
        values = conn.execute(
            sa.text(
                "select s.dea_number, p.ndc, r.lot, r.expires, r.invoice_number from receipt r "
                "join supplier s on s.id = r.supplier_id join product p on p.id = r.product_id"
            )
        ).all()
    assert values
    for row in values:
        for value in row:
            text = value.isoformat() if isinstance(value, date) else str(value)
            assert any(text in line for line in lines), text


@pytest.mark.parametrize("name", [k.name for k in REPORTS])
def test_column_headings_break_between_words_only(busy_demo_db, tmp_path, name: str) -> None:
    report = _built(busy_demo_db, name)
    words = {word for line in _render(report, tmp_path) for word in line.split()}
    for part in report.parts:
        for col in part.columns:
            for word in col.heading.split():
                assert word in words, (name, col.heading, word)
