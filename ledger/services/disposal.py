"""Stock leaving other than into a patient: waste, destruction, returns, loss, breakage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ledger.access import Actor
from ledger.audited import audited
from ledger.auth import Credentials, authenticate_witness
from ledger.clock import local_date
from ledger.database import Database
from ledger.details import DistributorReturn, Form41
from ledger.errors import InvalidAmount, SelfWitness, VialNotUsable
from ledger.identifiers import validate_dea_number
from ledger.kinds import FINAL_STATES, rule_of
from ledger.models import MovementKind, Vial, VialState
from ledger.posting import Posting
from ledger.services.rules import (
    check_after_receipt,
    event_time,
    product_of,
    require_named_witnesses,
    with_late_note,
    witness_for,
    witnesses_for,
)
from ledger.text import clean_text
from ledger.unit_of_work import act
from ledger.units import mg_text, strength_text, volume_text

#: A vial that left the clinic for good: nothing more is recorded against it.
GONE = tuple(FINAL_STATES)


@dataclass(frozen=True)
class Posted:
    """Result of a disposal: the movements written and each vial's balance after."""

    movement_ids: list[int]
    balances_ug: dict[str, int]
    #: The discrepancy a loss opened, to investigate it.
    discrepancy: int | None = None

    @classmethod
    def of(cls, posting: Posting, vials: list[Vial], discrepancy: int | None = None) -> Posted:
        return cls(
            movement_ids=[m.id for m in posting.movements],
            balances_ug={v.label: posting.balance(v) for v in vials},
            discrepancy=discrepancy,
        )


def _amount(value: int | None, balance: int, vial: Vial) -> int:
    """None means the whole remaining balance."""
    if value is None:
        value = balance
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InvalidAmount(f"the amount from vial {vial.label} must be more than zero")
    return value


def _witness(db: Database, actor: Actor, creds: Credentials | None) -> Actor | None:
    return authenticate_witness(db, actor, creds) if creds is not None else None


def _single_vial_action(
    db: Database,
    actor: Actor,
    *,
    action: str,
    kind: MovementKind,
    vial: str,
    amount_ug: int | None,
    reason: str,
    method: str | None,
    witness: Credentials | None,
    event_at: datetime | None,
    late_reason: str | None,
    what: str,
) -> Posted:
    why = clean_text(reason, "reason", 500)
    how = clean_text(method, "method", 200, required=False) or None
    witness_actor = _witness(db, actor, witness)
    with act(db, actor, action) as tx:
        session, user, settings, posting = tx.session, tx.user, tx.settings, tx.posting
        when, late, late_why = event_time(settings, tx.entered_at, event_at, late_reason)
        v = posting.vial_by_label(vial)
        check_after_receipt(session, v, when)
        if v.state in GONE:
            raise VialNotUsable(f"vial {v.label} is {v.state}", subject=v.label)
        amount = _amount(amount_ug, posting.balance(v), v)
        witness_user = witness_for(session, settings, actor, witness_actor, kind, what)
        assert user.id is not None
        posting.move(
            kind=kind,
            vial=v,
            amount_ug=-amount,
            actor_id=user.id,
            event_at=when,
            witness_id=witness_user.id if witness_user else None,
            late=late,
            reason=with_late_note(why, late_why),
            method=how,
        )
        posting.settle_state(v)
        return Posted.of(posting, [v])


@audited("waste")
def waste(
    db: Database,
    actor: Actor,
    *,
    vial: str,
    amount_ug: int | None,
    reason: str,
    method: str,
    witness: Credentials | None,
    event_at: datetime | None = None,
    late_reason: str | None = None,
) -> Posted:
    """Waste residue outside an infusion (an expired or past-BUD open vial, say)."""
    clean_text(method, "method", 200)
    return _single_vial_action(
        db,
        actor,
        action="waste",
        kind=MovementKind.WASTE,
        vial=vial,
        amount_ug=amount_ug,
        reason=reason,
        method=method,
        witness=witness,
        event_at=event_at,
        late_reason=late_reason,
        what="waste",
    )


@audited("breakage")
def record_breakage(
    db: Database,
    actor: Actor,
    *,
    vial: str,
    amount_ug: int | None,
    reason: str,
    witness: Credentials | None,
    method: str | None = None,
    event_at: datetime | None = None,
    late_reason: str | None = None,
) -> Posted:
    """A witnessed breakage or spill: recorded, but not a loss."""
    return _single_vial_action(
        db,
        actor,
        action="breakage",
        kind=MovementKind.BREAKAGE,
        vial=vial,
        amount_ug=amount_ug,
        reason=reason,
        method=method,
        witness=witness,
        event_at=event_at,
        late_reason=late_reason,
        what="breakage",
    )


@audited("loss")
def record_loss(
    db: Database,
    actor: Actor,
    *,
    vial: str,
    amount_ug: int | None,
    reason: str,
    discovered_at: datetime | None = None,
    late_reason: str | None = None,
) -> Posted:
    """Theft or loss as discovered, and the discrepancy that investigates it, linked, in one
    transaction. Reporting deadlines come from the discrepancy once it is escalated."""
    from ledger.services.discrepancies import open_for_loss

    why = clean_text(reason, "reason", 500)
    with act(db, actor, "loss") as tx:
        session, settings, posting = tx.session, tx.settings, tx.posting
        when, late, late_why = event_time(settings, tx.entered_at, discovered_at, late_reason)
        v = posting.vial_by_label(vial)
        check_after_receipt(session, v, when)
        if v.state in GONE:
            raise VialNotUsable(f"vial {v.label} is {v.state}", subject=v.label)
        amount = _amount(amount_ug, posting.balance(v), v)
        posted = posting.move(
            kind=MovementKind.LOSS,
            vial=v,
            amount_ug=-amount,
            actor_id=tx.user_id,
            event_at=when,
            late=late,
            reason=with_late_note(why, late_why),
        )
        posting.settle_state(v)
        posting.finish()  # the movement exists before the discrepancy points at it
        found = open_for_loss(
            tx, vial=v, movement_id=posted.id, amount_ug=amount, discovered_at=when
        )
        tx.audit(detail={"vial": v.label, "movement": posted.id, "discrepancy": found})
        return Posted.of(posting, [v], discrepancy=found)


