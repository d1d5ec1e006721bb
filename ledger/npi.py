"""The National Provider Identifier: ten digits whose last is a Luhn check digit computed
over the ISO card-issuer prefix 80840 and the first nine digits (CMS, "NPI check digit")."""

from __future__ import annotations

import re

from ledger.errors import InvalidText

#: The prefix CMS puts before the nine digits when computing the check digit.
PREFIX = "80840"


def check_digit(first_nine: str) -> int:
    """The tenth digit of an NPI whose first nine are `first_nine`."""
    if not re.fullmatch(r"[0-9]{9}", first_nine):
        raise ValueError("an NPI's check digit is computed over nine digits")
    total = 0
    # Luhn: double every second digit from the right, the rightmost included (the check
    # digit itself, which would be rightmost of all, is not there yet).
    for i, c in enumerate(reversed(PREFIX + first_nine)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10


def npi_is_valid(npi: str) -> bool:
    """Ten digits with the right check digit."""
    if not isinstance(npi, str) or not re.fullmatch(r"[0-9]{10}", npi):
        return False
    return check_digit(npi[:9]) == int(npi[9])


def valid_npi(value: str) -> str:
    """`value` as stored (spaces and dashes a person may type removed), or a refusal."""
    text = re.sub(r"[\s-]", "", value) if isinstance(value, str) else ""
    if not npi_is_valid(text):
        raise InvalidText(
            f"NPI {value!r} is not 10 digits with a valid check digit", subject=str(value)
        )
    return text
