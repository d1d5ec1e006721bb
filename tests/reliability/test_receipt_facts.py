"""A receipt's invoice, supplier, lot and expiry ride in its receive movements' hashed detail,
so a receipt rewritten behind vialbook's back (guards dropped, receipt and every vial changed
alike) no longer matches its chain, and `check` names it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ledger.check import run_check
from ledger.details import ReceiptFacts
from ledger.models import Movement, MovementKind
from tests.reliability.tampering import drop_guards, execute
from tests.support import Clinic


def test_each_receive_movement_carries_its_receipts_facts(clinic: Clinic) -> None:
    with clinic.db.read() as s:
        moved = s.exec(select(Movement).where(Movement.kind == MovementKind.RECEIVE)).first()
    assert moved is not None
    facts = ReceiptFacts.from_detail(moved.detail)
    assert facts == ReceiptFacts(
        invoice_number="INV-1",
        supplier="Henry Schein",
        supplier_dea="PH7654329",
        ndc="00409-2051-05",
        lot="LOT-A",
        expires="2034-06-30",
    )
    assert run_check(clinic.db).ok


@pytest.mark.parametrize(
    ("statements", "field", "named"),
    [
        (["UPDATE receipt SET invoice_number = 'FORGED-9' WHERE id = 1"], "invoice_number", 5),
        (
            [
                "UPDATE receipt SET lot = 'LOT-X', expires = '2036-01-01' WHERE id = 1",
                "UPDATE vial SET lot = 'LOT-X', expires = '2036-01-01' WHERE receipt_id = 1",
            ],
            "lot, expires",
            5,
        ),
        # The supplier of both receipts: every receive movement of either is named.
        (["UPDATE supplier SET dea_number = 'PX7654321' WHERE id = 1"], "supplier_dea", 8),
    ],
)
def test_a_receipt_rewritten_alike_everywhere_is_named_by_check(
    clinic: Clinic, statements: list[str], field: str, named: int
) -> None:
    drop_guards(clinic.db)
    execute(clinic.db, *statements)
    problems = [p for p in run_check(clinic.db).problems if p.rule == "ReceiptMismatch"]
    assert problems, "the forged receipt passed check"
    assert all(field in p.message for p in problems)
    assert [p.movement_id for p in problems] == list(range(1, named + 1))
