"""The data sheet's rows are written as XML by reports.xlsx_rows, not through openpyxl's cells.
Read back, every cell must be what openpyxl's own write-only cells made of the same value
(`xlsx._cell`, the path every value took before): value, type, number format, bold."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from openpyxl import Workbook

from reports import xlsx, xlsx_rows
from reports.model import Column, Integrity, Kind, Part, Period, Report, Row, Total

DENVER = timezone(timedelta(hours=-7))  # a clinic-local, tz-aware time as the builders give

COLUMNS = (
    Column("When", Kind.DATETIME),
    Column("Day", Kind.DATE),
    Column("Text"),
    Column("Count", Kind.INTEGER),
    Column("mg", Kind.DECIMAL, places=3),
    Column("mL", Kind.DECIMAL, places=2),
    Column("Paid", Kind.MONEY),
)

TEXTS = [
    "Pat One",
    '=HYPERLINK("http://evil.example/x","click me")',
    "+1 Formula Way",
    "-2",
    "@SUM(A1)",
    "#N/A",
    "#DIV/0!",
    "",
    " leading and trailing ",
    "   ",
    'a & b <c> d\'s "e"',
    "line\nbreak",
    "tab\tinside",
    "\tstarts with a tab",
    "carriage\r\nreturn",
    "Zoë 中文 ✓",
    "x" * 40_000,  # longer than a cell holds: cut as openpyxl cuts it
    "]]> and &amp;",
]


def _rows() -> list[Row]:
    rows: list[Row] = []
    when = datetime(2026, 11, 27, 13, 45, 30, 123456, tzinfo=DENVER)
    for n, text in enumerate(TEXTS):
        rows.append(
            (
                when + timedelta(minutes=n * 7),
                date(2026, 1, 1) + timedelta(days=n),
                text,
                n * 1_000_003,
                Decimal(n * 12_345) / 1000,
                Decimal("0.80") + n,
                n * 1_999 - 5_000,  # integer cents, some negative
            )
        )
    rows += [
        (None, None, None, None, None, None, None),
        # Values a column does not expect go through openpyxl's own cell, as before.
        ("not a time", "not a day", 42, "n/a", "=1+1", True, Decimal("12.34")),
        (date(2026, 2, 3), datetime(2026, 2, 3, 4, 5, tzinfo=UTC), Decimal("7.5"), 0, 0, 1.25, 0),
        (
            datetime(1900, 1, 15, 6, 0, tzinfo=DENVER),
            date(1900, 2, 28),
            "12.500",
            -(2**40),
            Decimal("-0.001"),
            Decimal("1234567890.123456789"),
            -1,
        ),
    ]
    return rows


def _report(rows: list[Row]) -> Report:
    return Report(
        name="parity",
        title="Parity",
        header=(),
        period=Period(date(2026, 1, 1), date(2026, 12, 31)),
        filters=(),
        parts=(
            Part(
                title="Data",
                columns=COLUMNS,
                rows=lambda: iter(rows),
                totals=(Total("Given", Decimal("77.500"), unit="mg", group="Ketamine"),),
                note="=a note that looks like a formula",
            ),
        ),
        integrity=Integrity(
            generated_at=datetime(2026, 11, 28, 9, 0, tzinfo=DENVER),
            generated_by="Audrey (audrey)",
            first_seq=1,
            last_seq=2,
            head_seq=2,
            head_hash="ab" * 32,
        ),
    )


def _reference(rows: list[Row], path: Path) -> None:
    """The same values through openpyxl's write-only cells, one `xlsx._cell` per value."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append([xlsx._bold(ws, c.heading) for c in COLUMNS])
    for row in rows:
        ws.append([xlsx._cell(ws, v, c.kind, c.places) for c, v in zip(COLUMNS, row, strict=True)])
    wb.save(str(path))


def _cells(ws, rows: int) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return [
        (
            c.coordinate,
            c.value,
            c.data_type,
            c.number_format,
            bool(c.font.b),
            bool(c.alignment.wrap_text),
        )
        for row in ws.iter_rows(min_row=1, max_row=rows + 1, max_col=len(COLUMNS))
        for c in row
    ]


