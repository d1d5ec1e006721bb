"""The PDF renderer: Letter pages drawn one at a time on a reportlab canvas.

Rows are drawn as they stream from the database, so no table of the whole log is
ever built. reportlab keeps every page until the file is saved; here each finished
page is compressed at once and its content moved to a temporary file beside the
export, so only a small page record per page stays in memory (a 100,000-row log
is some 2,000 pages). "Page X of Y" works in one pass: every page draws a form
named "pages", and the form's content (Y) is written once the last page is known.
"""

from __future__ import annotations

import tempfile
import zlib
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from reports.fonts import font_names
from reports.model import Column, Kind, Part, Report, Total, Value
from reports.pdf_layout import heading_lines, lay_out, natural_widths

MARGIN = 36
#: Text WinAnsi can show is set in Helvetica (built in, and several times faster to draw);
#: anything else (Nguyễn, Łukasz) in the embedded Unicode face, string by string.
FONT, BOLD = "Helvetica", "Helvetica-Bold"


def _winansi(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def face(font: str, text: str) -> str:
    """The face that can show `text`: the built-in one when it can, else the Unicode one."""
    if font in (FONT, BOLD) and not _winansi(text):
        # Registered (a TrueType file parsed) the first time a string needs it.
        regular, bold = font_names()
        return bold if font == BOLD else regular
    return font


#: Inside a PDF string, a backslash and the parentheses are escaped.
_PDF_ESCAPES = str.maketrans({"\\": "\\\\", "(": "\\(", ")": "\\)"})


class _SpilledStream(PDFStream):
    """A page's content, already deflated, read back from the spill file when saved."""

    def __init__(self, spill: IO[bytes], offset: int, length: int) -> None:
        self.spill, self.offset, self.length = spill, offset, length
        super().__init__(PDFDictionary({"Filter": PDFArray([PDFName("FlateDecode")])}), b"")

    @property  # type: ignore[override]
    def content(self) -> bytes:
        self.spill.seek(self.offset)
        return self.spill.read(self.length)

    @content.setter
    def content(self, _value: Any) -> None:
        pass  # the content lives in the spill file


class _Canvas(Canvas):
    """A canvas that moves each finished page out of memory, and switches to the Unicode
    face for the strings that need it."""

    spill: IO[bytes] | None = None
    _places: dict[tuple[float, float], str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._places = {}

    def showPage(self) -> None:  # noqa: N802
        super().showPage()
        if self.spill is None:
            return
        page = self._doc.Pages.pages[-1]
        text = page.stream
        data = zlib.compress(text.encode("utf-8") if isinstance(text, str) else text)
        self.spill.seek(0, 2)
        offset = self.spill.tell()
        self.spill.write(data)
        page.Contents = _SpilledStream(self.spill, offset, len(data))
        page.stream = None

    def cell(self, x: float, y: float, text: str) -> None:
        """One table cell's line: the common case (printable ASCII in Helvetica) written as
        its PDF operators directly, as drawString would write them without building a
        text object per string; anything else through drawString."""
        if not text:
            return
        if text.isascii() and text.isprintable() and self._fontname in (FONT, BOLD):
            # A table's columns and lines sit at the same few places on every page.
            at = self._places.get((x, y))
            if at is None:
                if len(self._places) > 4096:  # rows of many heights: keep it small
                    self._places.clear()
                at = self._places[(x, y)] = f"BT 1 0 0 1 {fp_str(x)} {fp_str(y)} Tm ("
            self._code.append(f"{at}{text.translate(_PDF_ESCAPES)}) Tj ET")
        else:
            self.drawString(x, y, text)

    def right_cell(self, x: float, y: float, text: str) -> None:
        """A cell's line ending at `x` (figures line up on the right)."""
        if text.isascii() and text.isprintable() and self._fontname in (FONT, BOLD):
            self.cell(x - stringWidth(text, self._fontname, self._fontsize), y, text)
        else:
            self.drawRightString(x, y, text)

    def drawString(self, x, y, text, *args, **kwargs):  # type: ignore[no-untyped-def] # noqa: N802
        self._in_face(super().drawString, x, y, text, *args, **kwargs)

    def drawRightString(self, x, y, text, *args, **kwargs):  # type: ignore[no-untyped-def] # noqa: N802
        self._in_face(super().drawRightString, x, y, text, *args, **kwargs)

    def _in_face(self, draw, x, y, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        font, size = self._fontname, self._fontsize
        wanted = face(font, text)
        if wanted == font:
            draw(x, y, text, *args, **kwargs)
            return
        self.setFont(wanted, size)
        draw(x, y, text, *args, **kwargs)
        self.setFont(font, size)


CELL_SIZE, PAD = 7.5, 2.5
#: Below this many points per character of column width, a table is set smaller.
DENSE_PT_PER_CHAR, DENSE_SIZE = 4.6, 6.2
#: A report whose columns add up to more characters than this is printed landscape.
PORTRAIT_CHARS = 110
STRIPE = Color(0.94, 0.95, 0.97)
RULE = Color(0.55, 0.55, 0.6)
HEAD_FILL = Color(0.86, 0.88, 0.92)
FOOTER_SPACE = 34

Progress = Callable[[int], None]


def cell_text(value: Value, kind: Kind, places: int) -> str:
    """How a value reads on paper: exact figures, clinic-local times."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if kind == Kind.MONEY and isinstance(value, int):
        sign = "-" if value < 0 else ""
        return f"{sign}${abs(value) // 100:,}.{abs(value) % 100:02d}"
    if isinstance(value, Decimal):
        return f"{value:,.{places}f}" if kind == Kind.DECIMAL else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@lru_cache(maxsize=20_000)
def fit(text: str, font: str, size: float, width: float) -> list[str]:
    """Wrap free text on spaces, and cut any word still too wide by letters.

    Cached: a log repeats the same product, strength and staff names on every row, and
    measuring text was a quarter of the export. Callers must not change the list.
    """
    lines: list[str] = []
    font = face(font, text)
    for line in simpleSplit(text, font, size, width) or [""]:
        while stringWidth(line, font, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and stringWidth(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


def total_text(t: Total) -> str:
    text = cell_text(t.value, t.kind, t.places)
    return f"{text} {t.unit}".strip()


class _Pages:
    """The canvas plus where the pen is; starts a new page (with its header) on demand."""

    def __init__(self, report: Report, path: Path) -> None:
        wide = any(sum(c.width for c in part.columns) > PORTRAIT_CHARS for part in report.parts)
        self.size = landscape(letter) if wide else letter
        self.width, self.height = self.size
        self.report = report
        self.canvas = _Canvas(str(path), pagesize=self.size, pageCompression=1)
        # Beside the export: it holds the same patient names, and goes when closed.
        self.spill = tempfile.TemporaryFile(dir=path.parent)
        self.canvas.spill = self.spill
        c = self.canvas
        c.setTitle(report.title)
        c.setAuthor(report.integrity.generated_by)
        c.setSubject(f"{report.registration} {report.period.text()}")
        c.setCreator("vialbook")
        # verify-export reads the head back from here.
        i = report.integrity
        c.setKeywords(f"vialbook-head:{i.head_seq}:{i.head_hash}")
        self.page = 0
        self.y = 0.0
        self.part: Part | None = None
        self.widths: list[float] = []
        self.squeeze = False
        self.size_pt = CELL_SIZE
        self.leading = CELL_SIZE + 1.5

    # -- page furniture ------------------------------------------------------
    def new_page(self) -> None:
        if self.page:
            self.canvas.showPage()
        self.page += 1
        self._header()
        self._footer()

    def _header(self) -> None:
        c, r = self.canvas, self.report
        top = self.height - MARGIN
        c.setFont(BOLD, 13)
        c.drawString(MARGIN, top - 10, r.title)
        c.setFont(FONT, 8)
        facts = {f.label: f.value for f in r.header}
        c.drawRightString(self.width - MARGIN, top - 10, facts.get("Clinic", ""))
        lines = [
            ", ".join(
                v for v in (facts.get("Clinic"), facts.get("Clinic address")) if v and v != "-"
            ),
            # A clinic-wide report (the audit trail) belongs to no one registration; a billing
            # document belongs to the clinic as a biller (its NPI and tax ID), not to the DEA.
            f"DEA registration {r.registration}; registrant {facts.get('Registrant', '')}; "
            f"{facts.get('Registered address', '')}; schedules {facts.get('Schedules', '')}"
            if r.registration
            else f"Clinic NPI {facts.get('Clinic NPI', '-')}; tax ID {facts.get('Tax ID', '-')}"
            if r.integrity.chain == "money"
            else "All registrations of the clinic",
            f"{r.subtitle()}; times in {r.timezone}",
        ]
        y = top - 24
        for line in lines:
            c.drawString(MARGIN, y, line)
            y -= 10
        c.setStrokeColor(RULE)
        c.line(MARGIN, y + 4, self.width - MARGIN, y + 4)
        self.y = y - 8

    def _footer(self) -> None:
        c, i = self.canvas, self.report.integrity
        c.setFont(FONT, 6.5)
        c.setFillColor(Color(0.25, 0.25, 0.3))
        y = MARGIN - 4
        for line in reversed(i.lines()):
            c.drawString(MARGIN, y, line)
            y += 8
        label = f"Page {self.page} of "
        right = self.width - MARGIN - 14
        c.setFont(FONT, 8)
        c.drawRightString(right, MARGIN - 4, label)
        c.saveState()
        c.translate(right, MARGIN - 4)
        c.doForm("pages")
        c.restoreState()
        c.setStrokeColor(RULE)
        c.line(MARGIN, MARGIN + 14, self.width - MARGIN, MARGIN + 14)
        c.setFillColor(Color(0, 0, 0))

    @property
    def floor(self) -> float:
        return MARGIN + FOOTER_SPACE

    def room(self, needed: float) -> None:
        if self.y - needed < self.floor:
            self.new_page()
            if self.part is not None:
                self.part_heading(continued=True)

    # -- tables --------------------------------------------------------------
    def start_part(self, part: Part) -> None:
        self.part = part
        usable = self.width - 2 * MARGIN
        total = sum(c.width for c in part.columns)
        start = CELL_SIZE if usable / total >= DENSE_PT_PER_CHAR else DENSE_SIZE
        heads, longest = natural_widths(
            part.columns,
            part.iter_rows(),
            lambda v, col: cell_text(v, col.kind, col.places),
            face,
            FONT,
            BOLD,
        )
        layout = lay_out(part.columns, heads, longest, usable, PAD, start)
        self.widths = list(layout.widths)
        # Only a table too wide for the page has values wider than their column.
        self.squeeze = not layout.fits
        self.size_pt = layout.size
        self.leading = self.size_pt + 1.5
        self.room(60)
        self.part_heading()

    def part_heading(self, continued: bool = False) -> None:
        assert self.part is not None
        c = self.canvas
        c.setFont(BOLD, 10)
        c.drawString(MARGIN, self.y - 10, self.part.title + (" (continued)" if continued else ""))
        self.y -= 16
        self._column_headings(self.part.columns)

    def _column_headings(self, columns: tuple[Column, ...]) -> None:
        c = self.canvas
        wrapped = [
            heading_lines(col.heading, face(BOLD, col.heading), self.size_pt, w - 2 * PAD)
            for col, w in zip(columns, self.widths, strict=True)
        ]
        h = max(len(w) for w in wrapped) * self.leading + 2 * PAD
        c.setFillColor(HEAD_FILL)
        c.rect(MARGIN, self.y - h, self.width - 2 * MARGIN, h, stroke=0, fill=1)
        c.setFillColor(Color(0, 0, 0))
        c.setFont(BOLD, self.size_pt)
        self._draw_cells(wrapped, columns, h, bold=True)
        self.y -= h

    def _draw_cells(
        self, wrapped: list[list[str]], columns: tuple[Column, ...], h: float, bold: bool = False
    ) -> None:
        c = self.canvas
        x: float = MARGIN
        for lines, col, w in zip(wrapped, columns, self.widths, strict=True):
            numeric = col.kind in (Kind.INTEGER, Kind.DECIMAL, Kind.MONEY) and not bold
            y = self.y - PAD - self.size_pt
            for line in lines:
                shrunk = self.squeeze and not bold and not col.wrap
                shrunk = shrunk and self._squeeze(line, w - 2 * PAD)
                if numeric:
                    c.right_cell(x + w - PAD, y, line)
                else:
                    c.cell(x + PAD, y, line)
                if shrunk:
                    c.setFont(FONT, self.size_pt)
                y -= self.leading
            x += w

    def _squeeze(self, text: str, room: float) -> bool:
        """A value that must not wrap but is wider than its column (only when a table is too
        wide for the page even in the smallest type) is set smaller instead."""
        width = stringWidth(text, face(FONT, text), self.size_pt)
        if width <= room:
            return False
        self.canvas.setFont(FONT, self.size_pt * room / width)
        return True

    def row(self, values: tuple[Value, ...], stripe: bool) -> None:
        assert self.part is not None
        columns = self.part.columns
        wrapped = [
            fit(text, FONT, self.size_pt, w - 2 * PAD) if col.wrap else [text]
            for v, col, w in zip(values, columns, self.widths, strict=True)
            for text in (cell_text(v, col.kind, col.places),)
        ]
        h = max(len(w) for w in wrapped) * self.leading + 2 * PAD - 2
        self.room(h)
        c = self.canvas
        if stripe:
            c.setFillColor(STRIPE)
            c.rect(MARGIN, self.y - h, self.width - 2 * MARGIN, h, stroke=0, fill=1)
            c.setFillColor(Color(0, 0, 0))
        c.setFont(FONT, self.size_pt)
        self._draw_cells(wrapped, columns, h)
        self.y -= h

    def totals(self, totals: tuple[Total, ...], size: float = 8.5) -> None:
        """The totals below a table, under a heading per product (`Total.group`)."""
        c = self.canvas
        group: str | None = None
        for t in totals:
            if t.group != group:
                group = t.group
                if group:
                    # A product's figures stay together on one page.
                    lines = sum(1 for other in totals if other.group == group)
                    self.room((lines + 1) * (size + 4))
                    c.setFont(BOLD, size)
                    c.drawString(MARGIN, self.y - size, group)
                    self.y -= size + 4
            indent = 12 if t.group else 0
            self.room(size + 4)
            c.setFont(BOLD if not t.group else FONT, size)
            c.drawString(MARGIN + indent, self.y - size, t.label)
            c.setFont(FONT, size)
            c.drawString(MARGIN + 230, self.y - size, total_text(t))
            self.y -= size + 4

    def note(self, text: str) -> None:
        c = self.canvas
        for line in simpleSplit(text, face(FONT, text), 7.5, self.width - 2 * MARGIN):
            self.room(10)
            c.setFont(FONT, 7.5)
            c.drawString(MARGIN, self.y - 8, line)
            self.y -= 10

    def signatures(self, who: tuple[str, ...]) -> None:
        self.part = None
        self.room(24 + 34 * len(who))
        c = self.canvas
        self.y -= 12
        c.setFont(BOLD, 10)
        c.drawString(MARGIN, self.y - 10, "Signatures")
        self.y -= 24
        for name in who:
            self.y -= 20
            c.setFont(FONT, 8.5)
            c.line(MARGIN + 120, self.y, MARGIN + 400, self.y)
            c.line(MARGIN + 440, self.y, MARGIN + 560, self.y)
            c.drawString(MARGIN, self.y + 2, name)
            c.setFont(FONT, 6.5)
            c.drawString(MARGIN + 120, self.y - 8, "signature and printed name")
            c.drawString(MARGIN + 440, self.y - 8, "date and time")
            self.y -= 14

    def finish(self) -> None:
        c = self.canvas
        c.showPage()
        c.beginForm("pages")
        c.setFont(FONT, 8)
        c.drawString(0, 0, str(self.page))
        c.endForm()
        c.save()


def _rows_with_progress(rows: Iterator[tuple[Value, ...]], progress: Progress | None) -> Iterator:  # type: ignore[type-arg]
    count = 0
    for row in rows:
        yield row
        count += 1
        if progress is not None and count % 500 == 0:
            progress(500)
    if progress is not None:
        progress(count % 500)


def render(report: Report, path: Path, progress: Progress | None = None) -> None:
    """Write the report to `path` as PDF."""
    pages = _Pages(report, path)
    try:
        _draw(pages, report, progress)
    finally:
        pages.spill.close()


def _draw(pages: _Pages, report: Report, progress: Progress | None) -> None:
    pages.new_page()
    for part in report.parts:
        pages.start_part(part)
        empty = True
        for n, row in enumerate(_rows_with_progress(part.iter_rows(), progress)):
            pages.row(row, stripe=n % 2 == 1)
            empty = False
        if empty:
            pages.note("No entries in this period.")
        pages.part = None
        pages.y -= 6
        if part.totals:
            pages.totals(part.totals)
        if part.note:
            pages.note(part.note)
        pages.y -= 10
    if report.signatures:
        pages.signatures(report.signatures)
    pages.finish()
