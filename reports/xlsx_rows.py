"""A report part's sheet whose rows are written as worksheet XML, one function per column.

openpyxl's write-only sheet makes a cell per value, tries it as a value, then serialises
it element by element through lxml (`lxml_write_cell` was 37 % of the export's own time,
and that path is the raw baseline's floor too). Here each column picks once how its
values become cells, and a row is one joined string: the very XML openpyxl writes (inline
strings, the workbook's own style ids, numbers as "%.16g", times as Excel serials), so a
reader sees the same values, types, number formats and styles.

openpyxl still writes everything but the rows: the sheet's layout (views, columns,
filter, print setup, through its own `WorksheetWriter`), the styles, the other sheets
and the package. A value the fast paths do not cover (text with a control character,
text longer than a cell holds, a number in a text column, a bool) goes through
openpyxl's own cell and writer, so it is stored, or refused, exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import IO, Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import tostring, xmlfile

#: One column's cell for row r: the <c> element's XML, or "" for an empty cell.
CellXml = Callable[[int, Any], str]

#: A cell holds at most this many characters (openpyxl cuts longer text to it).
_CELL_MAX = 32767
#: Texts a column keeps the cell body of (see text_cell).
_KNOWN_TEXTS = 2048


class _SheetWriter(WorksheetWriter):
    """openpyxl's worksheet writer, writing its elements to a plain file so that the rows,
    in between, can be written as ready text."""

    def get_stream(self):  # type: ignore[no-untyped-def]
        with open(self.out, "w", encoding="utf-8") as f:
            f.write(f'<worksheet xmlns="{SHEET_MAIN_NS}">')
            try:
                while True:
                    el = yield
                    if el is True:
                        yield f
                    elif el is not None:
                        f.write(tostring(el).decode("utf-8"))
            except GeneratorExit:
                pass
            f.write("</worksheet>")


class XmlRowsSheet(WriteOnlyWorksheet):
    """A write-only sheet whose rows come as XML text (`write_rows`), once."""

    _writer: Any  # openpyxl's worksheet writer (ours), made when the layout is written

    def __init__(self, parent: Any, title: str) -> None:
        super().__init__(parent, title)
        self._rows_written = False
        self._done = False

    @property
    def closed(self) -> bool:
        return self._done

    def _get_writer(self) -> None:
        if self._writer is None:
            self._writer = _SheetWriter(self)
            self._writer.write_top()

    def append(self, row: Any) -> None:
        raise TypeError("rows of this sheet are written with write_rows")

    def write_rows(self, lines: Iterable[str]) -> None:
        """Write the whole <sheetData>: each line one <row> element."""
        if self._rows_written:
            raise ValueError("the sheet's rows are already written")
        self._get_writer()
        out: IO[str] = self._writer.xf.send(True)
        out.write("<sheetData>")
        out.writelines(lines)
        out.write("</sheetData>")
        self._writer.xf.send(None)
        self._rows_written = True

    def close(self) -> None:
        if self._done:
            self._already_saved()
        if not self._rows_written:
            self.write_rows(())
        self._writer.write_tail()
        self._writer.close()
        self._done = True


def openpyxl_cell_xml(ws: WriteOnlyWorksheet, cell: WriteOnlyCell, row: int, col: int) -> str:
    """A cell as openpyxl itself writes it into a sheet (its checks and refusals included):
    its own cell writer (lxml's when lxml is there), into a stream of its own."""
    cell.row, cell.column = row, col
    if cell._value is None and not cell.has_style:
        return ""
    out = BytesIO()
    with xmlfile(out) as xf:
        write_cell(xf, ws, cell, cell.has_style)
    return out.getvalue().decode("utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def text_cell(
    ws: WriteOnlyWorksheet, col: int, safe: Callable[[str], str], risky_first: frozenset[str]
) -> CellXml:
    """Text stored as an inline string; anything else as openpyxl stores a bare value.

    Text whose first character is in `risky_first` goes through `safe` (reports.xlsx's
    formula escape) first; every str is then written as a string, never a formula or an
    error, whatever it starts with."""
    letter = get_column_letter(col)

    def other(r: int, value: Any) -> str:
        if isinstance(value, str):
            value = safe(value)
        cell = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        return openpyxl_cell_xml(ws, cell, r, col)

    # A column's texts repeat (a patient's name, a product, a nurse): each text's cell body
    # is made once and kept, a bounded number per column so that memory stays flat.
    known: dict[str, str] = {}

    def body(value: str) -> str:
        """What follows the cell's reference: its type and its inline string."""
        text = safe(value) if value[:1] in risky_first else value
        if not text:
            return ' t="inlineStr"/>'
        space = ' xml:space="preserve"' if text[0] == " " or text[-1] == " " else ""
        return f' t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'

    def cell(r: int, value: Any) -> str:
        if type(value) is str:
            tail = known.get(value)
            if tail is None:
                if not value.isprintable() or len(value) >= _CELL_MAX:
                    return other(r, value)
                if len(known) >= _KNOWN_TEXTS:
                    known.clear()
                tail = known[value] = body(value)
            return f'<c r="{letter}{r}"{tail}'
        if value is None:
            return ""
        return other(r, value)

    return cell


def number_cell(
    ws: WriteOnlyWorksheet,
    col: int,
    number_format: str,
    fallback: Callable[[int, Any], str],
    cents: bool = False,
) -> CellXml:
    """A whole number or exact decimal with the column's number format. In a money column
    (`cents`) an int is cents, written as dollars, Decimal(cents) / 100, as before; a
    Decimal there is already dollars."""
    letter = get_column_letter(col)
    style = _style_id(ws, number_format)
    head = f'" s="{style}" t="n"><v>'

    def cell(r: int, value: Any) -> str:
        kind = type(value)
        if kind is Decimal or kind is int:
            if cents and kind is int:
                value = Decimal(value) / 100
            # openpyxl's own "%.16g" (through a float), not Decimal's format.
            return f'<c r="{letter}{r}{head}{"%.16g" % value}</v></c>'  # noqa: UP031
        if value is None:
            return ""
        return fallback(r, value)

    return cell


def time_cell(
    ws: WriteOnlyWorksheet, col: int, number_format: str, fallback: Callable[[int, Any], str]
) -> CellXml:
    """A clinic-local time or day as an Excel serial with the column's format. Excel has no
    time zones: the wall time is written and the About sheet names the zone."""
    letter = get_column_letter(col)
    style = _style_id(ws, number_format)
    head = f'" s="{style}" t="n"><v>'
    epoch = ws.parent.epoch

    def cell(r: int, value: Any) -> str:
        kind = type(value)
        if kind is datetime:
            serial = to_excel(value.replace(tzinfo=None), epoch)
        elif kind is date:
            serial = to_excel(value, epoch)
        elif value is None:
            return ""
        else:
            return fallback(r, value)
        return f'<c r="{letter}{r}{head}{"%.16g" % serial}</v></c>'  # noqa: UP031

    return cell


def _style_id(ws: WriteOnlyWorksheet, number_format: str) -> int:
    """The workbook's style for a cell with this number format (registered once)."""
    cell = WriteOnlyCell(ws)
    cell.number_format = number_format
    return int(cell.style_id)


def row_xml(r: int, cells: str) -> str:
    return f'<row r="{r}">{cells}</row>' if cells else f'<row r="{r}"/>'
