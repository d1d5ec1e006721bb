"""Recording an infusion at the chair: draw, give and waste in one witnessed transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from ledger.access import WITNESS_ROLES, Actor, roles_of
from ledger.audited import audited
from ledger.auth import Credentials, authenticate_witness
from ledger.clock import end_of_day
from ledger.database import Database
from ledger.errors import (
    AccountDisabled,
    EventInFuture,
    InsufficientBalance,
    InvalidAmount,
    InvalidDate,
    MassBalanceBroken,
    PatientAddressMissing,
    RenderingProviderNotEligible,
    SingleDoseResidueNotWasted,
    SingleDoseVialAlreadyUsed,
    UnknownUser,
)
from ledger.models import Infusion, MovementKind, Patient, User, VialState
from ledger.models.base import table_of
from ledger.services.billing.infusion_billing import bill_infusion
from ledger.services.protocols import order_for, ordered_ug, over_order_judged
from ledger.services.rules import (
    FUTURE_SKEW,
    check_after_receipt,
    check_drawable,
    event_time,
    product_of,
    witness_for,
)
from ledger.text import clean_text
from ledger.unit_of_work import act
from ledger.units import mg_text

#: An infusion may be charted at the draw and run on: a 4-hour pain protocol, with room to
#: spare. A start or end further ahead than this is a typing error.
LONGEST_INFUSION = timedelta(hours=8)

#: A single draw above this is a unit mistake (10 × the largest vial we stock).
MAX_DRAW_UG = 10_000_000


@dataclass(frozen=True)
class InfusionRecorded:
    infusion_id: int
    movement_ids: list[int]
    vial: str
    balance_after_ug: int
    given_ug: int
    wasted_ug: int
    ordered_ug: int | None
    late: bool
    #: How billing took it: "credit" (a package credit paid for it), "pending" (a charge
    #: waits for billing staff), "session" (the patient's second infusion record that day,
    #: billed with the first), "failed" (billing refused; the charge is left pending), or ""
    #: when the clinic does not bill through vialbook.
    billing: str = ""
    #: Given more than 10% above the order, confirmed with a reason (flagged in the log).
    over_order: bool = False


def _amounts(drawn: int, given: int, wasted: int) -> None:
    for name, value in (("drawn", drawn), ("given", given), ("wasted", wasted)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidAmount(f"{name} must be a whole number of µg")
        if value < 0:
            raise InvalidAmount(f"{name} cannot be negative")
        if value > MAX_DRAW_UG:
            raise InvalidAmount(f"{name} is implausibly large; check the unit")
    if drawn == 0:
        raise InvalidAmount("drawn must be more than zero")
    if drawn != given + wasted:
        raise MassBalanceBroken(
            f"drawn ({mg_text(drawn)} mg) must equal given ({mg_text(given)} mg) "
            f"+ wasted ({mg_text(wasted)} mg); "
            "nothing may be left in the syringe"
        )


def rendering_provider_id(session: Session, username: str) -> int:
    """The clinician an infusion names as its rendering provider (the superbill prints them
    instead of the medical director): an active nurse or registrant with an NPI, so the
    superbill of that day can name them. Refused by name otherwise."""
    from ledger.services.users import normalize_username

    name = normalize_username(username)
    user = session.exec(select(User).where(User.username == name)).first()
    if user is None or user.id is None:
        raise UnknownUser(f"user {name!r} does not exist", subject=name)
    if not user.active:
        raise AccountDisabled(f"user {name!r} is disabled", subject=name)
    if not roles_of(user.roles) & WITNESS_ROLES:
        raise RenderingProviderNotEligible(
            f"{user.full_name} ({user.roles}) is not a clinician; the rendering provider is a "
            "nurse or registrant who gave or supervised the infusion",
            subject=name,
        )
    if not user.npi:
        raise RenderingProviderNotEligible(
            f"{user.full_name} has no NPI, and a superbill must print the rendering provider's; "
            f"record it first (user update {name} --npi ...)",
            subject=name,
        )
    return user.id


def find_patient(session: Session, ref: str | int) -> Patient:
    """By MRN only, whatever its case: a number is an MRN too, never a row id."""
    from ledger.services.patients import patient_by_mrn

    return patient_by_mrn(session, ref)


@audited("infusion.record")
def record_infusion(
    db: Database,
    actor: Actor,
    *,
    patient: str | int,
    vial: str,
    drawn_ug: int,
    given_ug: int,
    wasted_ug: int,
    witness: Credentials | None = None,
    weight_g: int | None = None,
    protocol: str | None = None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    drawn_at: datetime | None = None,
    reason: str | None = None,
    waste_reason: str | None = None,
    waste_method: str | None = None,
    service: str | None = None,
    confirm_over_order: bool = False,
    over_order_reason: str | None = None,
    rendering_provider: str | None = None,
) -> InfusionRecorded:
    _amounts(drawn_ug, given_ug, wasted_ug)
    protocol_text = clean_text(protocol, "protocol", 64, required=False) or None
    why_over = clean_text(over_order_reason, "over-order reason", 500, required=False) or None
    why_wasted = clean_text(waste_reason, "waste reason", 500, required=False) or (
        "residue after administration" if wasted_ug else None
    )
    how_wasted = clean_text(waste_method, "waste method", 200, required=False) or (
        "drug-disposal container" if wasted_ug else None
    )
    if weight_g is not None and not 0 < weight_g <= 500_000:
        raise InvalidAmount("weight is not plausible")
    if started_at and ended_at and ended_at < started_at:
        raise InvalidDate("the infusion cannot end before it starts")
    witness_actor = authenticate_witness(db, actor, witness) if witness is not None else None
    witnesses = [witness_actor.user_id] if witness_actor is not None else []
    with act(db, actor, "infusion.record", witnesses=witnesses, posts=True) as tx:
        session, user, settings, posting = tx.session, tx.user, tx.settings, tx.posting
        when, late, why = event_time(settings, tx.entered_at, drawn_at, reason)
        for t in (started_at, ended_at):
            if t is not None and t > posting.entered_at + FUTURE_SKEW + LONGEST_INFUSION:
                raise EventInFuture("the infusion's start or end is too far in the future")
        person = find_patient(session, patient)
        provider_id = (
            rendering_provider_id(session, rendering_provider) if rendering_provider else None
        )
        # The order: the protocol from the clinic's list (or a plain mg/kg) × the weight.
        order = order_for(session, protocol_text)
        weight = weight_g if weight_g is not None else person.weight_g
        ordered = ordered_ug(weight, order.ug_per_kg)
        over_reason = over_order_judged(
            given_ug, ordered, confirmed=confirm_over_order, reason=why_over
        )
        if not person.address.strip():
            raise PatientAddressMissing(
                f"patient {person.mrn} has no address on file; the administration record "
                "needs it (21 CFR 1304.22(c))",
                subject=person.mrn,
            )
        v = posting.vial_by_label(vial)
        check_after_receipt(session, v, when)
        product = product_of(session, v)
        if not product.multi_dose and v.first_patient_id not in (None, person.id):
            raise SingleDoseVialAlreadyUsed(
                f"single-dose vial {v.label} was already used for another patient",
                subject=v.label,
            )
        check_drawable(session, settings, v, product, when)
        balance = posting.balance(v)
        if drawn_ug > balance:
            # Name what was drawn: the given amount alone may fit, and the nurse drew the syringe.
            raise InsufficientBalance(
                f"vial {v.label} holds {mg_text(balance)} mg; {mg_text(drawn_ug)} mg cannot be "
                "drawn from it",
                subject=v.label,
            )
        if not product.multi_dose and drawn_ug < balance:
            raise SingleDoseResidueNotWasted(
                f"single-dose vial {v.label} holds {mg_text(balance)} mg; its residue must be "
                "wasted "
                "in this same entry",
                subject=v.label,
            )
        witness_user = (
            witness_for(
                session, settings, actor, witness_actor, MovementKind.WASTE, "wasting residue"
            )
            if wasted_ug or witness_actor
            else None
        )
        assert user.id is not None and person.id is not None and v.id is not None
        # A Core insert: the ORM's per-object bookkeeping costs more than the row on this
        # chair-side path, and nothing below needs the object, only its id.
        values = dict(
            patient_id=person.id,
            vial_id=v.id,
            registration_id=v.registration_id,
            drawn_ug=drawn_ug,
            given_ug=given_ug,
            wasted_ug=wasted_ug,
            weight_g=weight,
            protocol=order.protocol,
            dose_ug_per_kg=order.ug_per_kg,
            ordered_ug=ordered,
            started_at=started_at,
            ended_at=ended_at,
            event_at=when,
            entered_at=posting.entered_at,
            actor_id=user.id,
            witness_id=witness_user.id if witness_user else None,
            late=late,
            reason=why,
            over_order=over_reason is not None,
            over_order_reason=over_reason,
            rendering_provider_id=provider_id,
        )
        rows = table_of(Infusion)
        infusion_id = int(
            session.execute(sa.insert(rows).values(values).returning(rows.c.id)).scalar_one()
        )
        if given_ug:
            posting.move(
                kind=MovementKind.ADMINISTER,
                vial=v,
                amount_ug=-given_ug,
                actor_id=user.id,
                event_at=when,
                reason=why,
                patient_id=person.id,
                infusion_id=infusion_id,
                late=late,
            )
        if wasted_ug:
            posting.move(
                kind=MovementKind.WASTE,
                vial=v,
                amount_ug=-wasted_ug,
                actor_id=user.id,
                event_at=when,
                witness_id=witness_user.id if witness_user else None,
                reason=why_wasted,
                method=how_wasted,
                patient_id=person.id,
                infusion_id=infusion_id,
                late=late,
            )
        if v.state == VialState.SEALED:
            v.state = VialState.OPEN
            v.opened_at = when
            days = product.bud_days or settings.bud_days
            expiry_end = end_of_day(settings.timezone, v.expires)
            v.bud = min(when + timedelta(days=days), expiry_end) if product.multi_dose else when
        if not product.multi_dose:
            v.first_patient_id = person.id
        posting.settle_state(v)
        # In this same transaction, but in a savepoint: billing can never refuse the infusion.
        billing = bill_infusion(
            tx,
            infusion_id=infusion_id,
            patient_id=person.id,
            event_at=when,
            protocol=protocol_text,
            service=service,
        )
        return InfusionRecorded(
            infusion_id=infusion_id,
            movement_ids=[m.id for m in posting.movements],
            vial=v.label,
            balance_after_ug=posting.balance(v),
            given_ug=given_ug,
            wasted_ug=wasted_ug,
            ordered_ug=ordered,
            late=late,
            billing=billing,
            over_order=over_reason is not None,
        )
