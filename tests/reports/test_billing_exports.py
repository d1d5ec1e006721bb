"""Billing documents exported from the demo clinic, read back from the PDF (pypdf) and the
XLSX (openpyxl): the totals in the files equal the ledger's, each document says who bills
whom with NPIs and tax ID, and every file is tied to the money chain's head."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pytest
import sqlalchemy as sa

from ledger.clock import local_date
from ledger.database import Database
from ledger.errors import NoServiceThatDay, PermissionDenied
from ledger.services.billing.aging import ar_aging
from ledger.services.billing.invoices import show_invoice
from ledger.services.billing.liability import prepaid_liability
from ledger.services.billing.statement import patient_statement
from reports.billing_scope import BillingRequest
from reports.export import export_report
from reports.verify import verify_export
from tests.reports.conftest import DEMO_UNTIL, demo_actor

FIRST = date(2026, 3, 19)  # the 12-day demo's first day: the price list and series sales


def _export(db: Database, name: str, tmp_path: Path, fmt: str, **kw: Any) -> Path:
    out = tmp_path / f"{name}.{fmt}"
    request = BillingRequest(
        date_from=kw.pop("date_from", FIRST), date_to=kw.pop("date_to", DEMO_UNTIL), **kw
    )
    export_report(db, demo_actor(db), report=name, request=request, fmt=fmt, out=out, force=True)
    return out


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def _totals(path: Path, sheet: str) -> dict[str, Any]:
    ws = openpyxl.load_workbook(path)[sheet]
    return {
        row[0]: row[1] for row in ws.iter_rows(values_only=True) if row and isinstance(row[0], str)
    }


def _dollars(cents: int) -> Decimal:
    return Decimal(cents) / 100


def _money(cents: int) -> str:
    return f"{'-' if cents < 0 else ''}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def _one(db: Database, sql: str) -> Any:
    with db.engine.connect() as conn:
        return conn.execute(sa.text(sql)).first()


def test_an_invoice_exports_with_the_ledgers_totals(demo_db: Database, tmp_path: Path) -> None:
    number = _one(demo_db, "select number from invoice where number is not null order by id")[0]
    view = show_invoice(demo_db, demo_actor(demo_db, "bella"), number)
    pdf = _export(demo_db, "invoice", tmp_path, "pdf", invoice=number)
    text = _text(pdf)
    assert f"Invoice {number}" in text
    assert "1234567893" in text and "84-1234567" in text  # the letterhead's NPI and tax ID
    assert view.mrn in text
    assert _money(view.total_cents) in text and _money(view.balance_cents) in text
    assert "money chain head #" in text
    xlsx = _export(demo_db, "invoice", tmp_path, "xlsx", invoice=number)
    totals = _totals(xlsx, "Lines")
    assert totals["Invoice total"] == _dollars(view.total_cents)
    lines = openpyxl.load_workbook(xlsx)["Lines"]
    amounts = [r[6] for r in lines.iter_rows(min_row=2, values_only=True) if r[6] is not None]
    assert sum(amounts) == _dollars(view.total_cents)
    assert _totals(xlsx, "Settlement")["Balance due"] == _dollars(view.balance_cents)
    assert verify_export(demo_db, demo_actor(demo_db), pdf).ok


def test_a_statement_closes_on_the_ledgers_balance(demo_db: Database, tmp_path: Path) -> None:
    mrn = _one(demo_db, "select p.mrn from patient p join payment x on x.patient_id = p.id")[0]
    ledger = patient_statement(
        demo_db, demo_actor(demo_db, "bella"), patient=mrn, start=FIRST, end=DEMO_UNTIL
    )
    pdf = _export(demo_db, "statement", tmp_path, "pdf", patient=mrn)
    assert _money(ledger.closing_cents) in _text(pdf)
    xlsx = _export(demo_db, "statement", tmp_path, "xlsx", patient=mrn)
    totals = _totals(xlsx, "Activity")
    assert totals["Opening balance"] == _dollars(ledger.opening_cents)
    assert totals["Closing balance"] == _dollars(ledger.closing_cents)


def test_a_superbill_names_both_npis_the_codes_and_what_was_paid(
    demo_db: Database, tmp_path: Path
) -> None:
    # A series buyer's first infusion: paid for by a prepaid credit.
    mrn, when = _one(
        demo_db,
        "select p.mrn, i.event_at from infusion i join patient p on p.id = i.patient_id "
        "join credit_movement m on m.infusion_id = i.id order by i.id",
    )
    if isinstance(when, str):  # SQLite hands back the stored text
        when = datetime.fromisoformat(when)
    day = local_date("America/Denver", when)
    pdf = _export(demo_db, "superbill", tmp_path, "pdf", patient=mrn, date_from=day, date_to=day)
    text = _text(pdf)
    for expected in ("1234567893", "84-1234567", "1245319599", "Dr. Helen Kim", "96365", "J3490"):
        assert expected in text, expected
    assert any(code in text for code in ("F33.1", "F33.2", "F43.10", "F32.2"))
    xlsx = _export(demo_db, "superbill", tmp_path, "xlsx", patient=mrn, date_from=day, date_to=day)
    totals = _totals(xlsx, "Services")
    rows = openpyxl.load_workbook(xlsx)["Services"]
    charges = [r[4] for r in rows.iter_rows(min_row=2, values_only=True) if r[4] is not None]
    assert totals["Total charges"] == sum(charges) > 0
    assert totals["Amount paid"] + totals["Balance"] == totals["Total charges"]


def test_no_superbill_for_a_day_without_an_infusion(demo_db: Database, tmp_path: Path) -> None:
    with pytest.raises(NoServiceThatDay):
        _export(
            demo_db,
            "superbill",
            tmp_path,
            "pdf",
            patient="P000001",
            date_from=date(2026, 3, 21),
            date_to=date(2026, 3, 21),
        )  # a Saturday


def test_aging_and_liability_equal_the_ledgers(demo_db: Database, tmp_path: Path) -> None:
    bella = demo_actor(demo_db, "bella")
    aging = ar_aging(demo_db, bella, on=DEMO_UNTIL)
    xlsx = _export(demo_db, "ar-aging", tmp_path, "xlsx")
    assert _totals(xlsx, "Aging")["Total receivable"] == _dollars(aging.total_cents) > 0
    owed = prepaid_liability(demo_db, bella, on=DEMO_UNTIL)
    xlsx = _export(demo_db, "package-liability", tmp_path, "xlsx")
    assert _totals(xlsx, "Liability")["Total liability"] == _dollars(owed.total_cents) > 0
    pdf = _export(demo_db, "package-liability", tmp_path, "pdf")
    assert _money(owed.total_cents) in _text(pdf)


def test_the_crosscheck_export_lists_the_demos_seeded_finding(
    demo_db: Database, tmp_path: Path
) -> None:
    xlsx = _export(demo_db, "billing-crosscheck", tmp_path, "xlsx")
    ws = openpyxl.load_workbook(xlsx)["Findings"]
    kinds = [r[2] for r in ws.iter_rows(min_row=2, values_only=True) if r[2] is not None]
    assert kinds == ["billed_without_administration"]
    assert _totals(xlsx, "Findings")["billed without administration"] == 1


def test_a_receipt_and_an_estimate_read_back(demo_db: Database, tmp_path: Path) -> None:
    pid, amount, method = _one(
        demo_db, "select id, amount_cents, method from payment where method = 'hsa' order by id"
    )
    xlsx = _export(demo_db, "receipt", tmp_path, "xlsx", payment=pid)
    assert _totals(xlsx, "Payments")["Amount paid"] == _dollars(amount)
    assert "HSA/FSA" in _text(_export(demo_db, "receipt", tmp_path, "pdf", payment=pid))
    estimate, total = _one(demo_db, "select id, total_cents from good_faith_estimate order by id")
    text = _text(_export(demo_db, "gfe", tmp_path, "pdf", estimate=estimate))
    assert "Good Faith Estimate" in text and _money(total) in text
    assert "$400 or more" in text and "not a contract" in text
    assert "1245319599" in text and "84-1234567" in text


def test_a_credit_note_exports(demo_db: Database, tmp_path: Path) -> None:
    number, amount = _one(demo_db, "select number, amount_cents from credit_note order by id")
    xlsx = _export(demo_db, "credit-note", tmp_path, "xlsx", credit_note=number)
    assert _totals(xlsx, "Credit")["Amount credited"] == _dollars(amount)


@pytest.mark.parametrize("who", ["nina", "drkim", "maria", "admin"])
def test_only_billing_staff_and_auditors_export_billing_documents(
    demo_db: Database, tmp_path: Path, who: str
) -> None:
    out = tmp_path / "x.xlsx"
    with pytest.raises(PermissionDenied):
        export_report(
            demo_db, demo_actor(demo_db, who), report="ar-aging",
            request=BillingRequest(DEMO_UNTIL, DEMO_UNTIL), fmt="xlsx", out=out,
        )  # fmt: skip
    assert not out.exists()


def test_a_billing_document_names_the_clinic_as_biller_and_the_money_chains_head(
    demo_db: Database, tmp_path: Path
) -> None:
    """A billing document belongs to no DEA registration: its header gives the clinic's NPI and
    tax ID, and its About sheet names the money chain's head, not the drug ledger's."""
    number = _one(demo_db, "select number from invoice where number is not null order by id")[0]
    text = _text(_export(demo_db, "invoice", tmp_path, "pdf", invoice=number))
    assert "Clinic NPI 1234567893; tax ID 84-1234567" in text
    assert "All registrations of the clinic" not in text
    about = _totals(_export(demo_db, "invoice", tmp_path, "xlsx", invoice=number), "About")
    head_seq, head_hash = _one(demo_db, "select seq, hash from money_head")
    assert about["Money chain head hash"] == head_hash
    assert about["Money chain head sequence"] == head_seq
    assert "Ledger head hash" not in about


def test_every_billing_document_exports_at_the_terminal(demo_db: Database, tmp_path: Path) -> None:
    """`vialbook export NAME` for each of the nine billing documents, by billing staff, each
    file tied to the money chain; a statement without --from starts on the first of --to's
    month."""
    import json

    from typer.testing import CliRunner

    from ledger.demo import password
    from tui.cli import app

    number = _one(demo_db, "select number from invoice where number is not null order by id")[0]
    note = _one(demo_db, "select number from credit_note order by id")[0]
    payment, mrn = _one(
        demo_db, "select x.id, p.mrn from payment x join patient p on p.id = x.patient_id"
    )
    estimate = _one(demo_db, "select id from good_faith_estimate order by id")[0]
    infused, when = _one(
        demo_db,
        "select p.mrn, i.event_at from infusion i join patient p on p.id = i.patient_id "
        "order by i.id",
    )
    day = local_date("America/Denver", datetime.fromisoformat(when))
    env = {"VIALBOOK_DB": demo_db.url, "VIALBOOK_USER": "bella",
           "VIALBOOK_PASSWORD": password("bella")}  # fmt: skip
    last = str(DEMO_UNTIL)
    documents = {
        "invoice": ["--invoice", number],
        "credit-note": ["--credit-note", note],
        "statement": ["--patient", mrn, "--to", last],
        "superbill": ["--patient", infused, "--date", str(day)],
        "receipt": ["--payment", str(payment)],
        "gfe": ["--estimate", str(estimate)],
        "ar-aging": ["--to", last],
        "package-liability": ["--to", last],
        "billing-crosscheck": ["--from", str(FIRST), "--to", last],
    }
    head = _one(demo_db, "select hash from money_head")[0]
    for name, options in documents.items():
        out = tmp_path / f"{name}.xlsx"
        done = CliRunner().invoke(app, ["export", name, *options, "--out", str(out), "--json"],
                                  env=env)  # fmt: skip
        assert done.exit_code == 0, (name, done.output)
        assert json.loads(done.output)["sha256"]
        assert _totals(out, "About")["Money chain head hash"] == head, name
    opened = openpyxl.load_workbook(tmp_path / "statement.xlsx")["Activity"]
    first_row = next(opened.iter_rows(min_row=2, values_only=True))
    assert first_row[2] == "Opening balance"
    assert first_row[0].date() == date(2026, 3, 1)  # --from defaulted to the month's first day


def test_a_receipt_for_a_period_itemizes_every_payment_of_the_patient(
    demo_db: Database, tmp_path: Path
) -> None:
    mrn, patient_id = _one(
        demo_db,
        "select p.mrn, p.id from payment x join patient p on p.id = x.patient_id "
        "where x.method != 'credit' group by p.mrn, p.id order by count(*) desc, p.id",
    )
    with demo_db.engine.connect() as conn:
        paid = conn.execute(
            sa.text(
                "select x.id, x.amount_cents - coalesce((select sum(r.amount_cents) from "
                "payment_refund r where r.payment_id = x.id), 0) from payment x "
                "where x.patient_id = :p and x.method != 'credit' order by x.id"
            ),
            {"p": patient_id},
        ).all()
    xlsx = _export(demo_db, "receipt", tmp_path, "xlsx", patient=mrn)
    listed = [
        r[1]
        for r in openpyxl.load_workbook(xlsx)["Payments"].iter_rows(min_row=2, values_only=True)
        if isinstance(r[0], datetime)  # a payment, not the totals below
    ]
    assert listed == [pid for pid, _ in paid]
    assert _totals(xlsx, "Payments")["Amount paid"] == _dollars(sum(c for _, c in paid))
    text = _text(_export(demo_db, "receipt", tmp_path, "pdf", patient=mrn))
    assert _money(sum(c for _, c in paid)) in text


def test_a_superbills_totals_are_the_ledgers(demo_db: Database, tmp_path: Path) -> None:
    from ledger.services.superbill import superbill_for

    mrn, when = _one(
        demo_db,
        "select p.mrn, i.event_at from infusion i join patient p on p.id = i.patient_id "
        "join credit_movement m on m.infusion_id = i.id order by i.id",
    )
    day = local_date("America/Denver", datetime.fromisoformat(str(when)))
    bill = superbill_for(demo_db, demo_actor(demo_db, "bella"), mrn, day)
    xlsx = _export(demo_db, "superbill", tmp_path, "xlsx", patient=mrn, date_from=day, date_to=day)
    totals = _totals(xlsx, "Services")
    assert totals["Total charges"] == _dollars(bill.charges_cents) > 0
    assert totals["Amount paid"] == _dollars(bill.paid_cents)
    pdf = _export(demo_db, "superbill", tmp_path, "pdf", patient=mrn, date_from=day, date_to=day)
    assert _money(bill.charges_cents) in _text(pdf) and _money(bill.paid_cents) in _text(pdf)
