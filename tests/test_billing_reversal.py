"""Reversing an infusion answers its billing in the same transaction, on both databases: the
package credit it used is given back (a new, sealed credit movement), its pending charge is
withdrawn, and a charge already billed on an issued invoice is left for a credit note while
the cross-check reports it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ledger.check import run_check
from ledger.errors import InfusionNotPending, InvoiceEmpty
from ledger.models import metadata
from ledger.services import corrections as ledger_corrections
from ledger.services.billing import corrections, invoices, lines
from ledger.services.billing.account import patient_account
from ledger.services.billing.liability import prepaid_liability
from ledger.services.billing.pending import pending_charges
from ledger.services.infusions import record_infusion
from ledger.services.superbill import billing_crosscheck
from tests.billing_documents_support import MONDAY, infusion, pin, ready_for_billing
from tests.support import Clinic, dump

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def billing(clinic: Clinic) -> Clinic:
    pin(MONDAY)
    ready_for_billing(clinic)
    return clinic


def _rows(clinic: Clinic, table: str) -> list[dict]:  # type: ignore[type-arg]
    t = metadata.tables[table]
    with clinic.db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.id))]


def _sell_series(clinic: Clinic) -> int:
    bella = clinic.actor("bella")
    inv = invoices.new_invoice(clinic.db, bella, patient="MRN1")
    lines.add_package_line(clinic.db, bella, inv, code="SERIES6")
    invoices.issue_invoice(clinic.db, bella, inv)
    return inv


def _reverse(clinic: Clinic, infusion_id: int) -> None:
    movement = next(r["id"] for r in _rows(clinic, "movement") if r["infusion_id"] == infusion_id)
    ledger_corrections.reverse(
        clinic.db, clinic.actor("drkim"), movement_id=movement,
        reason="charted against the wrong patient", witness=clinic.witness("omar"),
    )  # fmt: skip


def test_reversing_an_infusion_gives_its_package_credit_back(billing: Clinic) -> None:
    bella = billing.actor("bella")
    inv = _sell_series(billing)
    used = infusion(billing, start=MONDAY)
    assert prepaid_liability(billing.db, bella).total_cents == 200_000
    pin(MONDAY + timedelta(hours=1))
    _reverse(billing, used)

    # A new movement gives a fresh credit of the same sale back; the used one stays used.
    moves = _rows(billing, "credit_movement")
    assert [m["kind"] for m in moves][-2:] == ["consume", "return"]
    back = moves[-1]
    assert back["infusion_id"] == used and back["closes_credit_id"] is None
    credits = {c["id"]: c for c in _rows(billing, "package_credit")}
    assert len(credits) == 7
    consumed = credits[moves[-2]["credit_id"]]
    fresh = credits[back["credit_id"]]
    same = ("invoice_line_id", "seq", "allocated_cents", "expires_on")
    assert [fresh[k] for k in same] == [consumed[k] for k in same]
    # ...sealed in the money chain, and `check` stays clean.
    last = _rows(billing, "money_entry")[-1]
    assert (last["kind"], last["source_table"], last["source_id"], last["amount_cents"]) == (
        "credit_return",
        "credit_movement",
        back["id"],
        40_000,
    )
    assert run_check(billing.db).ok

    account = patient_account(billing.db, bella, patient="MRN1")
    assert sorted(c.state for c in account.credits).count("unused") == 6
    assert [c.state for c in account.credits if c.id == consumed["id"]] == ["returned"]
    assert prepaid_liability(billing.db, bella).total_cents == 240_000
    # Nothing billed for a dose nobody was given: the cross-check is clean.
    assert billing_crosscheck(billing.db, bella, *MARCH) == []
    # No session used any more: the sale can be voided again.
    corrections.void_invoice(billing.db, bella, inv, reason="series cancelled")
    assert run_check(billing.db).ok


def test_a_returned_credit_pays_for_the_next_infusion(billing: Clinic) -> None:
    _sell_series(billing)
    first = infusion(billing, start=MONDAY)
    pin(MONDAY + timedelta(hours=1))
    _reverse(billing, first)
    pin(MONDAY + timedelta(days=1, minutes=40))
    done = record_infusion(
        billing.db, billing.actor("nina"), patient="MRN1", vial="K-000001", drawn_ug=40_000,
        given_ug=40_000, wasted_ug=0, witness=billing.witness("omar"),
    )  # fmt: skip
    assert done.billing == "credit"
    account = patient_account(billing.db, billing.actor("bella"), patient="MRN1")
    assert len(account.unused_credits) == 5
    assert run_check(billing.db).ok


def test_a_credit_given_back_after_its_expiry_stays_expired(billing: Clinic) -> None:
    bella = billing.actor("bella")
    _sell_series(billing)
    used = infusion(billing, start=MONDAY)
    pin(MONDAY + timedelta(days=120))
    _reverse(billing, used)
    assert [m["kind"] for m in _rows(billing, "credit_movement")][-1] == "return"
    account = patient_account(billing.db, bella, patient="MRN1")
    assert account.unused_credits == []
    assert prepaid_liability(billing.db, bella).total_cents == 0


def test_reversing_an_infusion_withdraws_its_pending_charge(billing: Clinic) -> None:
    bella = billing.actor("bella")
    pending = infusion(billing, start=MONDAY)
    assert [p.infusion_id for p in pending_charges(billing.db, bella)] == [pending]
    pin(MONDAY + timedelta(hours=1))
    _reverse(billing, pending)
    assert pending_charges(billing.db, bella) == []
    # The charge itself is history: still there, withdrawn by the reversal.
    assert [c["infusion_id"] for c in _rows(billing, "pending_charge")] == [pending]
    inv = invoices.new_invoice(billing.db, bella, patient="MRN1")
    with pytest.raises(InfusionNotPending) as refused:
        lines.add_infusion_line(billing.db, bella, inv, infusion_id=pending)
    assert "reversed" in str(refused.value)
    assert billing_crosscheck(billing.db, bella, *MARCH) == []
    assert run_check(billing.db).ok


def test_a_charge_already_invoiced_is_left_for_a_credit_note_and_found(billing: Clinic) -> None:
    bella = billing.actor("bella")
    billed = infusion(billing, start=MONDAY)
    pin(MONDAY + timedelta(hours=2))
    inv = invoices.new_invoice(billing.db, bella, patient="MRN1")
    lines.add_infusion_line(billing.db, bella, inv, infusion_id=billed)
    invoices.issue_invoice(billing.db, bella, inv)
    before = _rows(billing, "invoice"), _rows(billing, "invoice_line")
    _reverse(billing, billed)
    assert (_rows(billing, "invoice"), _rows(billing, "invoice_line")) == before
    assert pending_charges(billing.db, bella) == []
    found = billing_crosscheck(billing.db, bella, *MARCH)
    assert [(f.kind, f.infusion) for f in found] == [("billed_without_administration", billed)]
    assert run_check(billing.db).ok


def test_a_draft_holding_an_infusion_reversed_since_cannot_be_issued(billing: Clinic) -> None:
    bella = billing.actor("bella")
    held = infusion(billing, start=MONDAY)
    pin(MONDAY + timedelta(hours=2))
    inv = invoices.new_invoice(billing.db, bella, patient="MRN1")
    line = lines.add_infusion_line(billing.db, bella, inv, infusion_id=held)
    _reverse(billing, held)
    before = dump(billing.db)
    with pytest.raises(InfusionNotPending) as refused:
        invoices.issue_invoice(billing.db, bella, inv)
    assert f"line {line.id} (infusion {held})" in str(refused.value)
    assert "remove those lines first" in str(refused.value)
    assert dump(billing.db) == before
    # Taking the line off leaves an empty draft, refused for that; nothing was billed.
    lines.remove_line(billing.db, bella, inv, line_id=line.id)
    with pytest.raises(InvoiceEmpty):
        invoices.issue_invoice(billing.db, bella, inv)
    assert [r["status"] for r in _rows(billing, "invoice")] == ["draft"]
    assert billing_crosscheck(billing.db, bella, *MARCH) == []
    assert run_check(billing.db).ok
