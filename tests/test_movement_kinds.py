"""One table of movement kinds: every kind, under each witness policy, is accepted by its
service exactly when the table says its witnesses may be missing, and `check` then agrees
with the service. Before the table, `check` demanded a witness for a breakage the service
had lawfully let through under the `recommended` policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from ledger.check import run_check
from ledger.errors import Refusal, WitnessRequired
from ledger.kinds import RULES
from ledger.models import MovementKind as K
from ledger.services import corrections, disposal, receiving, transfers
from ledger.services.catalogue import add_registration
from ledger.services.infusions import record_infusion
from ledger.services.settings import update_settings
from tests.support import DEA, KETAMINE, SECOND_DEA, Clinic, dump


def _services(clinic: Clinic, *, witnessed: bool) -> dict[str, Callable[[], object]]:
    """Each kind's service, called with exactly the witnesses the table says it carries, or
    with none at all."""
    db, kim, maria = clinic.db, clinic.actor("drkim"), clinic.actor("maria")
    nina = clinic.actor("nina")
    omar = clinic.witness("omar") if witnessed else None
    second = clinic.witness("nina") if witnessed else None
    posted: dict[str, list[int]] = {}

    def adjustment() -> None:
        posted["adjustment"] = corrections.adjust(
            db, kim, vial="K-000003", amount_ug=-500, reason="count variance", witness=omar
        ).movement_ids

    return {
        K.RECEIVE: lambda: receiving.receive(
            db, maria, supplier="Henry Schein", invoice_number="INV-9", ndc=KETAMINE,
            lot="LOT-Z", expires=date(2034, 6, 30), vials=1, registration=DEA,
        ),
        K.ADMINISTER: lambda: record_infusion(
            db, nina, patient="MRN1", vial="K-000001", drawn_ug=40_000, given_ug=40_000,
            wasted_ug=0,
        ),
        K.WASTE: lambda: disposal.waste(
            db, nina, vial="K-000001", amount_ug=1_000, reason="dropped syringe",
            method="sink", witness=omar,
        ),
        K.BREAKAGE: lambda: disposal.record_breakage(
            db, maria, vial="K-000002", amount_ug=None, reason="dropped", witness=omar
        ),
        K.LOSS: lambda: disposal.record_loss(
            db, kim, vial="K-000003", amount_ug=1_000, reason="not found at count"
        ),
        K.DESTROY: lambda: disposal.destroy(
            db, kim, vials=["K-000004"], method="digestion", reason="expired",
            witness=second, second_witness=omar,
        ),
        K.RETURN: lambda: disposal.return_to_reverse_distributor(
            db, maria, vials=["K-000005"], distributor_name="RxReturns",
            distributor_address="9 Dock Rd", distributor_dea="RR1234563", invoice_number="RD-1",
        ),
        K.TRANSFER_OUT: lambda: transfers.transfer(
            db, kim, vials=["M-000001"], to_registration=SECOND_DEA, reason="second site"
        ),
        K.ADJUSTMENT: adjustment,
        # The adjustment just posted, when it could be; without a witness it is refused.
        K.REVERSAL: lambda: corrections.reverse(
            db, kim, movement_id=posted.get("adjustment", [1])[0], reason="entered twice",
            witness=omar,
        ),
    }  # fmt: skip


@pytest.mark.parametrize("policy", ["required", "recommended"])
def test_every_kind_is_witnessed_as_its_table_says_and_check_agrees(
    clinic: Clinic, policy: str
) -> None:
    update_settings(clinic.db, clinic.actor("admin"), witness_policy=policy)
    _second_site(clinic)
    services = _services(clinic, witnessed=False)
    assert {str(k) for k in services} | {K.TRANSFER_IN} == set(RULES)
    for kind, call in services.items():
        needed = RULES[kind].witnesses_needed(policy)
        before = dump(clinic.db)
        if needed:
            with pytest.raises(WitnessRequired):
                call()
            assert dump(clinic.db) == before, kind
        else:
            try:
                call()
            except Refusal as exc:  # pragma: no cover - the message says which kind broke
                pytest.fail(f"{kind} without a witness was refused under {policy}: {exc}")
    report = run_check(clinic.db)
    assert report.ok, [p.as_json() for p in report.problems]
    # The relaxed kinds are exactly waste and breakage, and only under `recommended`.
    relaxed = {k for k, r in RULES.items() if r.witnesses and not r.witnesses_needed(policy)}
    assert relaxed == (set() if policy == "required" else {K.WASTE, K.BREAKAGE})


def _second_site(clinic: Clinic) -> None:
    add_registration(
        clinic.db,
        clinic.actor("admin"),
        dea_number=SECOND_DEA,
        registrant="Dr Kim",
        address="2 Canyon Blvd",
        schedules=[3, 4],
        expires=date(2035, 1, 1),
    )


def _witnesses_by_kind(clinic: Clinic) -> dict[str, set[int]]:
    """How many witnesses the stored movements of each kind carry (as a set of counts)."""
    with clinic.db.read() as s:
        rows = s.execute(
            sa.text("SELECT kind, witness_id, witness2_id FROM movement WHERE id > 8")
        ).all()
    found: dict[str, set[int]] = {}
    for kind, w1, w2 in rows:
        found.setdefault(kind, set()).add((w1 is not None) + (w2 is not None))
    return found


@pytest.mark.parametrize("policy", ["required", "recommended"])
def test_every_kind_given_its_witnesses_is_accepted_and_check_agrees(
    clinic: Clinic, policy: str
) -> None:
    """The other half of the walk: each kind, witnessed as its table says, goes in through
    its service under either policy, `check` passes, and the stored movements carry exactly
    the table's number of witnesses (transfer in is written by the transfer out)."""
    update_settings(clinic.db, clinic.actor("admin"), witness_policy=policy)
    _second_site(clinic)
    services = _services(clinic, witnessed=True)
    assert {str(k) for k in services} | {K.TRANSFER_IN} == set(RULES)
    for kind, call in services.items():
        try:
            call()
        except Refusal as exc:  # pragma: no cover - the message says which kind broke
            pytest.fail(f"{kind} with its witnesses was refused under {policy}: {exc}")
    report = run_check(clinic.db)
    assert report.ok, [p.as_json() for p in report.problems]
    carried = _witnesses_by_kind(clinic)
    assert carried == {k: {r.witnesses} for k, r in RULES.items()}


