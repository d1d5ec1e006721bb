"""The ledger browser's rows at two widths.

Wide, every column. At 80 columns that table would need sideways scrolling, which a keyboard
user never finds: the table keeps what tells movements apart (when, kind, vial, mg, by and
witness, patient, a word of note) and the line under it says the rest of the highlighted
movement (its number, the full date, the balance left, the note in full, the reason).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from ledger.queries.ledger_browser import BrowsedLine
from ledger.units import mg_text

#: From this many columns the full table fits (the demo clinic's ledger needs about 110).
WIDE_FROM = 110

WIDE_COLUMNS = ("#", "When", "Kind", "Vial", "mg", "Left mg", "By", "Witness", "Patient", "Note")
NARROW_COLUMNS = ("When", "Kind", "Vial", "mg", "By/witness", "Patient", "Note")


def is_wide(width: int) -> bool:
    return width >= WIDE_FROM


def note(b: BrowsedLine) -> str:
    r = b.line
    text = (
        f"reversed by #{b.reversed_by}"
        if b.reversed_by
        else f"reverses #{r.original_id}"
        if r.original_id
        else ""
    )
    return f"late {text}".strip() if r.late else text


def _word(b: BrowsedLine) -> str:
    """The note in a word; a reversal's kind already says what it reverses."""
    words = (["late"] if b.line.late else []) + (["reversed"] if b.reversed_by else [])
    return " ".join(words)


def cells(b: BrowsedLine, zone: ZoneInfo | None, *, wide: bool) -> tuple[str, ...]:
    r = b.line
    when = r.event_at.astimezone(zone)
    if wide:
        return (
            str(r.id),
            f"{when:%Y-%m-%d %H:%M}",
            r.kind,
            r.vial,
            mg_text(r.amount_ug),
            mg_text(r.balance_ug),
            r.actor,
            r.witness or "",
            r.patient or "",
            note(b),
        )
    who = f"{r.actor}/{r.witness}" if r.witness else r.actor
    return (
        f"{when:%m-%d %H:%M}",
        r.kind,
        r.vial,
        mg_text(r.amount_ug),
        who,
        r.patient or "",
        _word(b),
    )


def detail(b: BrowsedLine, zone: ZoneInfo | None, *, wide: bool) -> str:
    """The highlighted movement: at 80 columns with what its row leaves out."""
    r = b.line
    parts = [f"#{r.id} {r.kind} of {r.product}"]
    if not wide:
        parts.append(f"{r.event_at.astimezone(zone):%Y-%m-%d %H:%M}")
        parts.append(f"{mg_text(r.balance_ug)} mg left")
        parts.append(f"by {r.actor}, witness {r.witness}" if r.witness else f"by {r.actor}")
        if r.patient:
            parts.append(f"patient {r.patient}")
        if note(b):
            parts.append(note(b))
    if r.infusion_id:
        parts.append(f"infusion {r.infusion_id}")
    if r.reason:
        parts.append(f"reason: {r.reason}")
    if r.method:
        parts.append(f"method: {r.method}")
    parts.append(f"entered {r.entered_at.astimezone(zone):%Y-%m-%d %H:%M}")
    return " · ".join(parts)
