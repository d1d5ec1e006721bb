"""The billing desk in the app: a patient's account, an invoice written from the infusions
waiting to be billed, issued, partly paid, and another voided with a reason; a refusal keeps
the form; a nurse never sees the billing area."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader
from sqlmodel import col, select
from textual.widgets import DataTable, Input

from ledger import clock
from ledger.models import (
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceVoid,
    Movement,
    PackageRefund,
    Payment,
    PaymentRefund,
)
from ledger.services.billing import corrections, invoices, lines, payments
from ledger.services.corrections import reverse
from ledger.services.diagnoses import diagnose
from ledger.services.gfe import EstimateItem, new_estimate
from tests.billing_documents_support import MONDAY, infusion, pin, ready_for_billing
from tests.billing_story import DAY1, billing, infuse, noon, on, price_list
from tests.support import Clinic, dump
from tests.test_tui import _settle, _static_text
from tui.app.vialbook_app import VialbookApp

#: The day the desk works in these tests: two infusions the day before wait to be billed.
DESK_DAY = DAY1 + timedelta(days=2)


def _two_infusions_waiting(clinic: Clinic) -> list[int]:
    price_list(clinic)
    first = infuse(clinic, DAY1 + timedelta(days=1))
    second = infuse(clinic, DAY1 + timedelta(days=1), service="booster")
    assert (first.billing, second.billing) == ("pending", "pending")
    return [first.infusion_id, second.infusion_id]


async def _type(app: VialbookApp, pilot, *text: str) -> None:  # type: ignore[no-untyped-def]
    for t in text:
        await pilot.press(*([t] if t in ("enter", "tab", "escape", "down", "up") else list(t)))
    await _settle(app, pilot)


def _column(app: VialbookApp, table_id: str, column: int) -> list[str]:
    table = app.screen.query_one(table_id, DataTable)
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


def _typed(app: VialbookApp) -> dict[str, str]:
    return {i.id or "": i.value for i in app.screen.query(Input)}


async def _account(app: VialbookApp, pilot, mrn: str) -> None:  # type: ignore[no-untyped-def]
    await _settle(app, pilot)
    await _type(app, pilot, "9")
    assert type(app.screen).__name__ == "BillingAccountScreen"
    await _type(app, pilot, mrn, "enter")


async def test_a_new_invoice_from_pending_charges_is_issued_and_partly_paid(
    clinic: Clinic,
) -> None:
    waiting = _two_infusions_waiting(clinic)
    clock.set_clock(lambda: noon(DESK_DAY))
    app = VialbookApp(clinic.db, actor=billing(clinic))
    async with app.run_test(size=(120, 36)) as pilot:
        await _account(app, pilot, "MRN1")
        assert _column(app, "#pending", 0) == [str(i) for i in waiting]
        assert _column(app, "#pending", 4) == ["450.00", "400.00"]
        assert "2 pending charges" in _static_text(app, "#account-summary")

        await _type(app, pilot, "n")
        assert type(app.screen).__name__ == "InvoiceScreen"
        assert _column(app, "#invoice-lines", 0) == ["infusion", "infusion"]
        assert "Total 850.00" in _static_text(app, "#invoice-totals")

        await _type(app, pilot, "d", "10%", "enter", "veteran", "enter")
        assert "Added Discount 10%" in _static_text(app, "#invoice-status")
        assert "Total 765.00" in _static_text(app, "#invoice-totals")

        await _type(app, pilot, "i")
        assert "Issued INV-2026-000001 for 765.00" in _static_text(app, "#invoice-status")
        assert "INV-2026-000001 · issued" in _static_text(app, "#invoice-title")

        await _type(app, pilot, "p")
        assert type(app.screen).__name__ == "PaymentModal"
        await _type(app, pilot, "100.00", "enter", "card", "enter", "VISA 4242", "enter")
        assert type(app.screen).__name__ == "InvoiceScreen"
        assert "balance 665.00" in _static_text(app, "#invoice-totals")

        await _type(app, pilot, "escape")
        assert type(app.screen).__name__ == "BillingAccountScreen"
        assert _column(app, "#invoices", 0) == ["INV-2026-000001"]
        assert _column(app, "#invoices", 5) == ["665.00"]
        assert _column(app, "#payments", 5) == ["100.00"]
        assert _column(app, "#pending", 0) == []
        assert "Balance due 665.00" in _static_text(app, "#account-summary")

    with clinic.db.read() as s:
        invoice = s.exec(select(Invoice)).one()
        billed = s.exec(select(InvoiceLine).order_by(col(InvoiceLine.id))).all()
        payment = s.exec(select(Payment)).one()
    assert (invoice.number, invoice.status, invoice.total_cents) == (
        "INV-2026-000001",
        "issued",
        76_500,
    )
    assert [line.infusion_id for line in billed] == [*waiting, None]
    assert [line.line_cents for line in billed] == [45_000, 40_000, -8_500]
    assert (payment.amount_cents, payment.applied_cents, payment.method, payment.reference) == (
        10_000,
        10_000,
        "card",
        "VISA 4242",
    )


def _issued_consultation(clinic: Clinic) -> str:
    price_list(clinic)
    with on(DESK_DAY):
        bella = billing(clinic)
        draft = invoices.new_invoice(clinic.db, bella, patient="MRN2")
        lines.add_item_line(clinic.db, bella, draft, code="CONSULT")
        return invoices.issue_invoice(clinic.db, bella, draft).number


async def test_an_issued_invoice_is_voided_with_the_reason_typed(clinic: Clinic) -> None:
    number = _issued_consultation(clinic)
    clock.set_clock(lambda: noon(DESK_DAY))
    app = VialbookApp(clinic.db, actor=billing(clinic))
    async with app.run_test(size=(120, 36)) as pilot:
        await _account(app, pilot, "sam")  # found by name
        assert _column(app, "#invoices", 0) == [number]
        await _type(app, pilot, "v")
        assert type(app.screen).__name__ == "VoidModal"
        await _type(app, pilot, "written to the wrong patient", "enter")
        assert type(app.screen).__name__ == "BillingAccountScreen"
        assert f"{number} voided" in _static_text(app, "#billing-status")
        assert _column(app, "#invoices", 1) == ["void"]
    with clinic.db.read() as s:
        voided = s.exec(select(InvoiceVoid)).one()
        invoice = s.get(Invoice, voided.invoice_id)
    assert voided.reason == "written to the wrong patient"
    assert invoice is not None and (invoice.number, invoice.status) == (number, "void")


async def test_a_refused_payment_keeps_what_was_typed_and_changes_nothing(
    clinic: Clinic,
) -> None:
    _issued_consultation(clinic)
    before = dump(clinic.db)
    clock.set_clock(lambda: noon(DESK_DAY))
    app = VialbookApp(clinic.db, actor=billing(clinic))
    async with app.run_test(size=(120, 36)) as pilot:
        await _account(app, pilot, "MRN2")
        await _type(app, pilot, "p", "150.00", "enter", "bitcoin", "enter", "wallet 9", "enter")
        assert type(app.screen).__name__ == "PaymentModal"
        assert _static_text(app, "#billing-form-error").startswith("InvalidPaymentMethod: ")
        assert _typed(app) == {"amount": "150.00", "method": "bitcoin", "reference": "wallet 9"}
        assert dump(clinic.db) == before
        # Correct the one field: the rest stays, and the payment goes in.
        app.screen.query_one("#method", Input).value = "cash"
        await _type(app, pilot, "enter")
        assert type(app.screen).__name__ == "BillingAccountScreen"
        assert _column(app, "#payments", 2) == ["cash"]
    with clinic.db.read() as s:
        assert [(p.method, p.amount_cents) for p in s.exec(select(Payment))] == [("cash", 15_000)]


async def test_unused_credits_and_part_of_a_payment_are_refunded_with_reasons(
    clinic: Clinic,
) -> None:
    price_list(clinic)
    with on(DAY1):
        bella = billing(clinic)
        draft = invoices.new_invoice(clinic.db, bella, patient="MRN1")
        lines.add_package_line(clinic.db, bella, draft, code="SERIES6")
        sold = invoices.issue_invoice(clinic.db, bella, draft).number
        payments.pay_invoice(clinic.db, bella, sold, amount_cents=240_000, method="card")
        consult = invoices.new_invoice(clinic.db, bella, patient="MRN1")
        lines.add_item_line(clinic.db, bella, consult, code="CONSULT")
        consulted = invoices.issue_invoice(clinic.db, bella, consult).number
        payments.pay_invoice(clinic.db, bella, consulted, amount_cents=15_000, method="cash")
    assert infuse(clinic, DAY1 + timedelta(days=1)).billing == "credit"
    clock.set_clock(lambda: noon(DESK_DAY))
    app = VialbookApp(clinic.db, actor=billing(clinic))
    async with app.run_test(size=(120, 36)) as pilot:
        await _account(app, pilot, "MRN1")
        assert _column(app, "#credits", 5) == ["used"] + ["unused"] * 5
        # The newest invoice first: the consultation; its cash payment is the newest payment.
        assert _column(app, "#invoices", 0) == [consulted, sold]
        await _type(app, pilot, "r", "50.00", "enter", "charged twice", "enter")
        assert "Refund" in _static_text(app, "#billing-status")
        assert _column(app, "#payments", 6) == ["50.00", "0.00"]

        await _type(app, pilot, "down", "u")
        assert type(app.screen).__name__ == "PackageRefundModal"
        await _type(app, pilot, "enter", "moving away", "enter")
        # 2400.00 paid − 1 session used × 450.00 (no admin fee set) = 1950.00
        assert "Refunded 1,950.00 for 5 unused sessions" in _static_text(app, "#billing-status")
        assert _column(app, "#credits", 5) == ["used"] + ["refunded"] * 5
    with clinic.db.read() as s:
        refunded = s.exec(select(PaymentRefund).order_by(col(PaymentRefund.id))).all()
        package = s.exec(select(PackageRefund)).one()
    assert [(r.amount_cents, r.reason) for r in refunded] == [
        (5_000, "charged twice"),
        (195_000, "moving away"),
    ]
    assert (package.amount_cents, package.sessions_used) == (195_000, 1)


async def test_a_nurse_sees_no_billing_area_and_cannot_reach_it(clinic: Clinic) -> None:
    _two_infusions_waiting(clinic)
    app = VialbookApp(clinic.db, actor=clinic.actor("nina"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        assert not app.screen.check_action("show_billing", ())
        assert not app.screen.check_action("read_billing", ())
        assert "Billing" not in [c.title for c in app.get_system_commands(app.screen)]
        await _type(app, pilot, "9", "b")
        assert type(app.screen).__name__ == "DashboardScreen"


async def test_an_auditor_reads_the_account_but_is_offered_no_write(clinic: Clinic) -> None:
    _issued_consultation(clinic)
    before = dump(clinic.db)
    clock.set_clock(lambda: noon(DESK_DAY))
    app = VialbookApp(clinic.db, actor=clinic.actor("audrey"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _account(app, pilot, "MRN2")
        assert _column(app, "#invoices", 0) == ["INV-2026-000001"]
        for action in ("new_invoice", "pay", "void", "credit_note", "refund"):
            assert not app.screen.check_action(action, ())
        await _type(app, pilot, "p", "v", "n")
        assert type(app.screen).__name__ == "BillingAccountScreen"
    assert dump(clinic.db) == before


async def test_an_issued_invoice_is_printed_to_a_pdf_holding_its_number_and_total(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    number = _issued_consultation(sqlite_clinic)
    clock.set_clock(lambda: noon(DESK_DAY))
    app = VialbookApp(sqlite_clinic.db, actor=billing(sqlite_clinic))
    async with app.run_test(size=(120, 36)) as pilot:
        await _account(app, pilot, "MRN2")
        await _type(app, pilot, "e")
        assert type(app.screen).__name__ == "PrintModal"
        assert _typed(app)["document"] == "invoice" and _typed(app)["number"] == number
        app.screen.query_one("#folder", Input).value = str(tmp_path)
        app.screen.query_one("#folder", Input).focus()
        await _type(app, pilot, "enter")
        assert type(app.screen).__name__ == "BillingAccountScreen"
        assert "Wrote " in _static_text(app, "#billing-status")
    written = tmp_path / f"invoice_{number}_{DESK_DAY}.pdf"
    text = "".join(page.extract_text() for page in PdfReader(written).pages)
    assert number in text and "150.00" in text and "Sam Two" in text


async def _print(app: VialbookApp, pilot, fields: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """Fill the print form and print; the status line the account shows after."""
    await _type(app, pilot, "e")
    assert type(app.screen).__name__ == "PrintModal"
    for key, value in fields.items():
        app.screen.query_one(f"#{key}", Input).value = value
    app.screen.query_one("#folder", Input).focus()
    await _type(app, pilot, "enter")
    assert type(app.screen).__name__ == "BillingAccountScreen", _static_text(
        app, "#billing-form-error"
    )
    return _static_text(app, "#billing-status")


async def test_a_superbill_and_a_good_faith_estimate_are_printed_from_the_account(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    pin(MONDAY)
    ready_for_billing(sqlite_clinic)
    diagnose(sqlite_clinic.db, sqlite_clinic.actor("bella"), "MRN1", "F33.2")
    infusion(sqlite_clinic)
    pin(MONDAY + timedelta(hours=2))
    estimate = new_estimate(
        sqlite_clinic.db, sqlite_clinic.actor("bella"), mrn="MRN1",
        items=[EstimateItem("CONSULT")], packages=["SERIES6"], scheduled_for=date(2026, 3, 16),
    )  # fmt: skip
    app = VialbookApp(sqlite_clinic.db, actor=billing(sqlite_clinic))
    async with app.run_test(size=(120, 36)) as pilot:
        await _account(app, pilot, "MRN1")
        assert f"id {estimate.estimate_id} for 2,650.00" in _static_text(app, "#account-estimates")
        folder = str(tmp_path)
        said = await _print(
            app, pilot, {"document": "superbill", "to": "2026-03-02", "folder": folder}
        )
        assert "superbill_MRN1_2026-03-02.pdf" in said
        said = await _print(
            app,
            pilot,
            {"document": "estimate", "number": str(estimate.estimate_id), "folder": folder},
        )
        assert "estimate_MRN1_2026-03-02.pdf" in said
    superbill = _pdf_text(tmp_path / "superbill_MRN1_2026-03-02.pdf")
    assert "Pat One" in superbill and "96365" in superbill and "F33.2" in superbill
    estimate_text = _pdf_text(tmp_path / "estimate_MRN1_2026-03-02.pdf")
    assert "Pat One" in estimate_text and "2,650.00" in estimate_text


def _pdf_text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def test_patient_account_snapshot(sqlite_clinic: Clinic, snap_compare) -> None:  # type: ignore[no-untyped-def]
    _two_infusions_waiting(sqlite_clinic)
    with on(DESK_DAY):
        bella = billing(sqlite_clinic)
        draft = invoices.new_invoice(sqlite_clinic.db, bella, patient="MRN1")
        lines.add_package_line(sqlite_clinic.db, bella, draft, code="BOOST3")
        invoices.issue_invoice(sqlite_clinic.db, bella, draft)
    clock.set_clock(lambda: noon(DESK_DAY))
    app = VialbookApp(sqlite_clinic.db, actor=billing(sqlite_clinic))

    async def shown(pilot) -> None:  # type: ignore[no-untyped-def]
        await _account(app, pilot, "MRN1")
        for field in app.screen.query(Input):
            field.cursor_blink = False

    assert snap_compare(app, terminal_size=(120, 36), run_before=shown)


async def test_a_reversed_infusion_is_flagged_on_the_draft_and_its_line_removed(
    clinic: Clinic,
) -> None:
    waiting = _two_infusions_waiting(clinic)
    clock.set_clock(lambda: noon(DESK_DAY))
    app = VialbookApp(clinic.db, actor=billing(clinic))
    async with app.run_test(size=(120, 36)) as pilot:
        await _account(app, pilot, "MRN1")
        await _type(app, pilot, "n")
        assert _column(app, "#invoice-lines", 0) == ["infusion", "infusion"]
        # Meanwhile the booster is found charted against the wrong patient and reversed.
        with clinic.db.read() as s:
            booster = s.exec(select(Movement).where(Movement.infusion_id == waiting[1])).first()
        assert booster is not None and booster.id is not None
        reverse(
            clinic.db, clinic.actor("drkim"), movement_id=booster.id,
            reason="charted against the wrong patient", witness=clinic.witness("omar"),
        )  # fmt: skip
        await pilot.press("f5")
        await _settle(app, pilot)
        described = _column(app, "#invoice-lines", 2)
        assert "INFUSION REVERSED" not in described[0]
        assert "INFUSION REVERSED" in described[1]

        before = dump(clinic.db)
        await _type(app, pilot, "i")
        assert "bills reversed infusions" in _static_text(app, "#invoice-status")
        assert dump(clinic.db) == before

        await _type(app, pilot, "down", "x")
        assert "Removed" in _static_text(app, "#invoice-status")
        assert "Total 450.00" in _static_text(app, "#invoice-totals")
        await _type(app, pilot, "i")
        assert "Issued INV-2026-000001 for 450.00" in _static_text(app, "#invoice-status")
    with clinic.db.read() as s:
        billed = s.exec(select(InvoiceLine)).all()
    assert [line.infusion_id for line in billed] == [waiting[0]]


async def test_a_goodwill_credit_on_a_paid_invoice_shows_as_owed_to_the_patient(
    clinic: Clinic,
) -> None:
    number = _issued_consultation(clinic)
    with on(DESK_DAY):
        bella = billing(clinic)
        payments.pay_invoice(clinic.db, bella, number, amount_cents=15_000, method="card")
        corrections.credit_note(
            clinic.db, bella, number, amount_cents=10_000, reason="goodwill: long wait"
        )
    clock.set_clock(lambda: noon(DESK_DAY))
    app = VialbookApp(clinic.db, actor=billing(clinic))
    async with app.run_test(size=(120, 36)) as pilot:
        await _account(app, pilot, "MRN2")
        summary = _static_text(app, "#account-summary")
        assert "Balance due 0.00" in summary
        assert "owed to patient 100.00" in summary
        assert "-100.00" not in summary
        assert _column(app, "#invoices", 5) == ["100.00 owed back"]


async def test_an_invoice_of_items_is_issued_and_credited_after_a_refused_credit_note(
    clinic: Clinic,
) -> None:
    """A new invoice written from price-list items and a package (no pending charges), issued;
    a credit note larger than the invoice is refused with what was typed kept, then given."""
    price_list(clinic)
    before_any = dump(clinic.db)
    clock.set_clock(lambda: noon(DESK_DAY))
    app = VialbookApp(clinic.db, actor=billing(clinic))
    async with app.run_test(size=(120, 36)) as pilot:
        await _account(app, pilot, "MRN2")
        await _type(app, pilot, "n")
        assert type(app.screen).__name__ == "InvoiceScreen"
        assert _column(app, "#invoice-lines", 0) == []
        await _type(app, pilot, "a")
        assert type(app.screen).__name__ == "InvoiceLineModal"
        app.screen.query_one("#qty", Input).value = "2"
        await _type(app, pilot, "CONSULT", "enter", "enter")
        await _type(app, pilot, "k", "BOOST3", "enter")
        assert _column(app, "#invoice-lines", 0) == ["item", "package"]
        assert "Total 1,300.00" in _static_text(app, "#invoice-totals")
        await _type(app, pilot, "i")
        assert "Issued INV-2026-000001 for 1,300.00" in _static_text(app, "#invoice-status")
        await _type(app, pilot, "escape")
        assert type(app.screen).__name__ == "BillingAccountScreen"
        assert _column(app, "#invoices", 0) == ["INV-2026-000001"]

        issued = dump(clinic.db)
        await _type(app, pilot, "c", "1300.01", "enter", "goodwill: long wait", "enter")
        assert type(app.screen).__name__ == "CreditNoteModal"
        assert _static_text(app, "#billing-form-error").startswith("CreditNoteTooLarge: ")
        assert _typed(app) == {"amount": "1300.01", "reason": "goodwill: long wait"}
        assert dump(clinic.db) == issued
        app.screen.query_one("#amount", Input).value = "100.00"
        app.screen.query_one("#reason", Input).focus()
        await _type(app, pilot, "enter")
        assert type(app.screen).__name__ == "BillingAccountScreen"
        assert "CN-2026-000001" in _static_text(app, "#billing-status")
        assert _column(app, "#invoices", 5) == ["1,200.00"]
    with clinic.db.read() as s:
        invoice = s.exec(select(Invoice)).one()
        billed = s.exec(select(InvoiceLine).order_by(col(InvoiceLine.id))).all()
        note = s.exec(select(CreditNote)).one()
    assert (invoice.number, invoice.status, invoice.total_cents) == ("INV-2026-000001", "issued",
                                                                     130_000)  # fmt: skip
    assert [(ln.kind, ln.code, ln.quantity, ln.line_cents) for ln in billed] == [
        ("item", "CONSULT", 2, 30_000), ("package", "BOOST3", 1, 100_000)
    ]  # fmt: skip
    assert (note.number, note.amount_cents, note.reason) == (
        "CN-2026-000001", 10_000, "goodwill: long wait"
    )  # fmt: skip
    assert before_any != issued


async def test_the_dashboard_flags_a_bill_400_dollars_over_the_estimate(
    sqlite_clinic: Clinic,
) -> None:
    pin(MONDAY)
    ready_for_billing(sqlite_clinic)
    bella = billing(sqlite_clinic)
    new_estimate(
        sqlite_clinic.db, bella, mrn="MRN1", items=[EstimateItem("CONSULT")],
        scheduled_for=date(2026, 3, 9),
    )  # fmt: skip
    pin(MONDAY + timedelta(days=7))
    draft = invoices.new_invoice(sqlite_clinic.db, bella, patient="MRN1")
    lines.add_item_line(sqlite_clinic.db, bella, draft, code="CONSULT", quantity=3)
    invoices.issue_invoice(sqlite_clinic.db, bella, draft)  # 750.00 against 250.00 estimated
    app = VialbookApp(sqlite_clinic.db, actor=bella)
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        for _ in range(20):
            if app.screen.query_one("#alerts", DataTable).row_count:
                break
            await _settle(app, pilot)
        table = app.screen.query_one("#alerts", DataTable)
        shown = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
    assert any("500.00 above it" in row and "dispute" in row for row in shown), shown


async def test_a_statement_a_receipt_and_a_credit_note_are_printed_from_the_account(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    import openpyxl

    number = _issued_consultation(sqlite_clinic)
    with on(DESK_DAY):
        bella = billing(sqlite_clinic)
        paid = payments.pay_invoice(sqlite_clinic.db, bella, number, amount_cents=10_000,
                                    method="hsa", reference="HSA card")  # fmt: skip
        note = corrections.credit_note(sqlite_clinic.db, bella, number, amount_cents=1_500,
                                       reason="goodwill: long wait")  # fmt: skip
    clock.set_clock(lambda: noon(DESK_DAY))
    app = VialbookApp(sqlite_clinic.db, actor=bella)
    folder = str(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await _account(app, pilot, "MRN2")
        said = await _print(
            app, pilot,
            {"document": "statement", "number": "", "from": str(DESK_DAY), "format": "xlsx",
             "folder": folder},
        )  # fmt: skip
        assert f"statement_MRN2_{DESK_DAY}.xlsx" in said
        said = await _print(
            app, pilot, {"document": "receipt", "number": str(paid.payment_id), "folder": folder}
        )
        assert f"receipt_MRN2_{DESK_DAY}.pdf" in said
        said = await _print(
            app, pilot, {"document": "credit-note", "number": note.number, "folder": folder}
        )
        assert f"credit-note_{note.number}_{DESK_DAY}.pdf" in said
    sheet = openpyxl.load_workbook(tmp_path / f"statement_MRN2_{DESK_DAY}.xlsx")["Activity"]
    totals = {r[0]: r[1] for r in sheet.iter_rows(values_only=True) if r and isinstance(r[0], str)}
    assert totals["Closing balance"] * 100 == 15_000 - 10_000 - 1_500
    receipt = _pdf_text(tmp_path / f"receipt_MRN2_{DESK_DAY}.pdf")
    assert "HSA/FSA" in receipt and "100.00" in receipt and "Sam Two" in receipt
    credit = _pdf_text(tmp_path / f"credit-note_{note.number}_{DESK_DAY}.pdf")
    assert note.number in credit and "15.00" in credit and number in credit
