"""Aging as of a past day, on both databases: only invoices issued, payments received,
refunds made and credit notes issued on or before that day (the clinic's calendar) count,
and an invoice voided later was still owed then."""

from __future__ import annotations

from datetime import date

from ledger.services.billing import corrections, invoices, lines, payments
from ledger.services.billing.aging import ar_aging
from tests.billing_story import DAY1, billing, on, price_list
from tests.support import Clinic


def _invoice(clinic: Clinic, code: str) -> str:
    bella = billing(clinic)
    draft = invoices.new_invoice(clinic.db, bella, patient="MRN1")
    lines.add_item_line(clinic.db, bella, draft, code=code)
    return invoices.issue_invoice(clinic.db, bella, draft).number


def _aging(clinic: Clinic, day: date) -> list[tuple[str, int]]:
    with on(date(2026, 4, 1)):
        aging = ar_aging(clinic.db, billing(clinic), on=day)
    assert aging.total_cents == sum(a.balance_cents for a in aging.invoices)
    return [(a.number, a.balance_cents) for a in aging.invoices]


def test_aging_on_a_past_day_ignores_what_happened_after_it(clinic: Clinic) -> None:
    price_list(clinic)
    with on(DAY1):  # Jan 6
        mood = _invoice(clinic, "MOOD")  # 450.00
        consult = _invoice(clinic, "CONSULT")  # 150.00
    with on(date(2026, 1, 20)):
        paid = payments.pay_invoice(
            clinic.db, billing(clinic), mood, amount_cents=10_000, method="card"
        )
    with on(date(2026, 2, 1)):
        corrections.void_invoice(clinic.db, billing(clinic), consult, reason="not given")
    with on(date(2026, 2, 10)):
        corrections.credit_note(
            clinic.db, billing(clinic), mood, amount_cents=5_000, reason="courtesy"
        )
    with on(date(2026, 2, 15)):
        payments.refund_payment(
            clinic.db, billing(clinic), paid.payment_id, amount_cents=2_000, reason="late start"
        )
    with on(date(2026, 3, 1)):
        payments.pay_invoice(clinic.db, billing(clinic), mood, amount_cents=32_000, method="cash")

    assert _aging(clinic, date(2026, 1, 5)) == []
    assert _aging(clinic, date(2026, 1, 19)) == [(mood, 45_000), (consult, 15_000)]
    assert _aging(clinic, date(2026, 1, 31)) == [(mood, 35_000), (consult, 15_000)]
    assert _aging(clinic, date(2026, 2, 10)) == [(mood, 30_000)]
    assert _aging(clinic, date(2026, 2, 28)) == [(mood, 32_000)]
    assert _aging(clinic, date(2026, 3, 1)) == []
