"""ICD-10-CM diagnosis codes as a superbill prints them: the format is checked (a typo such
as F3.31 or F33,1 never reaches an insurer), not membership of the code set, which changes
every October and which the clinic's EHR owns."""

from __future__ import annotations

import re

from ledger.errors import InvalidText

#: A category (letter, digit, digit-or-letter), then up to four characters after the point
#: (etiology, site, severity, and the 7th-character extension, where X holds a place).
_CODE = re.compile(r"([A-Z][0-9][0-9A-Z])(?:\.([0-9A-Z]{1,4}))?")


def normalize_icd10(value: str) -> str:
    """`value` written the standard way (upper case, the point after the category: f331 is
    F33.1), or a refusal naming the format."""
    text = value.strip().upper() if isinstance(value, str) else ""
    if "." not in text and len(text) > 3:
        text = f"{text[:3]}.{text[3:]}"
    found = _CODE.fullmatch(text)
    if found is None or text.endswith("."):
        raise InvalidText(
            f"ICD-10-CM code {value!r} is not in the format of a letter, two characters, "
            "then up to four after a point (for example F33.1, F43.10, T40.4X1A)",
            subject=str(value),
        )
    return text
