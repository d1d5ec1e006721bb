"""The PDF renderer, read back with pypdf: header and footer on every page, page numbers,
the ledger head, a known row and the totals."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pypdf
import sqlalchemy as sa

from ledger.check import run_check
from ledger.models import Movement, MovementKind, Patient, Product, Vial
from ledger.models.base import table_of
from reports import administration_log, pdf
from reports.scope import Request
from tests.reports.conftest import DEMO_DAYS, DEMO_UNTIL, demo_actor

PERIOD = Request(date(2026, 3, 1), DEMO_UNTIL)


def _pages(path: Path) -> list[str]:
    # A form XObject ("of N") extracts on its own line; compare text with spaces normalised.
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages]


def test_the_administration_log_pdf_has_header_footer_and_page_numbers_on_every_page(
    demo_db, tmp_path
) -> None:
    report = administration_log.build(demo_db, demo_actor(demo_db), PERIOD)
    out = tmp_path / "admin.pdf"
    pdf.render(report, out)
    pages = _pages(out)
    head = run_check(demo_db).head
    assert len(pages) >= 2, "the demo log should run over several pages"
    dea = report.registration
    for n, text in enumerate(pages, start=1):
        assert "Controlled substance administration log" in text
        assert f"DEA registration {dea}" in text
        assert "Period 2026-03-01 to 2026-03-31" in text
        assert f"Page {n} of {len(pages)}" in text
        assert f"Ledger head hash {head}" in text
        assert "Generated" in text and "Audrey Park (audrey)" in text
    # A continued table repeats its column headings (the last page may hold only the
    # totals and the signature lines).
    assert re.search(r"Date and time Patient Patient address", pages[1])


def test_the_pdf_shows_a_known_administration_and_the_exact_totals_per_product(
    demo_db, tmp_path
) -> None:
    m, pt, v, p = table_of(Movement), table_of(Patient), table_of(Vial), table_of(Product)
    r = m.alias("reversal")
    report = administration_log.build(demo_db, demo_actor(demo_db), PERIOD)
    with demo_db.read() as s:
        first = s.execute(
            sa.select(pt.c.name, pt.c.address, m.c.amount_ug)
            .join(pt, pt.c.id == m.c.patient_id)
            .where(m.c.kind == MovementKind.ADMINISTER)
            .order_by(m.c.event_at, m.c.id)
            .limit(1)
        ).one()
        not_reversed = ~sa.exists().where(r.c.original_id == m.c.id)
        given = s.execute(
            sa.select(p.c.name, sa.func.sum(-m.c.amount_ug))
            .join(v, v.c.id == m.c.vial_id)
            .join(p, p.c.id == v.c.product_id)
            .where(m.c.kind == MovementKind.ADMINISTER, not_reversed)
            .group_by(p.c.name)
        ).all()
    out = tmp_path / "admin.pdf"
    pdf.render(report, out)
    text = " ".join(_pages(out))
    assert first.name in text
    assert first.address.split(",")[0] in text
    # All of the demo's administrations fall inside the period (it starts DEMO_DAYS back).
    assert DEMO_DAYS < 31
    assert len(given) == 2, "the demo gives ketamine and midazolam"
    for name, ug in given:
        assert re.search(
            rf"{re.escape(name)} \(NDC [0-9-]+\) Administrations [0-9,]+ "
            rf"Given {ug // 1000:,}.{ug % 1000:03d} mg",
            text,
        ), name
    both = sum(ug for _, ug in given)
    assert f"{both // 1000:,}.{both % 1000:03d} mg" not in text, "ketamine and midazolam added"


def test_the_pdf_carries_title_author_and_the_ledger_head_in_its_metadata(
    demo_db, tmp_path
) -> None:
    report = administration_log.build(demo_db, demo_actor(demo_db), PERIOD)
    out = tmp_path / "admin.pdf"
    pdf.render(report, out)
    meta = pypdf.PdfReader(out).metadata
    assert meta.title == "Controlled substance administration log"
    assert meta.author == "Audrey Park (audrey)"
    assert run_check(demo_db).head in (meta.get("/Keywords") or "")


def test_a_wide_report_is_printed_landscape_on_letter(demo_db, tmp_path) -> None:
    report = administration_log.build(demo_db, demo_actor(demo_db), PERIOD)
    out = tmp_path / "admin.pdf"
    pdf.render(report, out)
    box = pypdf.PdfReader(out).pages[0].mediabox
    assert (int(box.width), int(box.height)) == (792, 612)


def test_a_patient_name_outside_latin_1_prints_in_the_pdf(sqlite_clinic, tmp_path) -> None:
    from ledger import clock
    from ledger.services.infusions import record_infusion
    from ledger.services.patients import NewPatient, add_patient
    from ledger.settings import clinic_timezone

    name = "Nguyễn Thị Łukasz"
    row = add_patient(
        sqlite_clinic.db,
        sqlite_clinic.actor("nina"),
        NewPatient(name, "12 Żółta St, Denver", date(1988, 8, 8)),
    )
    record_infusion(
        sqlite_clinic.db,
        sqlite_clinic.actor("nina"),
        patient=row.mrn,
        vial="K-000001",
        drawn_ug=30_000,
        given_ug=30_000,
        wasted_ug=0,
    )
    # The clinic's date, not the UTC one: every evening in Denver the UTC date is tomorrow.
    today = clock.clinic_today(clinic_timezone(sqlite_clinic.db))
    report = administration_log.build(
        sqlite_clinic.db, sqlite_clinic.actor("audrey"), Request(today, today)
    )
    out = tmp_path / "unicode.pdf"
    pdf.render(report, out)
    text = " ".join(_pages(out))
    assert name in text
    assert "Żółta" in text
