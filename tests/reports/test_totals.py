"""Totals an auditor can put side by side: per product, never across drugs; reversed entries
left out and shown on their own line, the same way in every report; attested logs signed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pypdf
import pytest

from reports import accountability, pdf, waste_log
from reports.catalogue import REPORTS
from reports.model import Report
from reports.scope import Request, open_scope
from tests.reports.conftest import DEMO_UNTIL, demo_actor

PERIOD = Request(date(2026, 3, 1), DEMO_UNTIL)
KETAMINE_50 = "Schedule III: Ketamine HCl 50 mg/mL (NDC 00409-2051-05)"


def _build(db, name: str, request: Request = PERIOD) -> Report:  # type: ignore[no-untyped-def]
    return next(k for k in REPORTS if k.name == name).build(db, demo_actor(db), request)


@pytest.mark.parametrize("name", [k.name for k in REPORTS])
def test_no_total_adds_two_drugs_together(busy_demo_db, name: str) -> None:
    report = _build(busy_demo_db, name)
    for part in report.parts:
        for total in part.totals:
            if total.unit == "mg":
                assert total.group.startswith("Schedule "), (name, total.label)


def test_the_waste_log_leaves_reversed_waste_out_and_agrees_with_the_accountability_audit(
    busy_demo_db,
) -> None:
    report = waste_log.build(busy_demo_db, demo_actor(busy_demo_db), PERIOD)
    totals = {t.label: t.value for t in report.parts[0].totals if t.group == KETAMINE_50}
    with busy_demo_db.read() as s:
        scope = open_scope(s, demo_actor(busy_demo_db), PERIOD)
        audit = next(a for a in accountability.figures(s, scope) if a.ndc == "00409-2051-05")
    assert totals["Wasted: reversed, left out (1 entry)"] == Decimal("1.000")
    assert totals["Wasted"] == Decimal(audit.out("waste")) / 1000
    rows = list(report.parts[0].iter_rows())
    assert any("reversed by #" in str(row[-1]) for row in rows)


@pytest.mark.parametrize(
    "name",
    ["receiving-log", "administration-log", "waste-log", "destruction-log", "loss-log"],
)
def test_every_log_says_how_it_counts_reversed_entries(busy_demo_db, name: str) -> None:
    report = _build(busy_demo_db, name)
    for part in report.parts:
        if any(t.group for t in part.totals):
            assert "left out of the totals" in part.note, (name, part.title)
            assert any(t.label.endswith(("(0 entries)", "(1 entry)")) or "reversed, left out"
                       in t.label for t in part.totals), (name, part.title)  # fmt: skip
    accountability_note = _build(busy_demo_db, "accountability-audit").parts[0].note
    assert "Reversed entries are left out" in accountability_note


def test_the_administration_log_has_a_schedule_column_and_a_schedule_filter(busy_demo_db) -> None:
    whole = _build(busy_demo_db, "administration-log")
    headings = [c.heading for c in whole.parts[0].columns]
    schedules = {row[headings.index("Schedule")] for row in whole.parts[0].iter_rows()}
    assert schedules == {"III", "IV"}
    only_iv = _build(
        busy_demo_db, "administration-log", Request(date(2026, 3, 1), DEMO_UNTIL, schedule=4)
    )
    assert {row[headings.index("Schedule")] for row in only_iv.parts[0].iter_rows()} == {"IV"}
    assert {t.group for t in only_iv.parts[0].totals} == {
        "Schedule IV: Midazolam 1 mg/mL (NDC 00641-6057-10)"
    }
    assert ("Schedule", "IV") in [(f.label, f.value) for f in only_iv.filters]


@pytest.mark.parametrize("name", ["administration-log", "waste-log", "destruction-log", "loss-log"])
def test_an_attested_log_ends_with_signature_and_date_lines(busy_demo_db, tmp_path, name) -> None:
    report = _build(busy_demo_db, name)
    out = tmp_path / f"{name}.pdf"
    pdf.render(report, out)
    last = " ".join(pypdf.PdfReader(out).pages[-1].extract_text().split())
    assert report.signatures
    assert "Signatures" in last
    for who in report.signatures:
        assert who in last
    assert last.count("date and time") == len(report.signatures)
