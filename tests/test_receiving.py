"""Receiving stock: the receipt record, one labelled vial per container, and its refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from ledger import clock
from ledger.check import run_check
from ledger.errors import (
    LateEntryNeedsReason,
    LotExpired,
    PermissionDenied,
    RegistrationExpired,
    ScheduleNotCovered,
    UnknownRecord,
)
from ledger.models import Movement, Receipt, Vial, VialBalance
from ledger.services.catalogue import add_product, add_registration
from ledger.services.receiving import receive
from ledger.settings import clinic_timezone
from tests.support import KETAMINE, Clinic, dump


def _receive(clinic: Clinic, **kw):  # type: ignore[no-untyped-def]
    args = dict(
        supplier="Henry Schein",
        invoice_number="INV-9",
        ndc=KETAMINE,
        lot="LOT-B",
        expires=date(2034, 12, 31),
        vials=3,
    )
    args.update(kw)
    actor = args.pop("actor", None) or clinic.actor("maria")
    return receive(clinic.db, actor, **args)


def test_receiving_three_vials_makes_three_sealed_labelled_vials(clinic: Clinic) -> None:
    result = _receive(clinic)
    assert result.vials == ["K-000006", "K-000007", "K-000008"]
    with clinic.db.read() as s:
        receipt = s.get(Receipt, result.receipt_id)
        vials = s.execute(sa.select(Vial).where(Vial.receipt_id == receipt.id)).scalars().all()  # type: ignore[call-overload]
        moves = [s.get(Movement, i) for i in result.movement_ids]
        cached = [s.get(VialBalance, v.id).balance_ug for v in vials]
    assert (receipt.invoice_number, receipt.lot, receipt.containers) == ("INV-9", "LOT-B", 3)
    assert {v.state for v in vials} == {"sealed"}
    assert [m.kind for m in moves] == ["receive"] * 3
    assert [m.amount_ug for m in moves] == [500_000] * 3 == cached
    assert run_check(clinic.db).ok


def test_the_date_actually_received_is_kept_apart_from_the_entry_time(clinic: Clinic) -> None:
    arrived = clock.now() - timedelta(days=1)
    result = _receive(clinic, received_at=arrived, reason="arrived after hours, logged next day")
    with clinic.db.read() as s:
        receipt = s.get(Receipt, result.receipt_id)
        move = s.get(Movement, result.movement_ids[0])
    assert receipt.received_at == arrived
    assert receipt.entered_at > arrived
    assert move.late and move.event_at == arrived


def test_a_late_receipt_without_a_reason_is_refused(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(LateEntryNeedsReason):
        _receive(clinic, received_at=clock.now() - timedelta(hours=3))
    assert dump(clinic.db) == before


def test_an_expired_lot_is_refused(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(LotExpired):
        _receive(clinic, expires=clock.clinic_today(clinic_timezone(clinic.db)) - timedelta(days=2))
    assert dump(clinic.db) == before


def test_a_schedule_the_registration_does_not_cover_is_refused(clinic: Clinic) -> None:
    add_product(
        clinic.db,
        clinic.actor("maria"),
        name="Oxycodone",
        ndc="0406-0552-01",
        schedule=2,
        strength_ug_per_ml=1_000,
        volume_ul=1_000,
        label_prefix="OX",
    )
    before = dump(clinic.db)
    with pytest.raises(ScheduleNotCovered):
        _receive(clinic, ndc="0406-0552-01")
    assert dump(clinic.db) == before


def test_activity_at_an_expired_registration_is_refused(clinic: Clinic) -> None:
    clock.set_clock(lambda: datetime(2035, 1, 3, 17, 0, tzinfo=UTC))  # registration ends 2035-01-01
    before = dump(clinic.db)
    with pytest.raises(RegistrationExpired):
        _receive(clinic, expires=date(2036, 1, 1))
    assert dump(clinic.db) == before


def test_with_two_registrations_the_receipt_must_name_one(clinic: Clinic) -> None:
    add_registration(
        clinic.db,
        clinic.actor("admin"),
        dea_number="BK7654329",
        registrant="Dr Kim",
        address="2 Site Rd",
        schedules=[3, 4],
        expires=date(2035, 1, 1),
    )
    with pytest.raises(UnknownRecord, match="--registration"):
        _receive(clinic)
    result = _receive(clinic, registration="BK7654329")
    with clinic.db.read() as s:
        vial = s.execute(sa.select(Vial).where(Vial.label == result.vials[0])).scalar_one()  # type: ignore[call-overload]
    assert vial.registration_id == 2


def test_a_nurse_may_receive_but_billing_may_not(clinic: Clinic) -> None:
    _receive(clinic, actor=clinic.actor("nina"))
    before = dump(clinic.db)
    with pytest.raises(PermissionDenied):
        _receive(clinic, actor=clinic.actor("bella"))
    assert dump(clinic.db) == before


def test_unknown_supplier_and_product_are_refused(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(UnknownRecord):
        _receive(clinic, supplier="Nobody Inc")
    with pytest.raises(UnknownRecord):
        _receive(clinic, ndc="99999-9999-99")
    assert dump(clinic.db) == before
