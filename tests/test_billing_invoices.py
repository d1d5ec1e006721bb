"""Invoices from draft to issued to void: lines exact to the cent, gapless numbers, credit
notes that leave the issued invoice as it was, and the refusals that keep money honest."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.check import run_check
from ledger.errors import (
    CreditNoteTooLarge,
    InfusionNotPending,
    InvoiceEmpty,
    InvoiceNotDraft,
    InvoiceNotIssued,
    PermissionDenied,
    VoidRefused,
)
from ledger.services.billing import corrections, invoices, lines, payments
from ledger.services.billing.liability import prepaid_liability
from ledger.services.billing.pending import pending_charges
from tests.billing_story import DAY1, billing, infuse, on, price_list
from tests.support import Clinic, dump


def draft_with(clinic: Clinic, *codes: str, patient: str = "MRN1") -> int:
    bella = billing(clinic)
    draft = invoices.new_invoice(clinic.db, bella, patient=patient)
    for code in codes:
        if code in ("SERIES6", "BOOST3"):
            lines.add_package_line(clinic.db, bella, draft, code=code)
        else:
            lines.add_item_line(clinic.db, bella, draft, code=code)
    return draft


def test_lines_discounts_and_manual_lines_total_exactly(clinic: Clinic) -> None:
    price_list(clinic)
    with on(DAY1):
        bella = billing(clinic)
        draft = invoices.new_invoice(clinic.db, bella, patient="MRN1")
        lines.add_item_line(clinic.db, bella, draft, code="mood", quantity=2)  # 900.00
        lines.add_item_line(clinic.db, bella, draft, code="CONSULT")  # 150.00
        off = lines.add_discount_line(clinic.db, bella, draft, percent_bp=1250,
                                      reason="veteran discount")  # fmt: skip
        lines.add_discount_line(clinic.db, bella, draft, amount_cents=1_999, reason="loyalty")
        lines.add_manual_line(clinic.db, bella, draft, description="Parking", amount_cents=501)
        shown = invoices.show_invoice(clinic.db, bella, draft)
        issued = invoices.issue_invoice(clinic.db, bella, draft)
    # 12.5 % of 1050.00 = 131.25
    assert off.line_cents == -13_125 and off.reason == "veteran discount"
    assert [ln.line_cents for ln in shown.lines] == [90_000, 15_000, -13_125, -1_999, 501]
    assert shown.status == "draft" and shown.total_cents == 90_377
    assert issued.total_cents == 90_377 and issued.number == "INV-2026-000001"
    with on(DAY1):
        after = invoices.show_invoice(clinic.db, billing(clinic), "INV-2026-000001")
    assert (after.status, after.total_cents, after.balance_cents) == ("issued", 90_377, 90_377)
    assert after.lines[0].cpt == "96365" and after.lines[0].hcpcs == "J3490"
    assert run_check(clinic.db).ok


def test_numbers_are_sequential_and_an_issued_invoice_takes_no_more_lines(clinic: Clinic) -> None:
    price_list(clinic)
    with on(DAY1):
        bella = billing(clinic)
        first = draft_with(clinic, "MOOD")
        empty = invoices.new_invoice(clinic.db, bella, patient="MRN2")
        second = draft_with(clinic, "CONSULT", patient="MRN2")
        numbers = [invoices.issue_invoice(clinic.db, bella, d).number for d in (second, first)]
        assert numbers == ["INV-2026-000001", "INV-2026-000002"]
        before = dump(clinic.db)
        with pytest.raises(InvoiceEmpty):
            invoices.issue_invoice(clinic.db, bella, empty)
        with pytest.raises(InvoiceNotDraft):
            invoices.issue_invoice(clinic.db, bella, first)
        with pytest.raises(InvoiceNotDraft):
            lines.add_item_line(clinic.db, bella, "INV-2026-000001", code="MOOD")
        with pytest.raises(PermissionDenied):
            invoices.issue_invoice(clinic.db, clinic.actor("maria"), empty)
        assert dump(clinic.db) == before
        # A refused issue used no number: the next one is still 3.
        lines.add_item_line(clinic.db, bella, empty, code="MOOD")
        assert invoices.issue_invoice(clinic.db, bella, empty).number == "INV-2026-000003"


def test_a_void_is_refused_once_a_credit_was_used_and_a_credit_note_leaves_totals_alone(
    clinic: Clinic,
) -> None:
    price_list(clinic)
    with on(DAY1):
        sold = invoices.issue_invoice(clinic.db, billing(clinic), draft_with(clinic, "SERIES6"))
    infuse(clinic, DAY1 + timedelta(days=1))
    day = DAY1 + timedelta(days=2)
    with on(day):
        bella = billing(clinic)
        before = dump(clinic.db)
        with pytest.raises(VoidRefused, match="used"):
            corrections.void_invoice(clinic.db, bella, sold.number, reason="wrong patient")
        assert dump(clinic.db) == before
        with pytest.raises(CreditNoteTooLarge):
            corrections.credit_note(clinic.db, bella, sold.number, amount_cents=240_001,
                                    reason="too much")  # fmt: skip
        note = corrections.credit_note(clinic.db, bella, sold.number, amount_cents=10_000,
                                       reason="goodwill")  # fmt: skip
        shown = invoices.show_invoice(clinic.db, bella, sold.number)
    assert note.number == "CN-2026-000001"
    assert [ln.line_cents for ln in shown.lines] == [240_000]
    assert (shown.total_cents, shown.credited_cents, shown.balance_cents) == (
        240_000, 10_000, 230_000
    )  # fmt: skip
    assert run_check(clinic.db).ok


def test_a_void_cancels_unused_credits_and_is_refused_while_money_is_applied(
    clinic: Clinic,
) -> None:
    price_list(clinic)
    with on(DAY1):
        bella = billing(clinic)
        sold = invoices.issue_invoice(clinic.db, bella, draft_with(clinic, "SERIES6"))
        paid = payments.pay_invoice(clinic.db, bella, sold.number, amount_cents=50_000,
                                    method="cash")  # fmt: skip
        with pytest.raises(VoidRefused, match="refund"):
            corrections.void_invoice(clinic.db, bella, sold.number, reason="sold in error")
        payments.refund_payment(clinic.db, bella, paid.payment_id, amount_cents=50_000,
                                reason="sold in error")  # fmt: skip
        corrections.void_invoice(clinic.db, bella, sold.number, reason="sold in error")
        shown = invoices.show_invoice(clinic.db, bella, sold.number)
        assert prepaid_liability(clinic.db, bella).total_cents == 0
        with pytest.raises(InvoiceNotIssued):
            corrections.void_invoice(clinic.db, bella, sold.number, reason="again")
        with pytest.raises(InvoiceNotIssued):
            payments.pay_invoice(clinic.db, bella, sold.number, amount_cents=100, method="cash")
    assert (shown.status, shown.void_reason, shown.balance_cents) == ("void", "sold in error", 0)
    # The voided series' credits pay for nothing: the next infusion waits as a charge.
    assert infuse(clinic, DAY1 + timedelta(days=1)).billing == "pending"
    assert run_check(clinic.db).ok


def test_an_invoice_from_pending_charges_bills_them_and_a_void_returns_them(
    clinic: Clinic,
) -> None:
    price_list(clinic)
    one = infuse(clinic, DAY1)
    two = infuse(clinic, DAY1 + timedelta(days=1), service="BOOSTER")
    day = DAY1 + timedelta(days=2)
    with on(day):
        bella = billing(clinic)
        waiting = pending_charges(clinic.db, bella, patient="MRN1")
        assert [(p.infusion_id, p.unit_cents) for p in waiting] == [
            (one.infusion_id, 45_000), (two.infusion_id, 40_000)
        ]  # fmt: skip
        draft = invoices.new_invoice(clinic.db, bella, patient="MRN1")
        for p in waiting:
            lines.add_infusion_line(clinic.db, bella, draft, infusion_id=p.infusion_id)
        with pytest.raises(InfusionNotPending):
            lines.add_infusion_line(clinic.db, bella, draft, infusion_id=one.infusion_id)
        other = invoices.new_invoice(clinic.db, bella, patient="MRN2")
        with pytest.raises(InfusionNotPending):
            lines.add_infusion_line(clinic.db, bella, other, infusion_id=two.infusion_id)
        assert [p.draft_invoice_id for p in pending_charges(clinic.db, bella)] == [draft] * 2
        issued = invoices.issue_invoice(clinic.db, bella, draft)
        assert issued.total_cents == 85_000
        assert pending_charges(clinic.db, bella) == []
        corrections.void_invoice(clinic.db, bella, issued.number, reason="billed twice")
        assert len(pending_charges(clinic.db, bella)) == 2
    assert run_check(clinic.db).ok


def test_a_nurse_never_sees_a_price(clinic: Clinic) -> None:
    price_list(clinic)
    from ledger.services.billing import prices

    with on(DAY1), pytest.raises(PermissionDenied):
        prices.list_prices(clinic.db, clinic.actor("nina"))
    with on(DAY1), pytest.raises(PermissionDenied):
        pending_charges(clinic.db, clinic.actor("nina"))


def test_an_infusion_recorded_before_its_item_was_priced_bills_once_priced_from_that_day(
    clinic: Clinic,
) -> None:
    from ledger.errors import UnknownPrice
    from ledger.services.billing import prices

    with on(DAY1):
        prices.set_price(clinic.db, billing(clinic), code="CONSULT", description="Consultation",
                         price_cents=15_000)  # fmt: skip
    done = infuse(clinic, DAY1)  # MOOD has no price yet
    assert done.billing == "pending"
    day = DAY1 + timedelta(days=1)
    with on(day):
        bella = billing(clinic)
        [waiting] = pending_charges(clinic.db, bella)
        assert waiting.unit_cents == 0 and "no price for MOOD" in waiting.note
        draft = invoices.new_invoice(clinic.db, bella, patient="MRN1")
        with pytest.raises(UnknownPrice):
            lines.add_infusion_line(clinic.db, bella, draft, infusion_id=done.infusion_id)
        prices.set_price(clinic.db, bella, code="MOOD", description="Mood infusion",
                         price_cents=45_000, effective_from=DAY1)  # fmt: skip
        line = lines.add_infusion_line(clinic.db, bella, draft, infusion_id=done.infusion_id)
    assert line.line_cents == 45_000 and line.description == f"Mood infusion on {DAY1}"


def test_all_waiting_infusions_go_on_an_invoice_in_one_step_or_none_do(clinic: Clinic) -> None:
    """`add_pending_lines` bills every infusion of the patient still waiting (none already on
    another draft), oldest first, in one transaction; a draft that is no longer a draft takes
    none of them and the ledger is unchanged."""
    price_list(clinic)
    one = infuse(clinic, DAY1)
    two = infuse(clinic, DAY1 + timedelta(days=1), service="BOOSTER")
    three = infuse(clinic, DAY1 + timedelta(days=2))
    infuse(clinic, DAY1 + timedelta(days=2), patient="MRN2", vial="K-000002")
    with on(DAY1 + timedelta(days=3)):
        bella = billing(clinic)
        held = invoices.new_invoice(clinic.db, bella, patient="MRN1")
        lines.add_infusion_line(clinic.db, bella, held, infusion_id=two.infusion_id)
        draft = invoices.new_invoice(clinic.db, bella, patient="MRN1")
        added = lines.add_pending_lines(clinic.db, bella, draft)
        # The booster already on the other draft stays there; MRN2's infusion is not MRN1's.
        assert [(line.infusion_id, line.line_cents) for line in added] == [
            (one.infusion_id, 45_000), (three.infusion_id, 45_000)
        ]  # fmt: skip
        assert lines.add_pending_lines(clinic.db, bella, draft) == []
        issued = invoices.issue_invoice(clinic.db, bella, draft)
        assert issued.total_cents == 90_000
        before = dump(clinic.db)
        with pytest.raises(InvoiceNotDraft):
            lines.add_pending_lines(clinic.db, bella, issued.number)
        assert dump(clinic.db) == before
    assert run_check(clinic.db).ok
