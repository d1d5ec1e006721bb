"""Money as integer cents: parsing what billing staff type, and printing it back.

"2400.00", "2400", "2,400.50" and "$2400" are exact; a third decimal, an exponent, a float
object or a negative amount where none is allowed is refused, never rounded.
"""

from __future__ import annotations

import re

from ledger.errors import InvalidAmount

_AMOUNT = re.compile(r"(?P<sign>-?)\$?(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d{1,2}))?")
_PERCENT = re.compile(r"(?P<whole>\d{1,3})(?:\.(?P<frac>\d{1,2}))?%?")
#: A billing amount above this is a typo, not a price ($10 million).
MAX_CENTS = 1_000_000_000


def parse_cents(text: object, what: str = "amount", *, allow_negative: bool = False) -> int:
    """`text` ("2400.00", "2400", "2,400.5") as integer cents, exactly."""
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise InvalidAmount(f"{what} must be typed as text like 2400.00, not {type(text).__name__}")
    if isinstance(text, int):
        text = str(text)
    m = _AMOUNT.fullmatch(text.strip())
    if m is None:
        raise InvalidAmount(
            f"{what} {text.strip()!r} is not an amount of money; type it like 2400.00 or 2400 "
            "(at most two decimals)"
        )
    cents = int(m["whole"].replace(",", "")) * 100 + int((m["frac"] or "0").ljust(2, "0"))
    if m["sign"]:
        cents = -cents
    if cents < 0 and not allow_negative:
        raise InvalidAmount(f"{what} cannot be negative")
    if abs(cents) > MAX_CENTS:
        raise InvalidAmount(f"{what} {text.strip()!r} is beyond any price this clinic charges")
    return cents


def parse_percent(text: object, what: str = "discount") -> int:
    """`text` ("10%", "12.5%") as basis points (1000, 1250); between 0 and 100 %."""
    if not isinstance(text, str):
        raise InvalidAmount(f"{what} must be typed as text like 10%")
    m = _PERCENT.fullmatch(text.strip())
    if m is None:
        raise InvalidAmount(f"{what} {text.strip()!r} is not a percentage like 10% or 12.5%")
    bp = int(m["whole"]) * 100 + int((m["frac"] or "0").ljust(2, "0"))
    if not 0 < bp <= 10_000:
        raise InvalidAmount(f"{what} must be more than 0% and at most 100%")
    return bp


def cents_text(cents: int) -> str:
    """-123456 -> "-1234.56": the form billing staff type, for messages and the CLI."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def percent_text(bp: int) -> str:
    """1250 -> "12.5%"."""
    whole, frac = divmod(bp, 100)
    return f"{whole}%" if frac == 0 else f"{whole}.{frac:02d}".rstrip("0") + "%"
