"""What the infusion form works out as the nurse types: the ordered dose, the residue and the
mass balance, the vial to draw from and the protocol a few letters stand for.

Plain functions over what is on the form; the ledger judges the entry when it is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ledger.errors import Refusal
from ledger.queries.chair import VialChoice
from ledger.queries.protocols import ProtocolEntry
from ledger.services.protocols import above_order, ordered_ug
from ledger.units import mg_text, parse_amount_ug, parse_mg_per_kg, parse_weight_g


@dataclass(frozen=True)
class Order:
    """The ordered dose on the form, when the protocol and a weight give one."""

    protocol: str
    ug_per_kg: int
    weight_g: int
    ordered_ug: int
    minutes: int | None

    def text(self) -> str:
        run = f" over {self.minutes} min" if self.minutes else ""
        return (
            f"Ordered: {mg_text(self.weight_g)} kg × {mg_text(self.ug_per_kg)} mg/kg = "
            f"{mg_text(self.ordered_ug)} mg{run} ({self.protocol})"
        )


def protocol_meant(typed: str, protocols: list[ProtocolEntry]) -> str:
    """A protocol's name from its first letters ("d" -> "depression") when only one fits;
    anything else (a dose such as 0.5mg/kg, a full name, no match) stays as typed."""
    text = typed.strip().lower()
    if not text or parse_mg_per_kg(text) is not None:
        return typed.strip()
    if any(p.name == text for p in protocols):
        return text
    fits = [p.name for p in protocols if p.name.startswith(text)]
    return fits[0] if len(fits) == 1 else typed.strip()


def order_on_form(
    protocol: str, weight: str, weight_on_file: int | None, protocols: list[ProtocolEntry]
) -> Order | str:
    """The ordered dose, or a line saying what is missing for it."""
    name = protocol_meant(protocol, protocols)
    if not name:
        return "No protocol: no ordered dose to check the dose against"
    try:
        per_kg = parse_mg_per_kg(name)
        weight_g = parse_weight_g(weight) if weight.strip() else weight_on_file
    except Refusal as exc:
        return str(exc)
    entry = next((p for p in protocols if p.name == name), None)
    if per_kg is None and entry is None:
        names = ", ".join(p.name for p in protocols)
        return f"Protocol {name!r} is not on the clinic's list ({names}) nor a dose like 0.5mg/kg"
    ug_per_kg = per_kg if per_kg is not None else entry.ug_per_kg  # type: ignore[union-attr]
    if weight_g is None:
        return "No weight on file: type the weight (80kg) for the ordered dose"
    ordered = ordered_ug(weight_g, ug_per_kg)
    assert ordered is not None
    return Order(name, ug_per_kg, weight_g, ordered, entry.minutes if entry else None)


def amount(text: str, strength: int | None) -> int | None:
    try:
        return parse_amount_ug(text, strength) if text.strip() else None
    except Refusal:
        return None


def residue(drawn: int | None, given: int | None) -> int | None:
    """Drawn − given, the residue that is wasted, when both are known and it is not negative."""
    if drawn is None or given is None or given > drawn:
        return None
    return drawn - given


def balance_line(drawn: int | None, given: int | None, wasted: int | None) -> str:
    """`45 mg drawn = 40 mg given + 5 mg wasted`, or what does not add up."""
    if drawn is None or given is None or wasted is None:
        return ""
    sums = f"{mg_text(drawn)} mg drawn"
    parts = f"{mg_text(given)} mg given + {mg_text(wasted)} mg wasted"
    if drawn == given + wasted:
        return f"{sums} = {parts} ✓"
    return f"{sums} ≠ {parts}: nothing may be left in the syringe"


def is_over(given: int | None, order: Order | str) -> bool:
    return given is not None and isinstance(order, Order) and above_order(given, order.ordered_ug)


def vial_line(choices: list[VialChoice], zone: str) -> str:
    """The vials to draw from, best first: Enter on an empty vial field takes the first."""
    if not choices:
        return "No vial in stock to draw from"
    shown = []
    for c in choices[:3]:
        bud = c.bud.astimezone(ZoneInfo(zone)) if c.bud else None
        when = f"BUD {bud:%m-%d %H:%M}" if bud else f"exp {c.expires:%Y-%m}"
        shown.append(f"{c.label} {c.state} {when} {mg_text(c.balance_ug)} mg")
    return "Draw from: " + " · ".join(shown)
