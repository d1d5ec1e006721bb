"""Rules shared by the ledger services: timing, registrations, vial usability, witnesses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from ledger.access import Actor
from ledger.auth import confirm_witness
from ledger.clock import local_date
from ledger.errors import (
    EventInFuture,
    InvalidDate,
    LateEntryNeedsReason,
    RegistrationExpired,
    ScheduleNotCovered,
    VialExpired,
    VialNotUsable,
    VialPastBeyondUseDate,
    WitnessRequired,
)
from ledger.kinds import rule_of
from ledger.models import ClinicSettings, Product, Receipt, Registration, User, Vial, VialState
from ledger.text import clean_text

#: Clocks on two workstations disagree a little; more than this is a typo.
FUTURE_SKEW = timedelta(minutes=5)


#: No controlled-substance record of this clinic predates this; earlier is a typing error.
EARLIEST_EVENT = datetime(2000, 1, 1, tzinfo=UTC)


def on_clinic_clock(settings: ClinicSettings, value: datetime) -> datetime:
    """A time as typed: with an offset it is exact; without one it is read on the clinic's
    clock, and refused when that wall time does not exist (the spring change) or happens
    twice (the autumn change), because a DEA record must name one instant."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    tz = ZoneInfo(settings.timezone)
    first, second = value.replace(tzinfo=tz, fold=0), value.replace(tzinfo=tz, fold=1)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != value:
        raise InvalidDate(
            f"{value:%Y-%m-%d %H:%M} does not exist on the clinic's clock ({settings.timezone} "
            "moved its clocks forward); give the time with its offset"
        )
    if first.utcoffset() != second.utcoffset():
        raise InvalidDate(
            f"{value:%Y-%m-%d %H:%M} happened twice on the clinic's clock ({settings.timezone} "
            "moved its clocks back); give the time with its offset, e.g. -06:00 or -07:00"
        )
    return first.astimezone(UTC)


def event_time(
    settings: ClinicSettings, entered_at: datetime, event_at: datetime | None, reason: str | None
) -> tuple[datetime, bool, str | None]:
    """The event's real time, whether it is a late entry, and the (required) reason."""
    reason = clean_text(reason, "reason", 500, required=False) or None
    if event_at is None:
        return entered_at, False, reason
    event_at = on_clinic_clock(settings, event_at)
    if event_at < EARLIEST_EVENT:
        raise InvalidDate(f"the event time {event_at:%Y-%m-%d} is before this ledger could exist")
    if event_at > entered_at + FUTURE_SKEW:
        when = event_at.astimezone(ZoneInfo(settings.timezone))
        raise EventInFuture(f"the event time {when:%Y-%m-%d %H:%M} is in the future")
    late = entered_at - event_at > timedelta(minutes=settings.late_entry_minutes)
    if late and not reason:
        raise LateEntryNeedsReason(
            f"this entry is more than {settings.late_entry_minutes} minutes after the event; "
            "give the reason it is late"
        )
    return event_at, late, reason


def check_after_receipt(session: Session, vial: Vial, at: datetime) -> None:
    """Nothing happens to a vial before it arrived at the clinic."""
    receipt = session.get(Receipt, vial.receipt_id)
    if receipt is not None and at < receipt.received_at:
        # On the clinic's clock, as the person typed the time they are being told is too early.
        settings = session.get(ClinicSettings, 1)
        zone = ZoneInfo(settings.timezone) if settings is not None else UTC
        received = receipt.received_at.astimezone(zone)
        raise InvalidDate(
            f"vial {vial.label} was received on {received:%Y-%m-%d %H:%M} "
            f"({getattr(zone, 'key', 'UTC')}); "
            "nothing can be recorded for it before that",
            subject=vial.label,
        )


def with_late_note(reason: str, late_reason: str | None) -> str:
    """The movement's reason, carrying why it was entered late when it was."""
    return f"{reason} (late entry: {late_reason})" if late_reason else reason


def check_registration(reg: Registration, product: Product, on: date) -> None:
    if on > reg.expires:
        raise RegistrationExpired(
            f"registration {reg.dea_number} expired on {reg.expires}; no activity is allowed",
            subject=reg.dea_number,
        )
    if not reg.covers(product.schedule):
        raise ScheduleNotCovered(
            f"registration {reg.dea_number} does not cover schedule {product.schedule} "
            f"({product.name})",
            subject=reg.dea_number,
        )


def check_drawable(
    session: Session, settings: ClinicSettings, vial: Vial, product: Product, at: datetime
) -> None:
    """A draw needs a vial in use, in date, within its beyond-use date, at a valid registration."""
    if vial.state in (VialState.EMPTY, VialState.DESTROYED, VialState.RETURNED):
        raise VialNotUsable(f"vial {vial.label} is {vial.state}", subject=vial.label)
    if vial.state == VialState.QUARANTINED:
        raise VialNotUsable(f"vial {vial.label} is quarantined", subject=vial.label)
    if local_date(settings.timezone, at) > vial.expires:
        raise VialExpired(
            f"vial {vial.label} (lot {vial.lot}) expired on {vial.expires}; waste or destroy it",
            subject=vial.label,
        )
    if vial.bud is not None and at > vial.bud:
        raise VialPastBeyondUseDate(
            f"vial {vial.label} passed its beyond-use date "
            f"{vial.bud.astimezone(ZoneInfo(settings.timezone)):%Y-%m-%d %H:%M}; "
            "waste its residue",
            subject=vial.label,
        )
    reg = session.get(Registration, vial.registration_id)
    assert reg is not None
    check_registration(reg, product, local_date(settings.timezone, at))


def witness_for(
    session: Session,
    settings: ClinicSettings,
    actor: Actor,
    witness: Actor | None,
    kind: str,
    what: str,
) -> User | None:
    """The witness's user row, or None where the movement-kind table and the witness policy
    in force let this kind of movement stand alone."""
    if witness is None:
        if rule_of(kind).witnesses_needed(settings.witness_policy):
            raise WitnessRequired(f"{what} needs a witness: a second nurse or the registrant")
        return None
    return confirm_witness(session, actor, witness)


def witnesses_for(
    session: Session,
    settings: ClinicSettings,
    actor: Actor,
    kind: str,
    what: str,
    witnesses: Sequence[Actor | None],
) -> list[User | None]:
    """Each named witness's user row (None where none was named), after refusing when fewer
    were named than the movement-kind table asks of `kind` under the policy in force."""
    needed = rule_of(kind).witnesses_needed(settings.witness_policy)
    if sum(w is not None for w in witnesses) < needed:
        raise WitnessRequired(f"{what} needs {_witness_count(needed)}")
    return [None if w is None else confirm_witness(session, actor, w) for w in witnesses]


def require_named_witnesses(kind: str, refusal: str, *named: object | None) -> None:
    """Before any password is checked: refuse with `refusal` when fewer witnesses are named
    than the movement-kind table asks of `kind` whatever the witness policy."""
    if sum(n is not None for n in named) < rule_of(kind).witnesses_always():
        raise WitnessRequired(refusal)


def _witness_count(n: int) -> str:
    return "a witness: a second nurse or the registrant" if n == 1 else f"{n} witnesses"


def product_of(session: Session, vial: Vial) -> Product:
    product = session.get(Product, vial.product_id)
    assert product is not None
    return product