@audited("destroy")
def destroy(
    db: Database,
    actor: Actor,
    *,
    vials: list[str],
    method: str,
    reason: str,
    witness: Credentials | None,
    second_witness: Credentials | None,
    form: str = "injectable solution",
    event_at: datetime | None = None,
    late_reason: str | None = None,
) -> Posted:
    """On-site destruction to non-retrievable, with two witnesses and DEA Form 41 data."""
    how = clean_text(method, "destruction method", 200)
    why = clean_text(reason, "reason", 500)
    dosage_form = clean_text(form, "form", 100)
    if not vials:
        raise InvalidAmount("name at least one vial to destroy")
    # How many witnesses is the movement-kind table's rule (two: DEA Form 41).
    require_named_witnesses(
        MovementKind.DESTROY,
        "on-site destruction needs two witnesses (DEA Form 41)",
        witness,
        second_witness,
    )
    if witness and second_witness and witness.username == second_witness.username:
        raise SelfWitness("the two destruction witnesses must be two different people")
    first, second = _witness(db, actor, witness), _witness(db, actor, second_witness)
    with act(db, actor, "destroy") as tx:
        session, user, settings, posting = tx.session, tx.user, tx.settings, tx.posting
        when, late, late_why = event_time(settings, tx.entered_at, event_at, late_reason)
        w1, w2 = witnesses_for(
            session, settings, actor, MovementKind.DESTROY, "destruction", (first, second)
        )
        assert user.id is not None
        touched = []
        for label in dict.fromkeys(vials):
            v = posting.vial_by_label(label)
            check_after_receipt(session, v, when)
            if v.state in GONE:
                raise VialNotUsable(f"vial {v.label} is already {v.state}", subject=v.label)
            balance = posting.balance(v)
            if balance == 0:
                raise VialNotUsable(f"vial {v.label} is empty; nothing to destroy")
            product = product_of(session, v)
            form41 = Form41(
                form="DEA Form 41",
                ndc=product.ndc,
                name=product.name,
                strength=strength_text(product.strength_ug_per_ml),
                dosage_form=dosage_form,
                container_ml=volume_text(product.volume_ul),
                containers=1,
                quantity_mg=mg_text(balance),
                sealed=v.state == VialState.SEALED,
                lot=v.lot,
                date=local_date(settings.timezone, when).isoformat(),
                method=how,
                witnesses=[w.full_name for w in (w1, w2) if w is not None],
            )
            posting.move(
                kind=MovementKind.DESTROY,
                vial=v,
                amount_ug=-balance,
                actor_id=user.id,
                event_at=when,
                witness_id=w1.id if w1 else None,
                witness2_id=w2.id if w2 else None,
                late=late,
                reason=with_late_note(why, late_why),
                method=how,
                detail=form41.to_detail(),
            )
            v.state = rule_of(MovementKind.DESTROY).leaves or v.state
            session.add(v)
            touched.append(v)
        return Posted.of(posting, touched)


@audited("return")
def return_to_reverse_distributor(
    db: Database,
    actor: Actor,
    *,
    vials: list[str],
    distributor_name: str,
    distributor_address: str,
    distributor_dea: str,
    invoice_number: str,
    reason: str = "expired stock returned for destruction",
    event_at: datetime | None = None,
    late_reason: str | None = None,
) -> Posted:
    """Transfer to a reverse distributor, who destroys the stock and holds its Form 41."""
    record = DistributorReturn(
        reverse_distributor=clean_text(distributor_name, "distributor name", 200),
        address=clean_text(distributor_address, "distributor address", 500),
        dea_number=validate_dea_number(distributor_dea),
        invoice_number=clean_text(invoice_number, "invoice number", 64),
    )
    why = clean_text(reason, "reason", 500)
    if not vials:
        raise InvalidAmount("name at least one vial to return")
    with act(db, actor, "return") as tx:
        session, user, settings, posting = tx.session, tx.user, tx.settings, tx.posting
        when, late, late_why = event_time(settings, tx.entered_at, event_at, late_reason)
        assert user.id is not None
        from ledger.services.catalogue import refuse_own_registration

        refuse_own_registration(session, record.dea_number, "a reverse distributor")
        touched = []
        for label in dict.fromkeys(vials):
            v = posting.vial_by_label(label)
            check_after_receipt(session, v, when)
            if v.state in GONE:
                raise VialNotUsable(f"vial {v.label} is already {v.state}", subject=v.label)
            balance = posting.balance(v)
            if balance == 0:
                raise VialNotUsable(f"vial {v.label} is empty; nothing to return")
            posting.move(
                kind=MovementKind.RETURN,
                vial=v,
                amount_ug=-balance,
                actor_id=user.id,
                event_at=when,
                late=late,
                reason=with_late_note(why, late_why),
                detail=record.to_detail(),
            )
            v.state = rule_of(MovementKind.RETURN).leaves or v.state
            session.add(v)
            touched.append(v)
        return Posted.of(posting, touched)
