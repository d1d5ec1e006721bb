"""How a PDF table shares the page's width among its columns.

A value that must not wrap (a DEA number, an NDC, a lot, a vial label, a date, an
amount) gets a column as wide as its longest value in the table: a value cut in two
reads as two values. Free text (names, addresses, reasons) shares what is left, in
proportion to each column's rough width, and wraps. A heading breaks only at spaces,
so every column is at least as wide as the longest word of its heading. If the fixed
columns do not fit at the table's type size, the whole table is set smaller.

Finding the longest values reads the rows once before drawing them (the model allows
a renderer to read its rows twice); only one running maximum per column is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth

from reports.model import Column, Kind, Value

#: Type sizes a table may be set in, largest first.
SIZES = (7.5, 6.8, 6.2, 5.6, 5.0, 4.5)

SAMPLES = {Kind.DATETIME: "2026-12-31 23:59", Kind.DATE: "2026-12-31"}

Face = Callable[[str, str], str]
CellText = Callable[[Value, Column], str]


@dataclass(frozen=True)
class Layout:
    widths: tuple[float, ...]
    size: float
    #: False when even the smallest size did not fit and every column was scaled down.
    fits: bool = True


@lru_cache(maxsize=50_000)
def unit_width(text: str, font: str) -> float:
    """The width of `text` at 1 pt (widths scale with the size)."""
    return stringWidth(text, font, 1)


def natural_widths(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Value]],
    cell_text: CellText,
    face: Face,
    font: str,
    bold: str,
) -> tuple[list[float], list[float]]:
    """Per column at 1 pt: the longest word of its heading, and (for a column that must not
    wrap) its longest value."""
    heads = [
        max((unit_width(word, face(bold, word)) for word in col.heading.split()), default=0.0)
        for col in columns
    ]
    # A date column is as wide as a date even when the table is empty, so that an empty
    # table's headings do not fold into a column one word wide.
    longest = [
        unit_width(SAMPLES[col.kind], font) if col.kind in SAMPLES else 0.0 for col in columns
    ]
    fixed = [i for i, col in enumerate(columns) if not col.wrap]
    # A date or time is printed in one layout of digits, and Helvetica's digits share one
    # width, so every date is as wide as the sample: only a value of another type is measured.
    dated = {
        i: datetime if columns[i].kind == Kind.DATETIME else date
        for i in fixed
        if columns[i].kind in SAMPLES and font == "Helvetica"
    }
    for row in rows:
        for i in fixed:
            if i in dated and type(row[i]) is dated[i]:
                continue
            text = cell_text(row[i], columns[i])
            width = unit_width(text, face(font, text))
            if width > longest[i]:
                longest[i] = width
    return heads, longest


def _share(
    usable: float, columns: Sequence[Column], fixed: dict[int, float], minimum: dict[int, float]
) -> list[float]:
    """Fixed columns keep their width; free text shares the rest by rough width, none below
    its minimum."""
    widths = dict(fixed)
    free = set(minimum)
    left = usable - sum(fixed.values())
    while free:
        weight = sum(columns[i].width for i in free)
        short = {i for i in free if left * columns[i].width / weight < minimum[i]}
        if not short:
            for i in free:
                widths[i] = left * columns[i].width / weight
            break
        for i in short:
            widths[i] = minimum[i]
            left -= minimum[i]
        free -= short
    if not minimum and left > 0:
        # No free text: the spare room goes to the fixed columns alike.
        total = sum(fixed.values())
        widths = {i: w + left * w / total for i, w in fixed.items()}
    return [widths[i] for i in range(len(columns))]


def lay_out(
    columns: Sequence[Column],
    heads: Sequence[float],
    longest: Sequence[float],
    usable: float,
    pad: float,
    start: float,
) -> Layout:
    """The widths at the largest size (from `start` down) at which the table fits."""
    sizes = [s for s in SIZES if s <= start] or [SIZES[-1]]
    for size in sizes:
        fixed = {
            i: max(heads[i], longest[i]) * size + 2 * pad + 0.5
            for i, col in enumerate(columns)
            if not col.wrap
        }
        minimum = {i: heads[i] * size + 2 * pad + 0.5 for i, col in enumerate(columns) if col.wrap}
        if sum(fixed.values()) + sum(minimum.values()) <= usable:
            return Layout(tuple(_share(usable, columns, fixed, minimum)), size)
    # Nothing fits even at the smallest size: scale every column down alike; the renderer
    # then sets an over-long value smaller rather than wrap it.
    size = sizes[-1]
    natural = [max(heads[i], longest[i]) * size + 2 * pad for i in range(len(columns))]
    scale = usable / sum(natural)
    return Layout(tuple(w * scale for w in natural), size, fits=False)


def heading_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """A heading broken at spaces only: a word is never cut."""
    lines: list[str] = []
    for word in text.split():
        if lines and unit_width(f"{lines[-1]} {word}", font) * size <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]
