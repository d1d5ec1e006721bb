"""Dosing protocols: the clinic's named list (or a plain `0.5mg/kg`), and the over-order rule.

A protocol names the whole ordered dose per kg; weight × that is the ordered dose. A dose
given more than 10% above it is refused unless the nurse confirms it with a reason; the
confirmed over-order is kept on the infusion and flagged in the administration log. The
command line and the app both come here, so the rule is written once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import (
    DuplicateRecord,
    InvalidAmount,
    InvalidText,
    OverOrderNeedsReason,
    OverOrderNotConfirmed,
    ProtocolRetired,
    UnknownProtocol,
    UnknownRecord,
)
from ledger.models import Protocol
from ledger.queries.protocols import ProtocolEntry, protocol_entries, protocol_named
from ledger.text import clean_text
from ledger.unit_of_work import act, look
from ledger.units import mg_text, parse_mg_per_kg

#: The protocols a new clinic starts with (migration 0009 seeds the same), for writers that
#: build history without the table (bench/bulk_writer.py).
PROTOCOLS: dict[str, int] = {
    # Depression: 0.5 mg/kg IV over 40 minutes.
    "depression": 500,
    # Pain: 0.35 mg/kg/h for 4 hours.
    "pain": 1400,
}

#: Above this an order is almost surely a typo (about twice the top of common ranges).
MAX_UG_PER_KG = 3000

#: A dose may run this far above the order without a word: a syringe read to 0.1 mL and a
#: rounded weight are not an overdose.
OVER_ORDER_PERCENT = 10

#: The longest protocol a clinic may list (a day).
MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class Order:
    """What an infusion was ordered under: the protocol as stored and its µg/kg."""

    protocol: str | None
    ug_per_kg: int | None


def dose_per_kg(protocol: str | None) -> int | None:
    """µg/kg of a seeded protocol or a plain `0.5mg/kg`, without the database (bulk writers)."""
    if not protocol:
        return None
    name = protocol.strip().lower()
    if name in PROTOCOLS:
        return PROTOCOLS[name]
    return _plain_dose(protocol)


def _plain_dose(text: str) -> int | None:
    ug = parse_mg_per_kg(text.strip().lower())
    if ug is not None and not 0 < ug <= MAX_UG_PER_KG:
        raise InvalidAmount(f"dose {text!r} is outside 0-{MAX_UG_PER_KG // 1000} mg/kg")
    return ug


def order_for(session: Session, protocol: str | None) -> Order:
    """The protocol typed on an infusion, judged against the clinic's list (in the action)."""
    if not protocol:
        return Order(None, None)
    plain = _plain_dose(protocol)
    if plain is not None:
        return Order(protocol, plain)
    row = protocol_named(session, protocol)
    if row is None:
        names = ", ".join(e.name for e in protocol_entries(session)) or "none yet"
        raise UnknownProtocol(
            f"there is no protocol called {protocol!r}; the clinic's protocols are: {names} "
            "(or write the dose, such as 0.5mg/kg)",
            subject=protocol,
        )
    if not row.active:
        raise ProtocolRetired(
            f"protocol {row.name!r} is retired; choose one of the clinic's current protocols",
            subject=row.name,
        )
    return Order(row.name, row.ug_per_kg)


def ordered_ug(weight_g: int | None, ug_per_kg: int | None) -> int | None:
    """Weight × dose, rounded half-up to the µg (a report figure, not a stock amount)."""
    if weight_g is None or ug_per_kg is None:
        return None
    return (weight_g * ug_per_kg + 500) // 1000


def above_order(given_ug: int, ordered: int | None) -> bool:
    """More than OVER_ORDER_PERCENT above the ordered dose, in whole µg (no float)."""
    return ordered is not None and given_ug * 100 > ordered * (100 + OVER_ORDER_PERCENT)


def over_order_judged(
    given_ug: int, ordered: int | None, *, confirmed: bool, reason: str | None
) -> str | None:
    """The reason kept for a confirmed over-order, None when the dose is within the order;
    a refusal when it is over and not confirmed with a reason."""
    if not above_order(given_ug, ordered):
        return None
    assert ordered is not None
    said = (
        f"{mg_text(given_ug)} mg is more than {OVER_ORDER_PERCENT}% above the ordered "
        f"{mg_text(ordered)} mg"
    )
    if not confirmed:
        raise OverOrderNotConfirmed(
            f"{said}; confirm the over-order with its reason (on the command line: "
            "--confirm-over-order --over-order-reason)"
        )
    if not reason:
        raise OverOrderNeedsReason(f"{said}; a confirmed over-order needs its reason")
    return reason


# -- the clinic's list -------------------------------------------------------------------


def _name(text: str) -> str:
    name = clean_text(text, "protocol name", 64, one_line=True).lower()
    if parse_mg_per_kg(name) is not None:
        raise InvalidText(f"{text!r} is a dose, not a name; name the protocol (e.g. depression)")
    return name


@audited("protocol.add")
def add_protocol(
    db: Database, actor: Actor, *, name: str, ug_per_kg: int, minutes: int
) -> ProtocolEntry:
    """A new protocol on the clinic's list (admin or registrant)."""
    clean = _name(name)
    if not isinstance(ug_per_kg, int) or isinstance(ug_per_kg, bool):
        raise InvalidAmount("the dose must be a whole number of µg per kg")
    if not 0 < ug_per_kg <= MAX_UG_PER_KG:
        raise InvalidAmount(f"the dose must be above 0 and at most {MAX_UG_PER_KG // 1000} mg/kg")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 < minutes <= MAX_MINUTES:
        raise InvalidAmount(f"a protocol runs 1 to {MAX_MINUTES} minutes")
    with act(db, actor, "protocol.manage") as tx:
        if protocol_named(tx.session, clean) is not None:
            raise DuplicateRecord(f"protocol {clean!r} is on the list already", subject=clean)
        tx.session.add(Protocol(name=clean, ug_per_kg=ug_per_kg, minutes=minutes, active=True))
        tx.audit(
            action="protocol.add",
            detail={"name": clean, "ug_per_kg": ug_per_kg, "minutes": minutes},
        )
    return ProtocolEntry(clean, ug_per_kg, minutes, True)


@audited("protocol.retire")
def retire_protocol(db: Database, actor: Actor, name: str) -> ProtocolEntry:
    """Off the list for new infusions; the infusions that name it keep it."""
    with act(db, actor, "protocol.manage") as tx:
        row = protocol_named(tx.session, clean_text(name, "protocol name", 64, one_line=True))
        if row is None:
            raise UnknownRecord(f"there is no protocol called {name!r}", subject=name)
        if not row.active:
            raise ProtocolRetired(f"protocol {row.name!r} is retired already", subject=row.name)
        row.active = False
        tx.session.add(row)
        tx.audit(action="protocol.retire", detail={"name": row.name})
        return ProtocolEntry(row.name, row.ug_per_kg, row.minutes, False)


def list_protocols(db: Database, actor: Actor, *, retired: bool = False) -> list[ProtocolEntry]:
    with look(db, actor) as tx:
        return protocol_entries(tx.session, retired=retired)
