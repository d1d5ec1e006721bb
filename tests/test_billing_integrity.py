"""Money that cannot be bent: the infusion records even when billing fails, the database
refuses edits of issued documents and money rows, and `check` names a tampered money row."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from ledger.check import run_check
from ledger.models import CreditMovement, Infusion, MoneyEntry, PendingCharge
from ledger.services.billing import credits, infusion_billing, invoices, lines, payments
from ledger.services.billing.liability import prepaid_liability
from tests.billing_story import DAY1, billing, infuse, on, price_list
from tests.reliability.tampering import drop_guards, execute
from tests.support import Clinic


def sold_and_paid(clinic: Clinic) -> str:
    price_list(clinic)
    with on(DAY1):
        bella = billing(clinic)
        draft = invoices.new_invoice(clinic.db, bella, patient="MRN1")
        lines.add_package_line(clinic.db, bella, draft, code="SERIES6")
        number = invoices.issue_invoice(clinic.db, bella, draft).number
        payments.pay_invoice(clinic.db, bella, number, amount_cents=240_000, method="card")
        return number


def test_the_infusion_records_when_billing_fails_and_its_charge_waits(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    sold_and_paid(clinic)
    real = credits.consume_credit

    def half_then_fail(tx: Any, **kw: Any) -> int | None:
        real(tx, **kw)  # a credit movement and its money entry are written...
        raise RuntimeError("billing server on fire")  # ...and then billing fails

    monkeypatch.setattr(infusion_billing, "consume_credit", half_then_fail)
    with clinic.db.read() as s:
        entries = len(s.exec(select(MoneyEntry)).all())
    result = infuse(clinic, DAY1 + timedelta(days=1))
    assert result.billing == "failed"
    with clinic.db.read() as s:
        assert s.get(Infusion, result.infusion_id) is not None
        charge = s.exec(
            select(PendingCharge).where(PendingCharge.infusion_id == result.infusion_id)
        ).one()
        # Nothing of the failed half stays: no credit used, no money entry.
        consumed = s.exec(select(CreditMovement).where(CreditMovement.kind == "consume")).all()
        assert len(s.exec(select(MoneyEntry)).all()) == entries
    assert consumed == []
    assert charge.note.startswith("billing refused") and charge.unit_cents == 45_000
    with on(DAY1 + timedelta(days=1)):
        assert prepaid_liability(clinic.db, billing(clinic)).credits == 6
    assert run_check(clinic.db).ok
    # The next infusion, with billing well again, takes a credit.
    monkeypatch.setattr(infusion_billing, "consume_credit", real)
    assert infuse(clinic, DAY1 + timedelta(days=2)).billing == "credit"
    assert run_check(clinic.db).ok


REFUSED_EDITS = [
    "UPDATE invoice SET total_cents = 1 WHERE number = 'INV-2026-000001'",
    "UPDATE invoice SET status = 'void' WHERE number = 'INV-2026-000001'",
    "UPDATE invoice SET status = 'draft' WHERE number = 'INV-2026-000001'",
    "DELETE FROM invoice WHERE number = 'INV-2026-000001'",
    "UPDATE invoice_line SET line_cents = 1",
    "DELETE FROM invoice_line",
    "INSERT INTO invoice_line (invoice_id, kind, description, quantity, unit_cents, line_cents, "
    "added_at, added_by_id) SELECT id, 'manual', 'x', 1, 5, 5, created_at, created_by_id "
    "FROM invoice WHERE number = 'INV-2026-000001'",
    "UPDATE payment SET amount_cents = 1",
    "DELETE FROM payment",
    "UPDATE credit_movement SET kind = 'grant'",
    "DELETE FROM credit_movement",
    "UPDATE package_credit SET allocated_cents = 1",
    "UPDATE money_entry SET amount_cents = 1",
    "DELETE FROM money_entry",
    "UPDATE money_head SET seq = seq + 1",
    "UPDATE document_counter SET last_number = 0",
    "DELETE FROM document_counter",
    "UPDATE price_item SET unit_price_cents = 1",
]


@pytest.mark.parametrize("sql", REFUSED_EDITS)
def test_the_database_refuses_edits_of_issued_money(clinic: Clinic, sql: str) -> None:
    sold_and_paid(clinic)
    with pytest.raises(sa.exc.DBAPIError, match="AppendOnly|IssuedDocumentFixed|DocumentNumbers"):
        execute(clinic.db, sql)
    assert run_check(clinic.db).ok


def test_a_draft_stays_editable_at_the_database_too(clinic: Clinic) -> None:
    price_list(clinic)
    with on(DAY1):
        bella = billing(clinic)
        draft = invoices.new_invoice(clinic.db, bella, patient="MRN1")
        line = lines.add_item_line(clinic.db, bella, draft, code="MOOD")
    execute(
        clinic.db, f"UPDATE invoice_line SET quantity = 2, line_cents = 90000 WHERE id = {line.id}"
    )
    with on(DAY1):
        lines.remove_line(clinic.db, billing(clinic), draft, line_id=line.id)
        assert invoices.show_invoice(clinic.db, billing(clinic), draft).lines == []


@pytest.mark.parametrize(
    ("sql", "rule"),
    [
        ("UPDATE payment SET amount_cents = 100", "MoneyRecordAltered"),
        ("UPDATE money_entry SET amount_cents = 100 WHERE kind = 'payment'", "MoneyHashMismatch"),
        ("DELETE FROM money_entry WHERE id = 3", "MoneyChainBroken"),
        ("UPDATE invoice_line SET line_cents = 100", "InvoiceLinesAltered"),
        ("UPDATE invoice SET number = 'INV-2026-000002'", "DocumentNumberGap"),
        ("UPDATE package_credit SET allocated_cents = 1 WHERE seq = 2", "MoneyRecordAltered"),
    ],
)
def test_check_names_a_money_row_tampered_with_the_guards_removed(
    clinic: Clinic, sql: str, rule: str
) -> None:
    sold_and_paid(clinic)
    infuse(clinic, DAY1 + timedelta(days=1))
    assert run_check(clinic.db).ok
    drop_guards(clinic.db)
    execute(clinic.db, sql)
    report = run_check(clinic.db)
    assert not report.ok
    assert rule in {p.rule for p in report.problems}
