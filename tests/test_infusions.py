"""Recording an infusion at the chair: the mass balance, the witness and the vial's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from ledger import clock
from ledger.auth import Credentials
from ledger.check import run_check
from ledger.errors import (
    InsufficientBalance,
    LateEntryNeedsReason,
    MassBalanceBroken,
    PatientAddressMissing,
    PermissionDenied,
    SelfWitness,
    SingleDoseResidueNotWasted,
    SingleDoseVialAlreadyUsed,
    UnknownRecord,
    VialPastBeyondUseDate,
    WitnessNotAuthenticated,
    WitnessNotQualified,
    WitnessRequired,
)
from ledger.models import Infusion, Movement, User, Vial, VialBalance
from ledger.services.infusions import record_infusion
from tests.support import Clinic, audit_rows, dump


def infuse(clinic: Clinic, **kw):  # type: ignore[no-untyped-def]
    args = dict(
        patient="MRN1",
        vial="K-000001",
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
        witness=clinic.witness("omar"),
    )
    args.update(kw)
    actor = args.pop("actor", None) or clinic.actor("nina")
    return record_infusion(clinic.db, actor, **args)


def test_an_infusion_writes_the_record_and_two_movements_in_one_go(clinic: Clinic) -> None:
    result = infuse(clinic, protocol="depression")
    with clinic.db.read() as s:
        inf = s.get(Infusion, result.infusion_id)
        moves = [s.get(Movement, i) for i in result.movement_ids]
        vial = s.get(Vial, inf.vial_id)
        cached = s.get(VialBalance, vial.id)
    assert (inf.drawn_ug, inf.given_ug, inf.wasted_ug) == (45_000, 40_000, 5_000)
    assert [(m.kind, m.amount_ug) for m in moves] == [("administer", -40_000), ("waste", -5_000)]
    assert moves[1].witness_id is not None and moves[1].witness_id != moves[1].actor_id
    assert result.balance_after_ug == 455_000 == cached.balance_ug
    # 80 kg patient on file x 0.5 mg/kg
    assert result.ordered_ug == 40_000
    assert run_check(clinic.db).ok


def test_the_first_draw_opens_the_vial_and_sets_its_beyond_use_date(clinic: Clinic) -> None:
    t0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    clock.set_clock(lambda: t0)
    infuse(clinic)
    with clinic.db.read() as s:
        vial = s.exec(Vial.__table__.select().where(Vial.label == "K-000001")).first()  # type: ignore[attr-defined]
    assert vial.state == "open"
    assert vial.opened_at == t0
    assert vial.bud == t0 + timedelta(days=28)


def test_draw_must_equal_given_plus_wasted_exactly(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(MassBalanceBroken):
        infuse(clinic, drawn_ug=45_000, given_ug=40_000, wasted_ug=4_999)
    assert dump(clinic.db) == before
    assert ("nina", "infusion.record", "refused", "MassBalanceBroken") in audit_rows(clinic.db)


def test_a_draw_above_the_balance_is_refused_and_nothing_changes(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(InsufficientBalance):
        infuse(clinic, drawn_ug=500_001, given_ug=500_001, wasted_ug=0)
    assert dump(clinic.db) == before


def test_the_vial_is_marked_empty_when_drawn_to_zero(clinic: Clinic) -> None:
    result = infuse(clinic, drawn_ug=500_000, given_ug=495_000, wasted_ug=5_000)
    assert result.balance_after_ug == 0
    with clinic.db.read() as s:
        vial = s.exec(Vial.__table__.select().where(Vial.label == "K-000001")).first()  # type: ignore[attr-defined]
    assert vial.state == "empty"


def test_waste_without_a_second_person_is_refused(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(WitnessRequired):
        infuse(clinic, witness=None)
    assert dump(clinic.db) == before


def test_a_nurse_cannot_witness_her_own_waste(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(SelfWitness):
        infuse(clinic, witness=clinic.witness("nina"))
    assert dump(clinic.db) == before


@pytest.mark.parametrize("who", ["audrey", "bella", "maria"])
def test_auditors_billing_and_managers_cannot_witness(clinic: Clinic, who: str) -> None:
    before = dump(clinic.db)
    with pytest.raises(WitnessNotQualified):
        infuse(clinic, witness=clinic.witness(who))
    assert dump(clinic.db) == before


def test_a_witness_with_the_wrong_password_is_refused(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(WitnessNotAuthenticated):
        infuse(clinic, witness=Credentials("omar", "not-his-password"))
    assert dump(clinic.db) == before
    assert ("omar", "witness", "failed", "WrongPassword") in audit_rows(clinic.db)


def test_billing_staff_cannot_record_an_infusion(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(PermissionDenied):
        infuse(clinic, actor=clinic.actor("bella"))
    assert dump(clinic.db) == before


def test_a_patient_without_an_address_cannot_be_given_a_dose(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(PatientAddressMissing):
        infuse(clinic, patient="MRN3")
    assert dump(clinic.db) == before


def test_unknown_vial_and_patient_are_refused(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(UnknownRecord):
        infuse(clinic, vial="K-999999")
    with pytest.raises(UnknownRecord):
        infuse(clinic, patient="NOBODY")
    assert dump(clinic.db) == before


def test_a_vial_past_its_beyond_use_date_cannot_be_drawn(clinic: Clinic) -> None:
    t0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    clock.set_clock(lambda: t0)
    infuse(clinic)
    clock.set_clock(lambda: t0 + timedelta(days=28, minutes=1))
    before = dump(clinic.db)
    with pytest.raises(VialPastBeyondUseDate):
        infuse(clinic)
    assert dump(clinic.db) == before


def test_an_expired_vial_cannot_be_drawn(clinic: Clinic) -> None:
    from ledger.errors import VialExpired

    clock.set_clock(lambda: datetime(2034, 7, 2, 18, 0, tzinfo=UTC))  # lot expired 2034-06-30
    before = dump(clinic.db)
    with pytest.raises(VialExpired):
        infuse(clinic)
    assert dump(clinic.db) == before


def test_a_single_dose_vial_serves_one_patient_and_its_residue_is_wasted_at_once(
    clinic: Clinic,
) -> None:
    before = dump(clinic.db)
    with pytest.raises(SingleDoseResidueNotWasted):
        infuse(clinic, vial="M-000001", drawn_ug=1_000, given_ug=1_000, wasted_ug=0)
    assert dump(clinic.db) == before
    result = infuse(clinic, vial="M-000001", drawn_ug=2_000, given_ug=1_500, wasted_ug=500)
    assert result.balance_after_ug == 0
    # Even if the entry is reversed (wrong chart), the vial stays that patient's.
    from ledger.services.corrections import reverse

    reverse(
        clinic.db,
        clinic.actor("drkim"),
        movement_id=result.movement_ids[0],
        reason="wrong chart",
        witness=clinic.witness("omar"),
    )
    before = dump(clinic.db)
    with pytest.raises(SingleDoseVialAlreadyUsed):
        infuse(clinic, vial="M-000001", patient="MRN2", drawn_ug=2_000, given_ug=2_000, wasted_ug=0)
    assert dump(clinic.db) == before


def test_a_late_entry_needs_a_reason_and_is_flagged(clinic: Clinic) -> None:
    now = clock.now()
    before = dump(clinic.db)
    with pytest.raises(LateEntryNeedsReason):
        infuse(clinic, drawn_at=now - timedelta(minutes=40))
    assert dump(clinic.db) == before
    result = infuse(clinic, drawn_at=now - timedelta(minutes=40), reason="charted after the code")
    assert result.late
    with clinic.db.read() as s:
        moves = [s.get(Movement, i) for i in result.movement_ids]
    assert all(m.late for m in moves)
    assert all(m.entered_at - m.event_at > timedelta(minutes=15) for m in moves)


def test_a_draw_within_fifteen_minutes_is_not_late(clinic: Clinic) -> None:
    result = infuse(clinic, drawn_at=clock.now() - timedelta(minutes=14))
    assert not result.late


@pytest.mark.parametrize("drawn,given,wasted", [(0, 0, 0), (-5, -5, 0), (10**12, 10**12, 0)])
def test_zero_negative_and_absurd_amounts_are_refused(clinic: Clinic, drawn, given, wasted) -> None:  # type: ignore[no-untyped-def]
    from ledger.errors import InvalidAmount

    before = dump(clinic.db)
    with pytest.raises(InvalidAmount):
        infuse(clinic, drawn_ug=drawn, given_ug=given, wasted_ug=wasted)
    assert dump(clinic.db) == before


def test_a_witness_whose_role_is_taken_away_after_signing_in_is_refused(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The witness's row is read with the nurse's in the infusion's own transaction, not
    carried over from the sign-in: a change committed in between counts."""
    from ledger.services import infusions

    real = infusions.authenticate_witness

    def signed_in_then_demoted(db, actor, creds):  # type: ignore[no-untyped-def]
        witness = real(db, actor, creds)
        with db.write() as s:
            omar = s.exec(select(User).where(User.username == "omar")).one()
            omar.roles = "billing"
            s.add(omar)
        return witness

    infuse(clinic, vial="K-000002")  # without the change, this infusion stands
    monkeypatch.setattr(infusions, "authenticate_witness", signed_in_then_demoted)
    before = dump(clinic.db)
    with pytest.raises(WitnessNotQualified):
        infuse(clinic)
    after = dump(clinic.db)
    # Only the demotion itself was written; the refused infusion left nothing.
    assert {k: v for k, v in after.items() if k != "app_user"} == {
        k: v for k, v in before.items() if k != "app_user"
    }
