"""Money typed by billing staff becomes exact integer cents, or is refused; and a patient's
account adds up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ledger.errors import InvalidAmount
from ledger.money import cents_text, parse_cents, parse_percent, percent_text
from ledger.services.billing import account, invoices, lines, payments
from tests.billing_story import DAY1, billing, infuse, on, price_list
from tests.support import Clinic


@pytest.mark.parametrize(
    ("text", "cents"),
    [("2400.00", 240_000), ("2400", 240_000), ("2,400.5", 240_050), ("$0.01", 1),
     (" 19.99 ", 1_999), ("0", 0)],
)  # fmt: skip
def test_amounts_are_exact_cents(text: str, cents: int) -> None:
    assert parse_cents(text) == cents
    assert parse_cents(cents_text(cents)) == cents


@pytest.mark.parametrize(
    "text", ["2400.001", "-5", "1e3", "12,34", "2400.", ".5", "abc", "", "nan", "99999999999"]
)
def test_anything_else_is_refused_never_rounded(text: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_cents(text)


def test_a_float_is_refused_even_when_it_looks_exact() -> None:
    with pytest.raises(InvalidAmount):
        parse_cents(2400.0)  # type: ignore[arg-type]
    assert parse_cents("-5", allow_negative=True) == -500


def test_percentages_are_basis_points() -> None:
    assert [parse_percent(t) for t in ("10%", "12.5%", "100")] == [1000, 1250, 10_000]
    assert percent_text(1250) == "12.5%" and percent_text(1000) == "10%"
    for bad in ("0%", "100.01%", "-5%", "10.123%"):
        with pytest.raises(InvalidAmount):
            parse_percent(bad)


def test_a_patients_account_shows_credits_invoices_payments_and_what_is_owed(
    clinic: Clinic,
) -> None:
    price_list(clinic)
    with on(DAY1):
        bella = billing(clinic)
        draft = invoices.new_invoice(clinic.db, bella, patient="MRN1")
        lines.add_package_line(clinic.db, bella, draft, code="SERIES6")
        number = invoices.issue_invoice(clinic.db, bella, draft).number
        payments.pay_invoice(clinic.db, bella, number, amount_cents=100_000, method="card")
    infuse(clinic, DAY1 + timedelta(days=1))
    infuse(clinic, DAY1 + timedelta(days=1), service="PAIN")
    with on(DAY1 + timedelta(days=1)):
        acct = account.patient_account(clinic.db, billing(clinic), patient="MRN1")
        paid = account.invoice_payments(clinic.db, billing(clinic), number)
    assert len(acct.unused_credits) == 5 and acct.unused_credits[0].expires_on == DAY1 + timedelta(
        days=90
    )
    assert [i.number for i in acct.invoices] == [number]
    assert (
        [(p.method, p.amount_cents) for p in acct.payments]
        == [("card", 100_000)]
        == [(p.method, p.amount_cents) for p in paid]
    )
    assert [p.code for p in acct.pending] == ["PAIN"]
    assert acct.balance_cents == 140_000 and acct.patient_credit_cents == 0
