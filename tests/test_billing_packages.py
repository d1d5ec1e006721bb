"""Packages sold as prepaid credits: granted at issue, consumed by infusions, expired,
refunded by the rule to the cent, and the prepaid liability an accountant asks for."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from ledger.check import run_check
from ledger.errors import NothingToRefund
from ledger.models import PendingCharge
from ledger.services.billing import invoices, lines, payments, refunds
from ledger.services.billing.credits import patient_credits
from ledger.services.billing.liability import prepaid_liability
from ledger.services.billing.packages import allocation
from ledger.services.billing.pending import pending_charges
from ledger.services.settings import update_settings
from tests.billing_story import DAY1, billing, infuse, on, price_list
from tests.support import Clinic, dump


def sell(clinic: Clinic, package: str, *, day: date = DAY1, patient: str = "MRN1",
         pay_cents: int | None = None) -> invoices.InvoiceIssued:  # fmt: skip
    with on(day):
        bella = billing(clinic)
        draft = invoices.new_invoice(clinic.db, bella, patient=patient)
        lines.add_package_line(clinic.db, bella, draft, code=package)
        issued = invoices.issue_invoice(clinic.db, bella, draft)
        if pay_cents:
            payments.pay_invoice(clinic.db, bella, issued.number, amount_cents=pay_cents,
                                 method="card", reference="VISA 4242")  # fmt: skip
        return issued


def credit_states(clinic: Clinic, day: date, patient_id: int = 1) -> list[str]:
    with clinic.db.read() as s:
        return [c.state for c in patient_credits(s, patient_id, day)]


def test_a_series_sold_is_consumed_by_infusions_then_expires(clinic: Clinic) -> None:
    price_list(clinic)
    sold = sell(clinic, "SERIES6", pay_cents=240_000)
    assert sold.number == "INV-2026-000001" and sold.total_cents == 240_000
    assert len(sold.credit_ids) == 6
    first = infuse(clinic, DAY1 + timedelta(days=1))
    second = infuse(clinic, DAY1 + timedelta(days=3))
    assert (first.billing, second.billing) == ("credit", "credit")
    assert credit_states(clinic, DAY1 + timedelta(days=3)) == ["used"] * 2 + ["unused"] * 4
    with on(DAY1 + timedelta(days=3)):
        owed = prepaid_liability(clinic.db, billing(clinic))
    assert owed.total_cents == 4 * 40_000 and owed.credits == 4
    assert [(p.mrn, p.liability_cents) for p in owed.patients] == [("MRN1", 160_000)]
    # Valid 90 days from the sale: on the 90th day still owed, the day after expired.
    last = DAY1 + timedelta(days=90)
    with on(last):
        assert prepaid_liability(clinic.db, billing(clinic)).total_cents == 160_000
    with on(last + timedelta(days=1)):
        assert prepaid_liability(clinic.db, billing(clinic)).total_cents == 0
    assert credit_states(clinic, last + timedelta(days=1)) == ["used"] * 2 + ["expired"] * 4
    # An infusion after expiry is billed singly at that day's list price.
    late = infuse(clinic, last + timedelta(days=2), vial="K-000002")
    assert late.billing == "pending"
    with on(last + timedelta(days=2)):
        waiting = pending_charges(clinic.db, billing(clinic))
    assert [(p.infusion_id, p.code, p.unit_cents) for p in waiting] == [
        (late.infusion_id, "MOOD", 45_000)
    ]
    assert run_check(clinic.db).ok


def test_a_price_that_does_not_divide_puts_the_remainder_on_the_first_credit(
    clinic: Clinic,
) -> None:
    assert allocation(100_000, 3) == [33_334, 33_333, 33_333]
    assert sum(allocation(240_001, 6)) == 240_001
    price_list(clinic)
    sell(clinic, "BOOST3")
    with clinic.db.read() as s:
        shares = [c.allocated_cents for c in patient_credits(s, 1, DAY1)]
    assert shares == [33_334, 33_333, 33_333] and sum(shares) == 100_000


def test_unused_credits_are_refunded_by_the_rule_to_the_cent(clinic: Clinic) -> None:
    price_list(clinic)
    with on(DAY1):
        update_settings(clinic.db, clinic.actor("admin"), refund_admin_fee_cents=2_500)
    sold = sell(clinic, "SERIES6", pay_cents=240_000)
    infuse(clinic, DAY1 + timedelta(days=1))
    infuse(clinic, DAY1 + timedelta(days=2))
    # A price rise after the sale does not change the rule: the sale date's price counts.
    from ledger.services.billing import prices

    with on(DAY1 + timedelta(days=3)):
        prices.set_price(clinic.db, billing(clinic), code="MOOD", description="Mood infusion",
                         price_cents=50_000)  # fmt: skip
        done = refunds.refund_package(clinic.db, billing(clinic), sold.number,
                                      reason="moving away")  # fmt: skip
    # 2400.00 paid − 2 × 450.00 used − 25.00 fee = 1475.00
    assert done.amount_cents == 147_500
    assert (done.sessions_used, done.single_price_cents, done.admin_fee_cents) == (2, 45_000, 2_500)
    assert done.credits_closed == 4 and done.credit_note == "CN-2026-000001"
    with on(DAY1 + timedelta(days=3)):
        shown = invoices.show_invoice(clinic.db, billing(clinic), sold.number)
        assert prepaid_liability(clinic.db, billing(clinic)).total_cents == 0
    assert shown.total_cents == 240_000  # the issued invoice never changes
    assert (shown.credited_cents, shown.paid_cents, shown.balance_cents) == (147_500, 92_500, 0)
    assert credit_states(clinic, DAY1 + timedelta(days=3)) == ["used"] * 2 + ["refunded"] * 4
    before = dump(clinic.db)
    with on(DAY1 + timedelta(days=3)), pytest.raises(NothingToRefund):
        refunds.refund_package(clinic.db, billing(clinic), sold.number, reason="again")
    assert dump(clinic.db) == before
    assert run_check(clinic.db).ok


def test_a_refund_never_goes_below_zero(clinic: Clinic) -> None:
    assert refunds.refund_amount(paid=240_000, used=5, single=45_000, fee=2_500) == 12_500
    assert refunds.refund_amount(paid=240_000, used=6, single=45_000, fee=0) == 0
    assert refunds.refund_amount(paid=100_000, used=1, single=45_000, fee=60_000) == 0


def test_an_infusion_no_credit_covers_waits_as_a_pending_charge(clinic: Clinic) -> None:
    price_list(clinic)
    sell(clinic, "SERIES6")  # covers MOOD only
    pain = infuse(clinic, DAY1 + timedelta(days=1), protocol="pain")
    booster = infuse(clinic, DAY1 + timedelta(days=1), service="booster")
    assert (pain.billing, booster.billing) == ("pending", "pending")
    with clinic.db.read() as s:
        charges = s.exec(select(PendingCharge).order_by(col(PendingCharge.id))).all()
    assert [(c.code, c.unit_cents) for c in charges] == [("PAIN", 60_000), ("BOOSTER", 40_000)]
    assert credit_states(clinic, DAY1 + timedelta(days=1)) == ["unused"] * 6


def test_a_clinic_that_prices_nothing_keeps_no_billing_records(clinic: Clinic) -> None:
    assert infuse(clinic, DAY1).billing == ""
    with clinic.db.read() as s:
        assert s.exec(select(PendingCharge)).all() == []


def test_the_oldest_sale_whose_package_covers_the_service_is_used_first(clinic: Clinic) -> None:
    price_list(clinic)
    sell(clinic, "BOOST3")  # BOOSTER or MOOD, sold first
    sell(clinic, "SERIES6", day=DAY1 + timedelta(days=1))  # MOOD only
    given = [infuse(clinic, DAY1 + timedelta(days=2 + n)).infusion_id for n in range(4)]
    with clinic.db.read() as s:
        used_by = {
            c.infusion_id: c.package_code for c in patient_credits(s, 1, DAY1 + timedelta(days=6))
        }
    # Three mood infusions use the booster pack (sold first), the fourth the series.
    assert [used_by[i] for i in given] == ["BOOST3"] * 3 + ["SERIES6"]
    assert run_check(clinic.db).ok
