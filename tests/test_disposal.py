"""Waste, destruction, returns, losses and breakage: each witnessed as the law asks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from ledger import clock
from ledger.check import run_check
from ledger.errors import (
    InsufficientBalance,
    InvalidDEANumber,
    PermissionDenied,
    SelfWitness,
    VialNotUsable,
    WitnessRequired,
)
from ledger.models import Movement, Vial
from ledger.services.disposal import (
    destroy,
    record_breakage,
    record_loss,
    return_to_reverse_distributor,
    waste,
)
from ledger.services.infusions import record_infusion
from tests.support import Clinic, dump


def _vial(clinic: Clinic, label: str) -> Vial:
    with clinic.db.read() as s:
        return s.exec(Vial.__table__.select().where(Vial.label == label)).first()  # type: ignore[attr-defined, no-any-return]


def _movement(clinic: Clinic, mid: int) -> Movement:
    with clinic.db.read() as s:
        return s.get(Movement, mid)  # type: ignore[return-value]


def test_residue_of_a_past_bud_vial_is_wasted_with_a_witness(clinic: Clinic) -> None:
    t0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    clock.set_clock(lambda: t0)
    record_infusion(
        clinic.db,
        clinic.actor("nina"),
        patient="MRN1",
        vial="K-000001",
        drawn_ug=40_000,
        given_ug=40_000,
        wasted_ug=0,
    )
    clock.set_clock(lambda: t0 + timedelta(days=30))
    result = waste(
        clinic.db,
        clinic.actor("nina"),
        vial="K-000001",
        amount_ug=None,
        reason="past beyond-use date",
        method="drug-disposal container",
        witness=clinic.witness("omar"),
    )
    assert result.balances_ug == {"K-000001": 0}
    m = _movement(clinic, result.movement_ids[0])
    assert (m.kind, m.amount_ug, m.method) == ("waste", -460_000, "drug-disposal container")
    assert _vial(clinic, "K-000001").state == "empty"
    assert run_check(clinic.db).ok


def test_standalone_waste_needs_a_witness(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(WitnessRequired):
        waste(
            clinic.db,
            clinic.actor("nina"),
            vial="K-000001",
            amount_ug=1_000,
            reason="r",
            method="sink",
            witness=None,
        )
    assert dump(clinic.db) == before


def test_wasting_more_than_the_vial_holds_is_refused(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(InsufficientBalance):
        waste(
            clinic.db,
            clinic.actor("nina"),
            vial="K-000001",
            amount_ug=500_001,
            reason="r",
            method="sink",
            witness=clinic.witness("omar"),
        )
    assert dump(clinic.db) == before


def test_destruction_records_form_41_data_with_two_witnesses(clinic: Clinic) -> None:
    result = destroy(
        clinic.db,
        clinic.actor("drkim"),
        vials=["K-000002", "K-000003"],
        method="chemical digestion (Rx Destroyer)",
        reason="expired stock",
        witness=clinic.witness("nina"),
        second_witness=clinic.witness("omar"),
    )
    assert result.balances_ug == {"K-000002": 0, "K-000003": 0}
    m = _movement(clinic, result.movement_ids[0])
    form41 = json.loads(m.detail or "{}")
    assert form41["ndc"] == "00409-2051-05"
    assert form41["strength"] == "50 mg/mL"
    assert form41["quantity_mg"] == "500"
    assert form41["method"] == "chemical digestion (Rx Destroyer)"
    assert form41["witnesses"] == ["Nina", "Omar"]
    assert m.witness_id and m.witness2_id and m.witness_id != m.witness2_id
    assert _vial(clinic, "K-000002").state == "destroyed"
    assert run_check(clinic.db).ok


def test_destruction_with_one_witness_is_refused(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(WitnessRequired):
        destroy(
            clinic.db,
            clinic.actor("drkim"),
            vials=["K-000002"],
            method="m",
            reason="r",
            witness=clinic.witness("nina"),
            second_witness=None,
        )
    with pytest.raises(SelfWitness):
        destroy(
            clinic.db,
            clinic.actor("drkim"),
            vials=["K-000002"],
            method="m",
            reason="r",
            witness=clinic.witness("nina"),
            second_witness=clinic.witness("nina"),
        )
    assert dump(clinic.db) == before


def test_a_destroyed_vial_cannot_be_drawn_or_destroyed_again(clinic: Clinic) -> None:
    destroy(
        clinic.db,
        clinic.actor("drkim"),
        vials=["K-000002"],
        method="m",
        reason="r",
        witness=clinic.witness("nina"),
        second_witness=clinic.witness("omar"),
    )
    before = dump(clinic.db)
    with pytest.raises(VialNotUsable):
        record_infusion(
            clinic.db,
            clinic.actor("nina"),
            patient="MRN1",
            vial="K-000002",
            drawn_ug=1_000,
            given_ug=1_000,
            wasted_ug=0,
        )
    with pytest.raises(VialNotUsable):
        destroy(
            clinic.db,
            clinic.actor("drkim"),
            vials=["K-000002"],
            method="m",
            reason="r",
            witness=clinic.witness("nina"),
            second_witness=clinic.witness("omar"),
        )
    assert dump(clinic.db) == before


def test_a_return_records_the_reverse_distributor(clinic: Clinic) -> None:
    result = return_to_reverse_distributor(
        clinic.db,
        clinic.actor("maria"),
        vials=["K-000004"],
        distributor_name="RxReturns LLC",
        distributor_address="9 Depot Rd, Reno NV",
        distributor_dea="RR1234563",
        invoice_number="RD-77",
    )
    m = _movement(clinic, result.movement_ids[0])
    detail = json.loads(m.detail or "{}")
    assert (m.kind, m.amount_ug) == ("return", -500_000)
    assert detail == {
        "reverse_distributor": "RxReturns LLC",
        "address": "9 Depot Rd, Reno NV",
        "dea_number": "RR1234563",
        "invoice_number": "RD-77",
    }
    assert _vial(clinic, "K-000004").state == "returned"


def test_a_return_to_a_distributor_with_a_bad_dea_number_is_refused(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(InvalidDEANumber):
        return_to_reverse_distributor(
            clinic.db,
            clinic.actor("maria"),
            vials=["K-000004"],
            distributor_name="X",
            distributor_address="Y",
            distributor_dea="RR1234560",
            invoice_number="RD-1",
        )
    assert dump(clinic.db) == before


def test_a_loss_is_recorded_without_a_witness_by_the_registrant(clinic: Clinic) -> None:
    result = record_loss(
        clinic.db,
        clinic.actor("drkim"),
        vial="K-000005",
        amount_ug=None,
        reason="vial missing at count",
    )
    m = _movement(clinic, result.movement_ids[0])
    assert (m.kind, m.amount_ug, m.witness_id) == ("loss", -500_000, None)


def test_a_nurse_cannot_record_a_loss(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(PermissionDenied):
        record_loss(clinic.db, clinic.actor("nina"), vial="K-000005", amount_ug=None, reason="r")
    assert dump(clinic.db) == before


def test_breakage_is_witnessed_and_is_not_a_loss(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(WitnessRequired):
        record_breakage(
            clinic.db,
            clinic.actor("maria"),
            vial="K-000005",
            amount_ug=None,
            reason="dropped",
            witness=None,
        )
    assert dump(clinic.db) == before
    result = record_breakage(
        clinic.db,
        clinic.actor("maria"),
        vial="K-000005",
        amount_ug=None,
        reason="dropped",
        method="spill kit",
        witness=clinic.witness("nina"),
    )
    m = _movement(clinic, result.movement_ids[0])
    assert (m.kind, m.amount_ug, m.method) == ("breakage", -500_000, "spill kit")
    assert m.witness_id is not None


def test_a_quarantined_vial_cannot_be_drawn_until_released(clinic: Clinic) -> None:
    from ledger.services.quarantine import quarantine, release
    from tests.support import audit_rows

    assert (
        quarantine(
            clinic.db, clinic.actor("maria"), vial="K-000001", reason="cracked flip-off seal"
        )
        == "quarantined"
    )
    before = dump(clinic.db)
    with pytest.raises(VialNotUsable, match="quarantined"):
        record_infusion(
            clinic.db,
            clinic.actor("nina"),
            patient="MRN1",
            vial="K-000001",
            drawn_ug=1_000,
            given_ug=1_000,
            wasted_ug=0,
        )
    with pytest.raises(PermissionDenied):
        release(clinic.db, clinic.actor("nina"), vial="K-000001", reason="looks fine")
    assert dump(clinic.db) == before
    assert (
        release(clinic.db, clinic.actor("drkim"), vial="K-000001", reason="manufacturer confirmed")
        == "sealed"
    )
    assert ("maria", "quarantine", "ok", None) in audit_rows(clinic.db)
