"""One session a day, on both databases: an adjunct (midazolam) recorded as an infusion for
the patient on the day of their ketamine infusion is billed with it, consuming no second
credit and leaving no second pending charge, unless its service is named explicitly."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from ledger.check import run_check
from ledger.models import metadata
from ledger.services.billing import invoices, lines
from ledger.services.billing.liability import prepaid_liability
from ledger.services.billing.pending import pending_charges
from ledger.services.corrections import reverse
from ledger.services.infusions import InfusionRecorded, record_infusion
from ledger.services.superbill import billing_crosscheck
from tests.billing_documents_support import MONDAY, infusion, pin, ready_for_billing
from tests.support import Clinic

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def billing(clinic: Clinic) -> Clinic:
    pin(MONDAY)
    ready_for_billing(clinic)
    return clinic


def _midazolam(
    clinic: Clinic,
    at: datetime,
    *,
    service: str | None = None,
    patient: str = "MRN1",
    vial: str = "M-000001",
) -> InfusionRecorded:
    pin(at)
    return record_infusion(
        clinic.db, clinic.actor("nina"), patient=patient, vial=vial, drawn_ug=2_000,
        given_ug=2_000, wasted_ug=0, witness=clinic.witness("omar"), service=service,
    )  # fmt: skip


def _sell_series(clinic: Clinic) -> None:
    bella = clinic.actor("bella")
    inv = invoices.new_invoice(clinic.db, bella, patient="MRN1")
    lines.add_package_line(clinic.db, bella, inv, code="SERIES6")
    invoices.issue_invoice(clinic.db, bella, inv)


def test_an_adjunct_the_same_day_uses_no_second_credit(billing: Clinic) -> None:
    bella = billing.actor("bella")
    _sell_series(billing)
    infusion(billing, start=MONDAY)
    adjunct = _midazolam(billing, MONDAY + timedelta(hours=1))
    assert adjunct.billing == "session"
    liability = prepaid_liability(billing.db, bella)
    assert (liability.credits, liability.total_cents) == (5, 200_000)
    assert pending_charges(billing.db, bella) == []
    # Billed with the day's session: not an unbilled infusion.
    assert billing_crosscheck(billing.db, bella, *MARCH) == []
    assert run_check(billing.db).ok


def test_an_adjunct_the_same_day_leaves_no_second_pending_charge(billing: Clinic) -> None:
    bella = billing.actor("bella")
    ketamine = infusion(billing, start=MONDAY)
    assert _midazolam(billing, MONDAY + timedelta(hours=1)).billing == "session"
    assert [p.infusion_id for p in pending_charges(billing.db, bella)] == [ketamine]
    assert billing_crosscheck(billing.db, bella, *MARCH) == []


def test_a_service_named_explicitly_is_billed_as_its_own_session(billing: Clinic) -> None:
    bella = billing.actor("bella")
    _sell_series(billing)
    infusion(billing, start=MONDAY)
    second = _midazolam(billing, MONDAY + timedelta(hours=1), service="MOOD")
    assert second.billing == "credit"
    assert prepaid_liability(billing.db, bella).credits == 4


def test_the_next_day_and_another_patient_are_sessions_of_their_own(billing: Clinic) -> None:
    bella = billing.actor("bella")
    first = infusion(billing, start=MONDAY)
    other = _midazolam(billing, MONDAY + timedelta(hours=1), patient="MRN2")
    assert other.billing == "pending"
    # Monday 23:30 in Denver is still Monday; Tuesday 00:30 is a new clinic day.
    late = _midazolam(billing, datetime(2026, 3, 3, 6, 30, tzinfo=MONDAY.tzinfo), vial="M-000002")
    assert late.billing == "session"
    tuesday = infusion(billing, start=datetime(2026, 3, 3, 7, 30, tzinfo=MONDAY.tzinfo),
                       vial="K-000002")  # fmt: skip
    assert sorted(p.infusion_id for p in pending_charges(billing.db, bella)) == sorted(
        [first, other.infusion_id, tuesday]
    )


def test_after_the_days_first_infusion_is_reversed_the_next_one_bills(billing: Clinic) -> None:
    bella = billing.actor("bella")
    first = infusion(billing, start=MONDAY)
    pin(MONDAY + timedelta(hours=1))
    reverse(
        billing.db, billing.actor("drkim"), movement_id=_administration(billing, first),
        reason="wrong patient", witness=billing.witness("omar"),
    )  # fmt: skip
    again = infusion(billing, start=MONDAY + timedelta(hours=2), vial="K-000002")
    assert [p.infusion_id for p in pending_charges(billing.db, bella)] == [again]


def _administration(clinic: Clinic, infusion_id: int) -> int:
    m = metadata.tables["movement"]
    with clinic.db.engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.min(m.c.id)).where(m.c.infusion_id == infusion_id)
            ).scalar_one()
        )
