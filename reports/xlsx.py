"""The XLSX renderer: one typed, filterable, printable sheet per report part, plus "About".

Written with openpyxl's write-only workbook, so rows go to disk as they stream and
memory stays flat however long the log is.

Formula injection: any text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is stored as text with a leading apostrophe (``'=HYPERLINK(..)``
is stored and shown as exactly that). The apostrophe is visible on purpose: the
cell then stays inert even after it is copied, edited or re-saved as CSV, which a
hidden quote-prefix style would not survive.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from reports import xlsx_rows
from reports.model import Column, Kind, Report, Row, Total, Value

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
ESCAPE = "'"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
MONEY_FORMAT = '"$"#,##0.00'
BOLD = Font(bold=True)
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")

Progress = Callable[[int], None]


def safe_text(text: str) -> str:
    """Text that a spreadsheet will never evaluate."""
    return ESCAPE + text if text.startswith(FORMULA_STARTS) else text


def sheet_title(title: str, taken: set[str]) -> str:
    """Excel allows 31 characters and no []:*?/\\ in a sheet name, unique per book."""
    base = _SHEET_TITLE_BAD.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def number_format(kind: Kind, places: int) -> str | None:
    if kind == Kind.DATETIME:
        return DATETIME_FORMAT
    if kind == Kind.DATE:
        return DATE_FORMAT
    if kind == Kind.INTEGER:
        return "0"
    if kind == Kind.DECIMAL:
        return "0." + "0" * places if places else "0"
    if kind == Kind.MONEY:
        return MONEY_FORMAT
    return None


def _cell_value(value: Value, kind: Kind) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, datetime):
        # Excel has no time zones: the clinic-local wall time is written, and the
        # About sheet names the zone.
        return value.replace(tzinfo=None)
    if kind == Kind.MONEY and isinstance(value, int):
        from decimal import Decimal

        return Decimal(value) / 100
    return value


def _cell(ws: WriteOnlyWorksheet, value: Value, kind: Kind, places: int) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=_cell_value(value, kind))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # never a formula, whatever openpyxl guessed
    fmt = number_format(kind, places)
    if fmt and cell.value is not None and not isinstance(cell.value, str):
        cell.number_format = fmt
    return cell


def _column_cells(ws: WriteOnlyWorksheet, column: Column, col: int) -> xlsx_rows.CellXml:
    """How one column's values become cells, chosen once per column (not once per value).

    A value the column's fast path does not expect (text where a number was expected, a
    bool, a float) is made into a cell the way it always was (`_cell`) and written by
    openpyxl itself."""
    kind, places = column.kind, column.places

    def fallback(r: int, value: Value) -> str:
        return xlsx_rows.openpyxl_cell_xml(ws, _cell(ws, value, kind, places), r, col)

    fmt = number_format(kind, places)
    if fmt is None:
        return xlsx_rows.text_cell(ws, col, safe_text, _FORMULA_FIRST)
    if kind in (Kind.DATETIME, Kind.DATE):
        return xlsx_rows.time_cell(ws, col, fmt, fallback)
    return xlsx_rows.number_cell(ws, col, fmt, fallback, cents=kind == Kind.MONEY)


def _bold(ws: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=safe_text(text))
    cell.data_type = "s"
    cell.font = BOLD
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _print_setup(ws: WriteOnlyWorksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "1"  # US Letter
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True


def _about(wb: Workbook, report: Report, taken: set[str]) -> None:
    """The report's header facts and integrity data, on the sheet after the data."""
    ws = wb.create_sheet(sheet_title("About", taken))
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 90
    _print_setup(ws)
    ws.append([_bold(ws, report.title)])
    ws.append([])
    facts: list[tuple[str, str | int]] = [(f.label, f.value) for f in report.header]
    facts.append(("Period", report.period.text()))
    facts += [(f.label, f.value) for f in report.filters]
    i = report.integrity
    # Sequence numbers are numbers (an auditor sorts and compares them); "-" means none.
    # A billing document is tied to the money chain, not to the drug movements' chain.
    money = i.chain == "money"
    entry, head = ("money entry", "Money chain head") if money else ("movement", "Ledger head")
    facts += [
        ("Generated at", i.generated_at.strftime("%Y-%m-%d %H:%M %Z")),
        ("Generated by", i.generated_by),
        (f"First {entry} covered", "-" if i.first_seq is None else i.first_seq),
        (f"Last {entry} covered", "-" if i.last_seq is None else i.last_seq),
        (f"{head} sequence", i.head_seq),
        (f"{head} hash", i.head_hash),
        (
            "Verify with",
            "vialbook check (it verifies the money chain) and vialbook verify-export FILE"
            if money
            else f"vialbook check --anchor {i.head_hash}",
        ),
    ]
    for label, value in facts:
        kind = Kind.INTEGER if isinstance(value, int) else Kind.TEXT
        ws.append([_bold(ws, label), _cell(ws, value, kind, 0)])
    if report.signatures:
        ws.append([])
        for who in report.signatures:
            ws.append(
                [_bold(ws, who), _cell(ws, "Signature: ____________  Date: ________", Kind.TEXT, 0)]
            )


