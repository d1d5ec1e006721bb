"""Corrections never edit history: reversals, adjustments and transfers are new entries."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from ledger.check import run_check
from ledger.errors import (
    AlreadyReversed,
    BalanceAboveReceived,
    InsufficientBalance,
    PermissionDenied,
    ReversalNotAllowed,
    ScheduleNotCovered,
    TransferNotAllowed,
    UnknownRecord,
    WitnessRequired,
)
from ledger.models import Movement, Vial
from ledger.queries.stock import stock_on_hand
from ledger.services.catalogue import add_registration
from ledger.services.corrections import adjust, reverse
from ledger.services.infusions import record_infusion
from ledger.services.transfers import transfer
from tests.support import SECOND_DEA, Clinic, dump


def _infuse(clinic: Clinic):  # type: ignore[no-untyped-def]
    return record_infusion(
        clinic.db,
        clinic.actor("nina"),
        patient="MRN1",
        vial="K-000001",
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
        witness=clinic.witness("omar"),
    )


def _moves(clinic: Clinic) -> list[Movement]:
    with clinic.db.read() as s:
        return list(s.execute(sa.select(Movement).order_by(Movement.id)).scalars())  # type: ignore[call-overload, arg-type]


def test_reversing_an_infusion_negates_both_movements_and_links_them(clinic: Clinic) -> None:
    inf = _infuse(clinic)
    result = reverse(
        clinic.db,
        clinic.actor("drkim"),
        movement_id=inf.movement_ids[0],
        reason="charted on the wrong patient",
        witness=clinic.witness("nina"),
    )
    moves = {m.id: m for m in _moves(clinic)}
    reversals = [moves[i] for i in result.movement_ids]
    assert [(r.kind, r.amount_ug, r.original_id) for r in reversals] == [
        ("reversal", 40_000, inf.movement_ids[0]),
        ("reversal", 5_000, inf.movement_ids[1]),
    ]
    assert all(r.witness_id and r.reason == "charted on the wrong patient" for r in reversals)
    # the originals are untouched
    assert moves[inf.movement_ids[0]].amount_ug == -40_000
    assert result.balances_ug == {"K-000001": 500_000}
    assert run_check(clinic.db).ok


def test_a_movement_can_be_reversed_only_once(clinic: Clinic) -> None:
    inf = _infuse(clinic)
    reverse(
        clinic.db,
        clinic.actor("drkim"),
        movement_id=inf.movement_ids[1],
        reason="r",
        witness=clinic.witness("nina"),
    )
    before = dump(clinic.db)
    for mid in inf.movement_ids:
        with pytest.raises(AlreadyReversed):
            reverse(
                clinic.db,
                clinic.actor("drkim"),
                movement_id=mid,
                reason="again",
                witness=clinic.witness("nina"),
            )
    assert dump(clinic.db) == before


def test_a_reversal_cannot_itself_be_reversed(clinic: Clinic) -> None:
    inf = _infuse(clinic)
    r = reverse(
        clinic.db,
        clinic.actor("drkim"),
        movement_id=inf.movement_ids[0],
        reason="r",
        witness=clinic.witness("nina"),
    )
    with pytest.raises(ReversalNotAllowed):
        reverse(
            clinic.db,
            clinic.actor("drkim"),
            movement_id=r.movement_ids[0],
            reason="r",
            witness=clinic.witness("nina"),
        )


def test_a_reversal_needs_a_reason_a_witness_and_the_right_role(clinic: Clinic) -> None:
    inf = _infuse(clinic)
    before = dump(clinic.db)
    with pytest.raises(WitnessRequired):
        reverse(
            clinic.db,
            clinic.actor("drkim"),
            movement_id=inf.movement_ids[0],
            reason="r",
            witness=None,
        )
    with pytest.raises(PermissionDenied):
        reverse(
            clinic.db,
            clinic.actor("nina"),
            movement_id=inf.movement_ids[0],
            reason="r",
            witness=clinic.witness("omar"),
        )
    with pytest.raises(UnknownRecord):
        reverse(
            clinic.db,
            clinic.actor("drkim"),
            movement_id=99_999,
            reason="r",
            witness=clinic.witness("nina"),
        )
    assert dump(clinic.db) == before


def test_reversing_a_receipt_of_a_used_vial_is_refused(clinic: Clinic) -> None:
    _infuse(clinic)
    before = dump(clinic.db)
    with pytest.raises(InsufficientBalance):
        reverse(
            clinic.db,
            clinic.actor("drkim"),
            movement_id=1,
            reason="wrong invoice",
            witness=clinic.witness("nina"),
        )
    assert dump(clinic.db) == before


def test_an_adjustment_is_witnessed_and_cannot_exceed_what_was_received(clinic: Clinic) -> None:
    _infuse(clinic)
    result = adjust(
        clinic.db,
        clinic.actor("drkim"),
        vial="K-000001",
        amount_ug=-2_000,
        reason="count found 453 mg",
        witness=clinic.witness("nina"),
    )
    assert result.balances_ug == {"K-000001": 453_000}
    before = dump(clinic.db)
    with pytest.raises(BalanceAboveReceived):
        adjust(
            clinic.db,
            clinic.actor("drkim"),
            vial="K-000001",
            amount_ug=50_000,
            reason="r",
            witness=clinic.witness("nina"),
        )
    with pytest.raises(WitnessRequired):
        adjust(
            clinic.db,
            clinic.actor("drkim"),
            vial="K-000001",
            amount_ug=-1,
            reason="r",
            witness=None,
        )
    assert dump(clinic.db) == before


def test_a_transfer_is_recorded_at_both_registrations(clinic: Clinic) -> None:
    add_registration(
        clinic.db,
        clinic.actor("admin"),
        dea_number=SECOND_DEA,
        registrant="Dr Kim",
        address="2 Site Rd",
        schedules=[3, 4],
        expires=date(2035, 1, 1),
    )
    result = transfer(
        clinic.db,
        clinic.actor("drkim"),
        vials=["K-000005"],
        to_registration=SECOND_DEA,
        reason="restock second site",
        reference="TR-1",
    )
    out_move, in_move = (m for m in _moves(clinic) if m.id in result.movement_ids)
    assert (out_move.kind, out_move.amount_ug, out_move.registration_id) == (
        "transfer_out",
        -500_000,
        1,
    )
    assert (in_move.kind, in_move.amount_ug, in_move.registration_id) == ("transfer_in", 500_000, 2)
    assert in_move.original_id == out_move.id
    site2 = stock_on_hand(clinic.db, clinic.actor("audrey"), SECOND_DEA)
    assert [v.label for v in site2.vials] == ["K-000005"]
    site1 = stock_on_hand(clinic.db, clinic.actor("audrey"), "FK1234563")
    assert "K-000005" not in [v.label for v in site1.vials]
    assert run_check(clinic.db).ok
    with pytest.raises(ReversalNotAllowed):
        reverse(
            clinic.db,
            clinic.actor("drkim"),
            movement_id=out_move.id,
            reason="r",
            witness=clinic.witness("nina"),
        )


def test_a_transfer_to_a_registration_without_the_schedule_is_refused(clinic: Clinic) -> None:
    add_registration(
        clinic.db,
        clinic.actor("admin"),
        dea_number=SECOND_DEA,
        registrant="Dr Kim",
        address="2 Site Rd",
        schedules=[4],
        expires=date(2035, 1, 1),
    )
    before = dump(clinic.db)
    with pytest.raises(ScheduleNotCovered):
        transfer(
            clinic.db,
            clinic.actor("drkim"),
            vials=["K-000005"],
            to_registration=SECOND_DEA,
            reason="r",
        )
    with pytest.raises(TransferNotAllowed):
        transfer(
            clinic.db,
            clinic.actor("drkim"),
            vials=["K-000005"],
            to_registration="FK1234563",
            reason="r",
        )
    assert dump(clinic.db) == before
    with clinic.db.read() as s:
        vial = s.execute(sa.select(Vial).where(Vial.label == "K-000005")).scalar_one()  # type: ignore[call-overload]
    assert vial.registration_id == 1
