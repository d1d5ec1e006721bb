"""The accountability audit adds up exactly: opening + in - out = expected = book on hand."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import sqlalchemy as sa

from ledger import clock
from ledger.models import Product, Vial, VialBalance
from ledger.models.base import table_of
from ledger.services import disposal
from ledger.services.infusions import record_infusion
from reports import accountability, xlsx
from reports.scope import Request, open_scope
from tests.support import CLINIC_OPENED, KETAMINE, Clinic


def _busy_day(clinic: Clinic) -> None:
    nina, maria = clinic.actor("nina"), clinic.actor("maria")
    record_infusion(
        clinic.db,
        nina,
        patient="MRN1",
        vial="K-000001",
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
        witness=clinic.witness("omar"),
    )
    disposal.waste(
        clinic.db,
        nina,
        vial="K-000001",
        amount_ug=1_234,
        reason="contaminated draw",
        method="drug-disposal container",
        witness=clinic.witness("omar"),
    )
    disposal.record_breakage(
        clinic.db,
        nina,
        vial="K-000002",
        amount_ug=None,
        reason="dropped",
        witness=clinic.witness("omar"),
    )
    disposal.destroy(
        clinic.db,
        maria,
        vials=["K-000003"],
        method="chemical digestion",
        reason="unwanted",
        witness=clinic.witness("nina"),
        second_witness=clinic.witness("omar"),
    )
    disposal.return_to_reverse_distributor(
        clinic.db,
        maria,
        vials=["K-000004"],
        distributor_name="RxReturns",
        distributor_address="9 Dock Rd",
        distributor_dea="RR1234563",
        invoice_number="RD-7",
    )
    disposal.record_loss(
        clinic.db, maria, vial="K-000005", amount_ug=2_000, reason="spilled? unknown"
    )


def _figures(clinic: Clinic, request: Request) -> dict[str, accountability.ProductAudit]:
    with clinic.db.read() as s:
        scope = open_scope(s, clinic.actor("audrey"), request)
        return {a.ndc: a for a in accountability.figures(s, scope)}


def _book_ug(clinic: Clinic, ndc: str) -> int:
    b, v, p = table_of(VialBalance), table_of(Vial), table_of(Product)
    with clinic.db.read() as s:
        return int(
            s.execute(
                sa.select(sa.func.sum(b.c.balance_ug))
                .select_from(b.join(v, v.c.id == b.c.vial_id).join(p, p.c.id == v.c.product_id))
                .where(p.c.ndc == ndc)
            ).scalar()
        )


def test_the_audit_adds_up_to_the_microgram(clinic: Clinic) -> None:
    _busy_day(clinic)
    today = clock.clinic_today("America/Denver")
    # From the day the clinic opened: its first deliveries are receipts, not opening stock.
    opened = CLINIC_OPENED.astimezone(ZoneInfo("America/Denver")).date()
    k = _figures(clinic, Request(opened, today))[KETAMINE]
    assert k.opening_ug == 0
    assert k.moved["receive"] == 5 * 500_000
    assert k.out("administer") == 40_000
    assert k.out("waste") == 5_000 + 1_234
    assert k.out("breakage") == 500_000
    assert k.out("destroy") == 500_000
    assert k.out("return") == 500_000
    assert k.out("loss") == 2_000
    assert k.expected_ug == 2_500_000 - 40_000 - 6_234 - 1_500_000 - 2_000
    assert k.expected_ug == k.closing_ug == _book_ug(clinic, KETAMINE)


def test_a_later_period_opens_with_the_book_balance_and_moves_nothing(clinic: Clinic) -> None:
    _busy_day(clinic)
    tomorrow = clock.clinic_today("America/Denver") + timedelta(days=1)
    k = _figures(clinic, Request(tomorrow, tomorrow))[KETAMINE]
    assert k.opening_ug == k.closing_ug == k.expected_ug == _book_ug(clinic, KETAMINE)
    assert k.moved == {}


def test_the_audit_sheet_shows_the_same_exact_figures(clinic: Clinic, tmp_path) -> None:
    _busy_day(clinic)
    today = clock.clinic_today("America/Denver")
    report = accountability.build(clinic.db, clinic.actor("audrey"), Request(today, today))
    out = tmp_path / "audit.xlsx"
    xlsx.render(report, out)
    ws = openpyxl.load_workbook(out)["Accountability per product"]
    head = [c.value for c in ws[1]]
    rows = {
        r[1].value: dict(zip(head, (c.value for c in r), strict=True))
        for r in ws.iter_rows(min_row=2, max_row=3)
    }
    k = rows[KETAMINE]
    assert Decimal(str(k["Expected mg"])) == Decimal(_book_ug(clinic, KETAMINE)) / 1000
    assert Decimal(str(k["Wasted mg"])) == Decimal("6.234")
    assert Decimal(str(k["Book minus expected mg"])) == 0
