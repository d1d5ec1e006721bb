"""Dosing protocols: named weight-based orders, or a plain `0.5mg/kg`."""

from __future__ import annotations

from ledger.errors import InvalidAmount
from ledger.units import parse_mg_per_kg

#: name -> total ordered µg per kg of body weight.
PROTOCOLS: dict[str, int] = {
    # Depression: 0.5 mg/kg IV over 40 minutes.
    "depression": 500,
    # Pain: 0.35 mg/kg/h for 4 hours.
    "pain": 1400,
}

#: Above this an order is almost surely a typo (about twice the top of common ranges).
MAX_UG_PER_KG = 3000


def dose_per_kg(protocol: str | None) -> int | None:
    """µg/kg for a weight-based protocol, None for a protocol that is not weight-based."""
    if not protocol:
        return None
    name = protocol.strip().lower()
    if name in PROTOCOLS:
        return PROTOCOLS[name]
    ug = parse_mg_per_kg(name)
    if ug is not None and not 0 < ug <= MAX_UG_PER_KG:
        raise InvalidAmount(f"dose {protocol!r} is outside 0-{MAX_UG_PER_KG // 1000} mg/kg")
    return ug


def ordered_ug(weight_g: int | None, ug_per_kg: int | None) -> int | None:
    """Weight × dose, rounded half-up to the µg (a report figure, not a stock amount)."""
    if weight_g is None or ug_per_kg is None:
        return None
    return (weight_g * ug_per_kg + 500) // 1000