def test_destruction_with_one_witness_is_refused_and_changes_nothing(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(WitnessRequired, match="two witnesses"):
        disposal.destroy(
            clinic.db, clinic.actor("drkim"), vials=["K-000004"], method="digestion",
            reason="expired", witness=clinic.witness("nina"), second_witness=None,
        )  # fmt: skip
    assert dump(clinic.db) == before


def test_the_services_take_their_witness_rule_from_the_table(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were the table to relax a rule, the services and `check` would follow it together:
    no service keeps a copy of its own (before, adjust and reverse asserted a witness and
    destroy demanded two whatever the table said)."""
    relaxed = {
        K.ADJUSTMENT: replace(RULES[K.ADJUSTMENT], policy_relaxes=True),
        K.REVERSAL: replace(RULES[K.REVERSAL], policy_relaxes=True),
        K.DESTROY: replace(RULES[K.DESTROY], witnesses=1),
    }
    for kind, rule in relaxed.items():
        monkeypatch.setitem(RULES, kind.value, rule)
    update_settings(clinic.db, clinic.actor("admin"), witness_policy="recommended")
    kim = clinic.actor("drkim")
    adjusted = corrections.adjust(
        clinic.db, kim, vial="K-000003", amount_ug=-500, reason="count variance", witness=None
    )
    corrections.reverse(
        clinic.db, kim, movement_id=adjusted.movement_ids[0], reason="typo", witness=None
    )
    disposal.destroy(
        clinic.db, kim, vials=["K-000004"], method="digestion", reason="expired",
        witness=clinic.witness("nina"), second_witness=None,
    )  # fmt: skip
    report = run_check(clinic.db)
    assert report.ok, [p.as_json() for p in report.problems]
    assert _witnesses_by_kind(clinic) == {K.ADJUSTMENT: {0}, K.REVERSAL: {0}, K.DESTROY: {1}}
