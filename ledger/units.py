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

#: Strengths a product label can carry: 1 µg/mL up to 1 g/mL (ketamine tops out at 100 mg/mL).
MIN_STRENGTH_UG_PER_ML = 1
MAX_STRENGTH_UG_PER_ML = 1_000_000
#: Containers from a 0.1 mL ampoule to a 1 L bag.
MIN_VOLUME_UL = 100
MAX_VOLUME_UL = 1_000_000
#: A patient's weight: 2 kg to 400 kg; anything else is a unit mistake (grams, pounds).
MIN_WEIGHT_G = 2_000
MAX_WEIGHT_G = 400_000
#: Dates a clinic record can carry: births from 1900, lot and registration expiries to 2100.
#: Python's dates reach year 9999, but an expiry of 9999-12-31 plus a BUD overflows them.
FIRST_YEAR = 1900
LAST_YEAR = 2100
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
    return plausible_strength(ug)


def plausible_strength(ug_per_ml: int) -> int:
    """A strength between 1 µg/mL and 1000 mg/mL, or refused as a unit mistake."""
    if not MIN_STRENGTH_UG_PER_ML <= ug_per_ml <= MAX_STRENGTH_UG_PER_ML:
        raise InvalidAmount(
            f"strength {mg_text(ug_per_ml)} mg/mL is not plausible; it must be between "
            f"0.001 and {MAX_STRENGTH_UG_PER_ML // 1000} mg/mL"
        )
    return ug_per_ml


def parse_volume_ul(text: str) -> int:
    """`10mL` -> 10000 µL."""
    m = _match(_VOLUME, text, "volume", "10mL")
    factor = 1000 if m["unit"].lower() == "ml" else 1_000_000
    ul = _whole(Decimal(m["num"]) * factor, "volume", text, "µL")
    return plausible_volume_ul(ul)


def plausible_volume_ul(ul: int) -> int:
    """A container volume between 0.1 mL and 1 L, or refused as a unit mistake."""
    if not MIN_VOLUME_UL <= ul <= MAX_VOLUME_UL:
        raise InvalidAmount(
            f"container volume {volume_text(ul)} mL is not plausible; it must be between "
            f"{volume_text(MIN_VOLUME_UL)} and {volume_text(MAX_VOLUME_UL)} mL"
        )
    return ul


def parse_weight_g(text: str) -> int:
    """`80kg` -> 80000 g. Pounds are converted and rounded to the gram (weight is not stock).

    A bare number is refused: 180 could be pounds or kilograms, and the dose follows it.
    """
    m = _match(_WEIGHT, text, "weight", "80kg or 176lb")
    num = Decimal(m["num"])
    unit = m["unit"].lower()
    if unit == "kg":
        grams = num * 1000
    elif unit == "g":
        grams = num
    else:
        grams = num * Decimal("453.59237")
    g = int(grams.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    if not MIN_WEIGHT_G <= g <= MAX_WEIGHT_G:
        raise InvalidAmount(
            f"weight {text.strip()!r} is not a plausible patient weight "
            f"({MIN_WEIGHT_G // 1000}-{MAX_WEIGHT_G // 1000} kg)"
        )
    return g


def plausible_weight_g(grams: int) -> int:
    """A patient's weight between 2 kg and 400 kg, or refused as a unit mistake."""
    if isinstance(grams, bool) or not isinstance(grams, int):
        raise InvalidAmount("weight must be a whole number of grams")
    if not MIN_WEIGHT_G <= grams <= MAX_WEIGHT_G:
        raise InvalidAmount(
            f"weight {grams} g is not a plausible patient weight "
            f"({MIN_WEIGHT_G // 1000}-{MAX_WEIGHT_G // 1000} kg); check the unit"
        )
    return grams


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
    """mL to the 0.01 mL a 1 mL or 3 mL syringe is read to (mg stays the exact figure).

    An amount below what a syringe can show keeps its own digits (5 µg of 50 mg/mL is
    0.0001 mL), so a log never says 0 mL for a dose that was given.
    """
    exact = ml_decimal(ug, strength_ug_per_ml)
    shown = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return exact if shown == 0 and ug != 0 else shown


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
    """mL with the two decimals a 1 mL/3 mL syringe is read to, for screens.

    An amount too small to read on the syringe says so (`<0.01`) instead of `0.00`,
    which would claim there is nothing there.
    """
    ml = ml_decimal(ug, strength_ug_per_ml).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    if ml == 0 and ug != 0:
        return "<0.01" if ug > 0 else ">-0.01"
    return f"{ml:.2f}"


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
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidDate(f"{what} {text!r} is not a date written YYYY-MM-DD") from None
    return plausible_date(day, what)


def plausible_date(day: date, what: str = "date") -> date:
    """A date between 1900 and 2100: beyond them a date is a typing error, not a record."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidDate(f"{what} {day} is outside {FIRST_YEAR}-{LAST_YEAR}")
    return day


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
    plausible_date(value.date(), what)
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
