"""Payments: partial, in full, over (kept as patient credit and applied to a later invoice),
refunded; statements and aging on the clinic's date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ledger.check import run_check
from ledger.errors import InvalidPaymentMethod, PaymentNotAllowed, RefundTooLarge
from ledger.services.billing import invoices, lines, payments
from ledger.services.billing.aging import ar_aging
from ledger.services.billing.statement import patient_statement
from tests.billing_story import DAY1, billing, on, price_list
from tests.support import Clinic, dump


def invoice_for(clinic: Clinic, code: str, quantity: int = 1, patient: str = "MRN1") -> str:
    bella = billing(clinic)
    draft = invoices.new_invoice(clinic.db, bella, patient=patient)
    lines.add_item_line(clinic.db, bella, draft, code=code, quantity=quantity)
    return invoices.issue_invoice(clinic.db, bella, draft).number


def test_partial_payment_then_overpayment_becomes_credit_applied_later(clinic: Clinic) -> None:
    price_list(clinic)
    with on(DAY1):
        bella = billing(clinic)
        first = invoice_for(clinic, "MOOD")  # 450.00
        part = payments.pay_invoice(clinic.db, bella, first, amount_cents=20_000,
                                    method="card", reference="VISA 4242")  # fmt: skip
        assert (part.applied_cents, part.credit_cents, part.balance_cents) == (20_000, 0, 25_000)
        over = payments.pay_invoice(clinic.db, bella, first, amount_cents=30_000, method="cash")
        assert (over.applied_cents, over.credit_cents, over.balance_cents) == (25_000, 5_000, 0)
        assert payments.patient_credit(clinic.db, bella, patient="MRN1") == 5_000
        before = dump(clinic.db)
        with pytest.raises(PaymentNotAllowed):
            payments.pay_invoice(clinic.db, bella, first, amount_cents=100, method="cash")
        with pytest.raises(InvalidPaymentMethod):
            payments.pay_invoice(clinic.db, bella, first, amount_cents=100, method="bitcoin")
        assert dump(clinic.db) == before
    with on(DAY1 + timedelta(days=1)):
        bella = billing(clinic)
        second = invoice_for(clinic, "CONSULT")  # 150.00
        with pytest.raises(PaymentNotAllowed):
            payments.pay_invoice(clinic.db, bella, second, amount_cents=5_001, method="credit")
        applied = payments.pay_invoice(clinic.db, bella, second, amount_cents=5_000,
                                       method="credit")  # fmt: skip
        assert (applied.applied_cents, applied.balance_cents) == (5_000, 10_000)
        assert payments.patient_credit(clinic.db, bella, patient="MRN1") == 0
        hsa = payments.pay_invoice(clinic.db, bella, second, amount_cents=10_000, method="FSA",
                                   reference="HSA card")  # fmt: skip
        assert hsa.method == "hsa" and hsa.balance_cents == 0
        shown = invoices.show_invoice(clinic.db, bella, second)
    assert (shown.total_cents, shown.paid_cents, shown.balance_cents) == (15_000, 15_000, 0)
    assert run_check(clinic.db).ok


def test_a_refund_gives_back_no_more_than_was_applied(clinic: Clinic) -> None:
    price_list(clinic)
    with on(DAY1):
        bella = billing(clinic)
        number = invoice_for(clinic, "MOOD")
        paid = payments.pay_invoice(clinic.db, bella, number, amount_cents=45_000, method="card")
        payments.refund_payment(clinic.db, bella, paid.payment_id, amount_cents=5_000,
                                reason="late start")  # fmt: skip
        before = dump(clinic.db)
        with pytest.raises(RefundTooLarge):
            payments.refund_payment(clinic.db, bella, paid.payment_id, amount_cents=40_001,
                                    reason="too much")  # fmt: skip
        assert dump(clinic.db) == before
        shown = invoices.show_invoice(clinic.db, bella, number)
    assert (shown.paid_cents, shown.balance_cents) == (40_000, 5_000)
    assert run_check(clinic.db).ok


def test_statement_and_aging_on_the_clinics_date(clinic: Clinic) -> None:
    price_list(clinic)
    with on(DAY1):
        old = invoice_for(clinic, "MOOD")  # 450.00 on Jan 6
        payments.pay_invoice(clinic.db, billing(clinic), old, amount_cents=10_000, method="cash")
    with on(date(2026, 2, 20)):
        invoice_for(clinic, "CONSULT")  # 150.00 on Feb 20
        invoice_for(clinic, "BOOSTER", patient="MRN2")  # 400.00
    with on(date(2026, 3, 10)):
        bella = billing(clinic)
        aging = ar_aging(clinic.db, bella)
        statement = patient_statement(clinic.db, bella, patient="MRN1",
                                      start=date(2026, 2, 1), end=date(2026, 2, 28))  # fmt: skip
    # Jan 6 -> Mar 10 is 63 days; Feb 20 -> Mar 10 is 18.
    assert [(a.number, a.days, a.bucket, a.balance_cents) for a in aging.invoices] == [
        ("INV-2026-000001", 63, "61-90", 35_000),
        ("INV-2026-000002", 18, "current", 15_000),
        ("INV-2026-000003", 18, "current", 40_000),
    ]
    assert aging.totals == {"current": 55_000, "31-60": 0, "61-90": 35_000, "over-90": 0}
    assert statement.opening_cents == 35_000
    assert [(ln.kind, ln.amount_cents, ln.balance_cents) for ln in statement.lines] == [
        ("invoice", 15_000, 50_000)
    ]
    assert statement.closing_cents == 50_000


def test_a_statement_lists_invoices_voids_credit_notes_payments_and_refunds(
    clinic: Clinic,
) -> None:
    from ledger.services.billing import corrections

    price_list(clinic)
    with on(DAY1):
        bella = billing(clinic)
        before = invoice_for(clinic, "CONSULT")  # 150.00, before the period: the opening
    with on(date(2026, 2, 2)):
        bella = billing(clinic)
        mood = invoice_for(clinic, "MOOD")  # 450.00
        wrong = invoice_for(clinic, "BOOSTER")  # 400.00, voided the same day
        corrections.void_invoice(clinic.db, bella, wrong, reason="wrong patient")
        paid = payments.pay_invoice(clinic.db, bella, mood, amount_cents=20_000, method="card")
    with on(date(2026, 2, 10)):
        bella = billing(clinic)
        corrections.credit_note(clinic.db, bella, mood, amount_cents=5_000, reason="late start")
        payments.refund_payment(clinic.db, bella, paid.payment_id, amount_cents=2_000,
                                reason="charged twice")  # fmt: skip
    with on(date(2026, 3, 10)):
        statement = patient_statement(clinic.db, billing(clinic), patient="MRN1",
                                      start=date(2026, 2, 1), end=date(2026, 2, 28))  # fmt: skip
    assert statement.opening_cents == 15_000 and before == "INV-2026-000001"
    assert [(ln.kind, ln.amount_cents, ln.balance_cents) for ln in statement.lines] == [
        ("invoice", 45_000, 60_000),
        ("invoice", 40_000, 100_000),
        ("void", -40_000, 60_000),
        ("payment", -20_000, 40_000),
        ("credit_note", -5_000, 35_000),
        ("refund", 2_000, 37_000),
    ]
    assert statement.closing_cents == 37_000
