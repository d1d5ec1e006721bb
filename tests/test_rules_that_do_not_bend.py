"""Rules that must not bend (issue 9, items 10-13): a destroyed or returned vial never comes
back, an event cannot happen at an impossible time, the database server's clock decides what is
late on PostgreSQL, and a reversal after a transfer lands where the vial is now. Plus the unit
of work: two steps in one transaction, and a refusal in the second leaves nothing of the first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from ledger import clock
from ledger.errors import (
    InvalidDate,
    LateEntryNeedsReason,
    ReversalNotAllowed,
    UnknownRecord,
    VialIsFinal,
)
from ledger.models import Movement, MovementKind, Registration
from ledger.services.catalogue import add_registration
from ledger.services.corrections import adjust, reverse
from ledger.services.disposal import destroy, return_to_reverse_distributor
from ledger.services.infusions import record_infusion
from ledger.services.transfers import transfer
from ledger.unit_of_work import act
from tests.support import SECOND_DEA, Clinic, audit_rows, dump


def _infuse(clinic: Clinic, vial: str = "K-000001", **kw):  # type: ignore[no-untyped-def]
    return record_infusion(
        clinic.db,
        clinic.actor("nina"),
        patient="MRN1",
        vial=vial,
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
        witness=clinic.witness("omar"),
        **kw,
    )


def _destroy(clinic: Clinic, vial: str):  # type: ignore[no-untyped-def]
    return destroy(
        clinic.db,
        clinic.actor("drkim"),
        vials=[vial],
        method="chemical digestion",
        reason="expired",
        witness=clinic.witness("nina"),
        second_witness=clinic.witness("omar"),
    )


def test_reversing_an_old_infusion_never_reopens_a_destroyed_vial(clinic: Clinic) -> None:
    infusion = _infuse(clinic)
    _destroy(clinic, "K-000001")
    before = dump(clinic.db)
    with pytest.raises(VialIsFinal, match="K-000001 was destroyed"):
        reverse(
            clinic.db,
            clinic.actor("drkim"),
            movement_id=infusion.movement_ids[0],
            reason="wrong patient",
            witness=clinic.witness("nina"),
        )
    assert dump(clinic.db) == before


def test_the_destruction_itself_cannot_be_reversed(clinic: Clinic) -> None:
    destroyed = _destroy(clinic, "K-000002")
    before = dump(clinic.db)
    with pytest.raises(ReversalNotAllowed, match="correct the destruction record"):
        reverse(
            clinic.db,
            clinic.actor("drkim"),
            movement_id=destroyed.movement_ids[0],
            reason="destroyed the wrong vial",
            witness=clinic.witness("nina"),
        )
    assert dump(clinic.db) == before


def test_an_adjustment_never_puts_stock_back_into_a_destroyed_or_returned_vial(
    clinic: Clinic,
) -> None:
    _infuse(clinic, vial="K-000003")
    _destroy(clinic, "K-000003")
    _infuse(clinic, vial="K-000004")
    return_to_reverse_distributor(
        clinic.db,
        clinic.actor("maria"),
        vials=["K-000004"],
        distributor_name="RxReturns",
        distributor_address="9 Dock Rd",
        distributor_dea="RR1234563",
        invoice_number="RD-9",
    )
    before = dump(clinic.db)
    for label, state in (("K-000003", "destroyed"), ("K-000004", "returned")):
        with pytest.raises(VialIsFinal, match=f"{label} was {state}"):
            adjust(
                clinic.db,
                clinic.actor("drkim"),
                vial=label,
                amount_ug=1_000,
                reason="found on the shelf",
                witness=clinic.witness("nina"),
            )
    assert dump(clinic.db) == before


@pytest.mark.parametrize(
    ("drawn_at", "why"),
    [
        (datetime(1, 1, 1, 9, 0), "before this ledger could exist"),
        (datetime(2025, 12, 1, 9, 0), "was received on"),  # before the vial arrived
        (datetime(2026, 3, 8, 2, 30), "does not exist on the clinic's clock"),
        (datetime(2026, 11, 1, 1, 30), "happened twice on the clinic's clock"),
    ],
)
def test_an_event_at_an_impossible_time_is_refused(
    clinic: Clinic, drawn_at: datetime, why: str
) -> None:
    clock.set_clock(lambda: datetime(2026, 11, 2, 18, 0, tzinfo=UTC))
    before = dump(clinic.db)
    with pytest.raises(InvalidDate, match=why):
        _infuse(clinic, drawn_at=drawn_at, reason="charted after the session")
    assert dump(clinic.db) == before
    assert ("nina", "infusion.record", "refused", "InvalidDate") in audit_rows(clinic.db)


def test_a_time_with_its_offset_is_one_instant_even_on_the_autumn_change(
    clinic: Clinic,
) -> None:
    clock.set_clock(lambda: datetime(2026, 11, 2, 18, 0, tzinfo=UTC))
    second_one_thirty = datetime.fromisoformat("2026-11-01T01:30:00-07:00")
    done = _infuse(clinic, drawn_at=second_one_thirty, reason="charted after the session")
    with clinic.db.read() as s:
        moved = s.get(Movement, done.movement_ids[0])
    assert moved is not None and moved.event_at == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)


def test_on_postgresql_the_servers_clock_decides_what_is_late(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    if clinic.db.is_sqlite:
        pytest.skip("SQLite has no server clock; check flags entries running backwards")
    real = datetime.now(UTC)
    # The workstation's clock was set back seven hours; nobody pinned it for a test.
    monkeypatch.setattr(clock, "_now", lambda: real - timedelta(hours=7))
    assert not clock.is_pinned()
    before = dump(clinic.db)
    with pytest.raises(LateEntryNeedsReason):
        _infuse(clinic, drawn_at=real - timedelta(hours=7))
    assert dump(clinic.db) == before


def test_a_reversal_after_a_transfer_lands_on_the_registration_holding_the_vial(
    clinic: Clinic,
) -> None:
    add_registration(
        clinic.db,
        clinic.actor("admin"),
        dea_number=SECOND_DEA,
        registrant="Dr Kim",
        address="2 Canyon Blvd, Boulder CO",
        schedules=[3, 4],
        expires=date(2035, 1, 1),
    )
    infusion = _infuse(clinic)
    transfer(clinic.db, clinic.actor("drkim"), vials=["K-000001"], to_registration=SECOND_DEA,
             reason="restock the second site")  # fmt: skip
    reversed_ = reverse(
        clinic.db,
        clinic.actor("drkim"),
        movement_id=infusion.movement_ids[0],
        reason="charted on the wrong patient",
        witness=clinic.witness("nina"),
    )
    with clinic.db.read() as s:
        second = s.execute(
            sa.select(Registration.id).where(Registration.dea_number == SECOND_DEA)
        ).scalar_one()
        by_registration = dict(
            s.execute(
                sa.select(Movement.registration_id, sa.func.sum(Movement.amount_ug))
                .join_from(Movement, Registration)
                .where(Movement.vial_id == 1)
                .group_by(Movement.registration_id)
            ).all()
        )
        reversals = [s.get(Movement, i) for i in reversed_.movement_ids]
    assert {m.registration_id for m in reversals if m} == {second}
    # Each site's book for this vial matches its shelf: the first holds none of it now.
    assert by_registration[second] == reversed_.balances_ug["K-000001"] == 500_000
    assert sum(v for k, v in by_registration.items() if k != second) == 0


def test_two_steps_in_one_unit_of_work_stand_or_fall_together(clinic: Clinic) -> None:
    before = dump(clinic.db)
    actor = clinic.actor("drkim")
    with pytest.raises(UnknownRecord), act(clinic.db, actor, "adjust") as tx:
        vial = tx.posting.vial_by_label("K-000005")
        tx.posting.move(
            kind=MovementKind.ADJUSTMENT,
            vial=vial,
            amount_ug=-1_000,
            actor_id=tx.user_id,
            event_at=tx.entered_at,
            witness_id=None,
            reason="count variance",
        )
        tx.audit(detail={"step": "one"})
        tx.posting.vial_by_label("K-999999")  # the second step refuses
    assert dump(clinic.db) == before
    assert not [r for r in audit_rows(clinic.db) if r[:3] == ("drkim", "adjust", "ok")]

    with act(clinic.db, actor, "adjust") as tx:
        vial = tx.posting.vial_by_label("K-000005")
        tx.posting.move(
            kind=MovementKind.ADJUSTMENT,
            vial=vial,
            amount_ug=-1_000,
            actor_id=tx.user_id,
            event_at=tx.entered_at,
            reason="count variance",
        )
        tx.audit(detail={"step": "one"})
    assert dump(clinic.db) != before
    assert [r for r in audit_rows(clinic.db) if r[:3] == ("drkim", "adjust", "ok")]


def test_check_names_an_entry_made_under_a_clock_set_back(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.check import run_check

    _infuse(clinic)
    assert run_check(clinic.db).ok
    real = datetime.now(UTC)
    monkeypatch.setattr(clock, "_now", lambda: real - timedelta(hours=7))
    late = _infuse(clinic, vial="K-000002")
    problems = run_check(clinic.db).problems
    if clinic.db.is_sqlite:
        # SQLite has only the workstation's clock: the entry goes in, and check names it.
        assert [(p.rule, p.movement_id) for p in problems] == [
            ("EntryTimeBackwards", late.movement_ids[0]),
            ("EntryTimeBackwards", late.movement_ids[1]),
        ]
    else:
        assert problems == []  # the server's clock stamped it