def _plain_row(ws: WriteOnlyWorksheet, r: int, cells: list[WriteOnlyCell]) -> str:
    """A row of openpyxl's own cells (the header, a total, the note): a few per sheet."""
    return xlsx_rows.row_xml(
        r, "".join(xlsx_rows.openpyxl_cell_xml(ws, c, r, n) for n, c in enumerate(cells, 1))
    )


def _totals_rows(ws: WriteOnlyWorksheet, totals: tuple[Total, ...], r: int) -> Iterator[str]:
    yield xlsx_rows.row_xml(r, "")
    group: str | None = None
    for t in totals:
        if t.group != group:
            group = t.group
            if group:
                r += 1
                yield _plain_row(ws, r, [_bold(ws, group)])
        label = t.label + (f" ({t.unit})" if t.unit else "")
        r += 1
        yield _plain_row(ws, r, [_bold(ws, label), _cell(ws, t.value, t.kind, t.places)])


def _data_rows(
    ws: xlsx_rows.XmlRowsSheet,
    columns: tuple[Column, ...],
    rows: Iterable[Row],
    totals: tuple[Total, ...],
    note: str,
    progress: Progress | None,
) -> Iterator[str]:
    """The sheet's rows as XML, in order: the header, the data, the totals, the note."""
    yield _plain_row(ws, 1, [_bold(ws, c.heading) for c in columns])
    cells = [_column_cells(ws, c, n) for n, c in enumerate(columns, start=1)]
    r = 1
    for row in rows:
        r += 1
        line = "".join([cell(r, v) for cell, v in zip(cells, row, strict=True)])
        yield f'<row r="{r}">{line}</row>'
        if progress is not None and r % 500 == 1:
            progress(500)
    count = r - 1
    if progress is not None:
        progress(count % 500)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    if totals:
        for line in _totals_rows(ws, totals, r + 1):
            r += 1
            yield line
    if note:
        yield xlsx_rows.row_xml(r + 1, "")
        yield _plain_row(ws, r + 2, [_cell(ws, note, Kind.TEXT, 0)])


def _part_sheet(
    wb: Workbook,
    title: str,
    columns: tuple[Column, ...],
    rows: Any,
    totals: tuple[Total, ...],
    note: str,
    progress: Progress | None,
) -> None:
    ws = xlsx_rows.XmlRowsSheet(wb, title)
    wb._add_sheet(ws)
    # The layout is written before the first row.
    for n, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(n)].width = max(col.width, len(col.heading)) + 2
    ws.freeze_panes = "A2"
    _print_setup(ws)
    ws.print_title_rows = "1:1"
    ws.write_rows(_data_rows(ws, columns, rows, totals, note, progress))


def render(report: Report, path: Path, progress: Progress | None = None) -> None:
    """Write the report to `path` as XLSX."""
    wb = Workbook(write_only=True)
    # Names are taken in order: the data keeps its own name even if a part were "About".
    taken: set[str] = set()
    sheet_names = [sheet_title(part.sheet_name, taken) for part in report.parts]
    for part, name in zip(report.parts, sheet_names, strict=True):
        _part_sheet(
            wb,
            name,
            part.columns,
            part.iter_rows(),
            part.totals,
            part.note,
            progress,
        )
    # The data opens first; the About sheet follows it.
    _about(wb, report, taken)
    props = wb.properties
    props.title = report.title
    props.creator = report.integrity.generated_by
    props.subject = f"{report.registration} {report.period.text()}"
    # verify-export reads the head back from here, without trusting the visible sheet.
    props.keywords = f"vialbook-head:{report.integrity.head_seq}:{report.integrity.head_hash}"
    props.description = report.name
    wb.save(str(path))