def test_every_cell_reads_back_as_openpyxl_wrote_it(tmp_path: Path) -> None:
    rows = _rows()
    ours, theirs = tmp_path / "ours.xlsx", tmp_path / "theirs.xlsx"
    xlsx.render(_report(rows), ours)
    _reference(rows, theirs)
    got = _cells(openpyxl.load_workbook(ours)["Data"], len(rows))
    want = _cells(openpyxl.load_workbook(theirs)["Data"], len(rows))
    assert len(got) == (len(rows) + 1) * len(COLUMNS)
    for g, w in zip(got, want, strict=True):
        assert g == w
    # The cases that matter most, spelled out.
    ws = openpyxl.load_workbook(ours)["Data"]
    assert ws["C3"].value == "'" + TEXTS[1] and ws["C3"].data_type == "s"
    assert ws["C7"].value == "#N/A" and ws["C7"].data_type == "s"
    assert ws["C9"].value is None  # an empty text is an empty cell, as before
    assert ws["C18"].value == "x" * 32767
    # The clinic's wall time, not UTC (openpyxl reads a serial back to the millisecond).
    wall = datetime(2026, 11, 27, 13, 45, 30, 123456)
    assert abs(ws["A2"].value - wall) < timedelta(milliseconds=1)
    assert ws["A2"].number_format == xlsx.DATETIME_FORMAT
    assert ws["E3"].number_format == "0.000" and Decimal(str(ws["E3"].value)) == Decimal("12.345")
    assert ws["G2"].number_format == xlsx.MONEY_FORMAT and ws["G2"].value == -50
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row if c.value is not None)


def test_repeated_texts_read_back_right_when_the_kept_cells_are_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A column keeps the cells of the texts it has seen, up to a bound; the repeats and
    what follows a reset must still be each row's own text."""
    monkeypatch.setattr(xlsx_rows, "_KNOWN_TEXTS", 3)
    base = _rows()[: len(TEXTS)]
    rows = [row[:2] + (TEXTS[(n * 5) % 7],) + row[3:] for n, row in enumerate(base * 3)]
    ours, theirs = tmp_path / "ours.xlsx", tmp_path / "theirs.xlsx"
    xlsx.render(_report(rows), ours)
    _reference(rows, theirs)
    got = _cells(openpyxl.load_workbook(ours)["Data"], len(rows))
    assert got == _cells(openpyxl.load_workbook(theirs)["Data"], len(rows))
    assert [v[1] for v in got[2 + len(COLUMNS) :: len(COLUMNS)]] == [
        xlsx.safe_text(r[2]) or None for r in rows
    ]


def test_the_sheet_keeps_its_layout_totals_and_note(tmp_path: Path) -> None:
    rows = _rows()
    out = tmp_path / "ours.xlsx"
    xlsx.render(_report(rows), out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Data", "About"]
    ws = book["Data"]
    last = len(rows) + 1
    assert ws.auto_filter.ref == f"A1:G{last}"
    assert ws.freeze_panes == "A2"
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape"
    assert all(c.font.b for c in ws[1])
    assert [c.value for c in ws[1]] == [c.heading for c in COLUMNS]
    assert ws.cell(last + 1, 1).value is None  # a blank row before the totals
    assert ws.cell(last + 2, 1).value == "Ketamine" and ws.cell(last + 2, 1).font.b
    assert ws.cell(last + 3, 1).value == "Given (mg)"
    assert ws.cell(last + 3, 2).value == 77.5
    assert ws.cell(last + 3, 2).number_format == "0.000"
    assert ws.cell(last + 5, 1).value == "'=a note that looks like a formula"
    assert ws.max_row == last + 5


def test_the_sheet_xml_is_well_formed_and_never_holds_a_formula(tmp_path: Path) -> None:
    out = tmp_path / "ours.xlsx"
    xlsx.render(_report(_rows()), out)
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
        sheet = etree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    assert sheet.findall(".//m:f", ns) == []
    rows = sheet.findall("m:sheetData/m:row", ns)
    assert [int(r.get("r")) for r in rows] == list(range(1, len(rows) + 1))
    # Excel drops a text's outer spaces unless the cell says to keep them.
    kept = "{http://www.w3.org/XML/1998/namespace}space"
    spaced = [t for t in sheet.iterfind(".//m:t", ns) if t.text and t.text != t.text.strip()]
    assert spaced and all(t.get(kept) == "preserve" for t in spaced)


def test_a_row_of_the_wrong_width_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        xlsx.render(_report([(None,) * 3]), tmp_path / "bad.xlsx")
