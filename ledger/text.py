"""Cleaning free text that goes into a legal record: trimmed, bounded, printable."""

from __future__ import annotations

import unicodedata

from ledger.errors import InvalidText


def clean_text(value: object, what: str, max_len: int, *, required: bool = True) -> str:
    """Refuse empty required fields, over-long text and control characters.

    Control characters (NUL above all) break PostgreSQL text, CSV exports and
    printed logs alike, so they are refused rather than stripped silently.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidText(f"{what} must be text")
    text = unicodedata.normalize("NFC", value).strip()
    if required and not text:
        raise InvalidText(f"{what} is required")
    if len(text) > max_len:
        raise InvalidText(f"{what} is longer than {max_len} characters")
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\n\t":
            raise InvalidText(f"{what} contains a control or unassigned character {ch!r}")
    return text
