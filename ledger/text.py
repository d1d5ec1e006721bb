"""Cleaning free text that goes into a legal record: trimmed, bounded, printable."""

from __future__ import annotations

import unicodedata

from ledger.errors import InvalidText

#: Control (Cc), format (Cf: bidirectional overrides, zero-width spaces and joiners, the
#: BOM), surrogate, private-use and unassigned characters, and line or paragraph
#: separators. On a printed DEA log they reorder text, hide it, or start a false line.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
#: How much of a refused value a message repeats: enough to find it, never a whole file.
SHOWN_CHARS = 40


def shown(value: str) -> str:
    """A value as a refusal quotes it: in full when short, else its start and its length."""
    if len(value) <= SHOWN_CHARS:
        return repr(value)
    return f"{value[:SHOWN_CHARS]!r}… ({len(value)} characters)"


def clean_text(
    value: object, what: str, max_len: int, *, required: bool = True, one_line: bool = False
) -> str:
    """Refuse empty required fields, over-long text, and control or invisible characters.

    Control characters (NUL above all) break PostgreSQL text, CSV exports and
    printed logs alike, and bidirectional overrides and zero-width characters make a
    name print reversed or invisibly, so they are refused rather than stripped
    silently. Tabs and line breaks are allowed in free text (an address, a reason)
    but not in a name or an identifier (`one_line`), where they would forge a line.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidText(f"{what} must be text")
    text = unicodedata.normalize("NFC", value).strip()
    if required and not text:
        raise InvalidText(f"{what} is required")
    if len(text) > max_len:
        raise InvalidText(f"{what} is longer than {max_len} characters ({len(text)})")
    allowed = "" if one_line else "\n\t"
    for ch in text:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES and ch not in allowed:
            name = unicodedata.name(ch, f"U+{ord(ch):04X}")
            raise InvalidText(
                f"{what} contains a control, invisible or direction-changing character "
                f"(U+{ord(ch):04X} {name}); retype it"
            )
    return text
