"""Exact units: drug amounts in integer µg, volumes in integer µL, weights in grams.

Nothing here touches a float. Text is parsed with `Decimal` and must convert to a
whole number of the base unit, or it is refused: a nurse who types 0.333 mL of a
50 mg/mL drug gets told, not silently rounded.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from ledger.errors import InvalidAmount, InvalidDate

_NUMBER = r"(?P<num>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"  # ASCII digits only: \d also matches ٥
_AMOUNT = re.compile(_NUMBER + r"\s*(?P<unit>mg|mcg|µg|μg|ug|g|ml)", re.IGNORECASE)
_STRENGTH = re.compile(_NUMBER + r"\s*(?P<unit>mg|mcg|µg|μg|ug)\s*/\s*ml", re.IGNORECASE)
_VOLUME = re.compile(_NUMBER + r"\s*(?P<unit>ml|l)", re.IGNORECASE)
_WEIGHT = re.compile(_NUMBER + r"\s*(?P<unit>kg|g|lb|lbs)", re.IGNORECASE)
_MG_PER_KG = re.compile(_NUMBER + r"\s*mg\s*/\s*kg", re.IGNORECASE)

_UG_PER = {"mg": 1000, "mcg": 1, "µg": 1, "μg": 1, "ug": 1, "g": 1_000_000}
_MAX_TEXT = 40  # Nothing a person types for an amount is longer; refuse before regex work.


def _match(pattern: re.Pattern[str], text: str, what: str, example: str) -> re.Match[str]:
    if not isinstance(text, str) or not text.strip():
        raise InvalidAmount(f"{what} is empty; write it like {example}")
    if len(text) > _MAX_TEXT:
        raise InvalidAmount(f"{what} is too long to be an amount; write it like {example}")
    m = pattern.fullmatch(text.strip())
    if m is None:
        raise InvalidAmount(
            f"{what} {text.strip()!r} is not understood; write a plain number and a unit "
            f"like {example} (no signs, commas or exponents)"
        )
    return m


def _whole(value: Decimal, what: str, text: str, unit: str) -> int:
    if value != value.to_integral_value():
        raise InvalidAmount(f"{what} {text!r} is not a whole number of {unit}; it would be rounded")
    return int(value)


def parse_amount_ug(text: str, strength_ug_per_ml: int | None = None, what: str = "amount") -> int:
    """Parse `50mg`, `1.0mL`, `0.8 ml`, `500mcg` into integer µg.

    mL converts through the product's strength and must land on a whole µg.
    """
    m = _match(_AMOUNT, text, what, "50mg or 1.0mL")
    num = Decimal(m["num"])
    unit = m["unit"].lower()
    if unit == "ml":
        if strength_ug_per_ml is None:
            raise InvalidAmount(f"{what} {text!r} is in mL but no product strength is known")
        ug = _whole(num * strength_ug_per_ml, what, text.strip(), "µg")
    else:
        ug = _whole(num * _UG_PER[unit], what, text.strip(), "µg")
    return ug


def parse_strength(text: str) -> int:
    """`50mg/mL` -> 50000 µg per mL."""
    m = _match(_STRENGTH, text, "strength", "50mg/mL")
    ug = _whole(Decimal(m["num"]) * _UG_PER[m["unit"].lower()], "strength", text, "µg/mL")
    if ug <= 0:
        raise InvalidAmount("strength must be more than zero")
    return ug


def parse_volume_ul(text: str) -> int:
    """`10mL` -> 10000 µL."""
    m = _match(_VOLUME, text, "volume", "10mL")
    factor = 1000 if m["unit"].lower() == "ml" else 1_000_000
    ul = _whole(Decimal(m["num"]) * factor, "volume", text, "µL")
    if ul <= 0:
        raise InvalidAmount("volume must be more than zero")
    return ul


def parse_weight_g(text: str) -> int:
    """`80kg` -> 80000 g. Pounds are converted and rounded to the gram (weight is not stock)."""
    m = _match(_WEIGHT, text, "weight", "80kg")
    num = Decimal(m["num"])
    unit = m["unit"].lower()
    if unit == "kg":
        grams = num * 1000
    elif unit == "g":
        grams = num
    else:
        grams = num * Decimal("453.59237")
    g = int(grams.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    if g <= 0 or g > 500_000:
        raise InvalidAmount(f"weight {text!r} is not a plausible patient weight")
    return g


def parse_mg_per_kg(text: str) -> int | None:
    """`0.5mg/kg` -> 500 µg/kg, or None when the text is not a mg/kg dose."""
    m = _MG_PER_KG.fullmatch(text.strip()) if len(text) <= _MAX_TEXT else None
    if m is None:
        return None
    return _whole(Decimal(m["num"]) * 1000, "dose", text, "µg/kg")


def mg_decimal(ug: int) -> Decimal:
    """Exact mg with three places: one µg is 0.001 mg, so nothing is ever rounded."""
    return (Decimal(ug) / 1000).quantize(Decimal("0.001"))


def syringe_ml(ug: int, strength_ug_per_ml: int) -> Decimal:
    """mL to the 0.01 mL a 1 mL or 3 mL syringe is read to (mg stays the exact figure)."""
    return ml_decimal(ug, strength_ug_per_ml).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def mg_text(ug: int) -> str:
    """Exact mg as a decimal string: 12345 µg -> '12.345'."""
    return _plain(Decimal(ug) / 1000)


def ml_decimal(ug: int, strength_ug_per_ml: int) -> Decimal:
    """mL for an amount; exact when it terminates, else to 0.0001 mL (beyond any syringe)."""
    exact = Decimal(ug) / Decimal(strength_ug_per_ml)
    q = exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
    return exact if exact == q else q


def ml_text(ug: int, strength_ug_per_ml: int) -> str:
    return _plain(ml_decimal(ug, strength_ug_per_ml))


def syringe_ml_text(ug: int, strength_ug_per_ml: int) -> str:
    """mL with the two decimals a 1 mL/3 mL syringe is read to, for screens."""
    return f"{syringe_ml(ug, strength_ug_per_ml):.2f}"


def volume_text(ul: int) -> str:
    return _plain(Decimal(ul) / 1000)


def strength_text(ug_per_ml: int) -> str:
    return f"{mg_text(ug_per_ml)} mg/mL"


def _plain(d: Decimal) -> str:
    if d == 0:
        return "0"
    text = format(d.normalize(), "f")
    return text


def parse_date(text: str, what: str = "date") -> date:
    """ISO dates only (2027-05-31): a clinic-wide format avoids 03/04 ambiguity."""
    if not isinstance(text, str) or len(text) > _MAX_TEXT:
        raise InvalidDate(f"{what} must be written YYYY-MM-DD")
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
            raise ValueError
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidDate(f"{what} {text!r} is not a date written YYYY-MM-DD") from None


def parse_datetime(text: str, timezone: str, what: str = "time") -> datetime:
    """ISO 8601 date-time. Without an offset it is read on the clinic's wall clock."""
    if not isinstance(text, str) or len(text) > 64:
        raise InvalidDate(f"{what} must be an ISO date-time like 2026-11-27T14:30")
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidDate(
            f"{what} {text!r} is not an ISO date-time like 2026-11-27T14:30"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value


def parse_count(text: str, what: str = "count", maximum: int = 10_000) -> int:
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]{1,6}", text.strip()):
        raise InvalidAmount(f"{what} {text!r} must be a whole number")
    n = int(text)
    if n <= 0 or n > maximum:
        raise InvalidAmount(f"{what} must be between 1 and {maximum}")
    return n
