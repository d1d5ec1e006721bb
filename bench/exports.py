"""Metrics 5 and 6: the administration log to XLSX and PDF vs the bare libraries.

The product's figure includes everything the export does (authorise, pin the
chain head, stream the query, render, hash the file, audit). The baselines write
the very rows the report yields, already in memory, with openpyxl's write-only
workbook and with reportlab's canvas as plain strings. Peak memory
(peak resident memory the export adds) is compared between a 10k-row log and a
10x longer one (`--export-large-rows`, 100k for the issue's figure).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import history
from bench.timing import interleaved, timed
from ledger.auth import login
from ledger.database import Database, open_database
from ledger.models import Movement
from ledger.models.base import table_of

#: Issue 15, metric 6: peak memory of a 100,000-row PDF administration log.
PDF_BOUND_MIB = 150


@dataclass
class ExportResult:
    fmt: str
    rows: int
    product_rows_per_s: float
    baseline_rows_per_s: float
    small_rows: int
    small_peak_mib: float
    large_rows: int
    large_peak_mib: float

    @property
    def ratio(self) -> float:
        return self.product_rows_per_s / self.baseline_rows_per_s

    @property
    def memory_flat(self) -> bool:
        """10x the rows may cost at most half as much again, give or take 5 MiB of noise."""
        return self.large_peak_mib <= self.small_peak_mib * 1.5 + 5

    @property
    def memory_bounded(self) -> bool:
        """Issue 15's bound for the PDF: under 150 MiB for a 100,000-row log."""
        return self.large_rows >= 95_000 and self.large_peak_mib < PDF_BOUND_MIB


def _raw_xlsx(rows: list[tuple[Any, ...]], headers: list[str], path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Administrations")
    ws.append(headers)
    for row in rows:
        # Excel has no time zones: the rows' times are already in the clinic's zone.
        ws.append([v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in row])
    wb.save(path)


def xlsx_writer() -> str:
    """Which XML writer openpyxl uses in this process, for the baseline and the product alike.

    openpyxl writes through lxml when lxml imports and through its pure-Python et_xmlfile
    otherwise, several times slower: a run without lxml gives a slow baseline (the 0.89x of
    2026-11-27 was measured against 2,701 raw rows/s), so the results name it.
    """
    from importlib.metadata import version

    import openpyxl

    lxml = f"lxml {version('lxml')}" if openpyxl.LXML else "et_xmlfile (no lxml)"
    return f"openpyxl {openpyxl.__version__} writing through {lxml}"


def _raw_pdf(rows: list[tuple[Any, ...]], headers: list[str], path: Path) -> None:
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.pdfgen import canvas

    width, height = landscape(letter)
    c = canvas.Canvas(str(path), pagesize=(width, height))
    step = (width - 40) / len(headers)
    y = height - 30
    c.setFont("Helvetica", 6)
    for i, h in enumerate(headers):
        c.drawString(20 + i * step, y, h)
    y -= 10
    for row in rows:
        if y < 30:
            c.showPage()
            c.setFont("Helvetica", 6)
            y = height - 30
        for i, value in enumerate(row):
            c.drawString(20 + i * step, y, "" if value is None else str(value)[:30])
        y -= 9
    c.save()


def _period_for(db: Database, rows_wanted: int) -> tuple[date, date]:
    """From the first day, long enough to hold about `rows_wanted` administrations."""
    m = table_of(Movement)
    with db.engine.connect() as conn:
        times = conn.execute(
            sa.select(m.c.event_at)
            .where(m.c.kind == "administer")
            .order_by(m.c.id)
            .limit(rows_wanted)
        ).all()
    return times[0][0].date(), times[-1][0].date() - timedelta(days=1)


_PEAK = """
import sys
from datetime import date
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from bench import history
from ledger.auth import login
from ledger.database import open_database
from reports.export import export_report
from reports.scope import Request
import reports.pdf, reports.xlsx
db = open_database(sys.argv[2])
actor = login(db, "admin", history.password("admin"))
request = Request(date.fromisoformat(sys.argv[4]), date.fromisoformat(sys.argv[5]))
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1])
open("/proc/self/clear_refs", "w").write("5")  # reset the peak (VmHWM) to the present
before = status("VmRSS:")
export_report(db, actor, report="administration-log", request=request, fmt=sys.argv[3],
              out=Path(sys.argv[6]), force=True)
print((status("VmHWM:") - before) / 1024)
"""


def _peak_mib(db_path: str, fmt: str, start: date, end: date, out: Path) -> float:
    """Peak resident memory an export adds to a process that has already imported everything.

    A fresh process per size, and no tracemalloc: tracing slows a 100k-row PDF
    export several times over, and resident memory is what a workstation feels.
    """
    repo = str(Path(__file__).resolve().parent.parent)
    args = [sys.executable, "-c", _PEAK, repo, db_path, fmt, str(start), str(end), str(out)]
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def _one(
    db: Database,
    db_path: str,
    actor: Any,
    fmt: str,
    work: Path,
    rounds: int,
    small: int,
    large: int,
):  # type: ignore[no-untyped-def]
    from reports.catalogue import find
    from reports.export import export_report
    from reports.scope import Request

    kind = find("administration-log")
    start, end_small = _period_for(db, small)
    _, end_large = _period_for(db, large)
    small_req, large_req = Request(start, end_small), Request(start, end_large)
    part = kind.build(db, actor, small_req).parts[0]
    rows = list(part.rows())
    headers = [c.heading for c in part.columns]
    out, raw_out = work / f"admin-log.{fmt}", work / f"raw-admin-log.{fmt}"
    raw = _raw_xlsx if fmt == "xlsx" else _raw_pdf

    def product() -> float:
        return timed(
            lambda: export_report(
                db,
                actor,
                report="administration-log",
                request=small_req,
                fmt=fmt,
                out=out,
                force=True,
            )
        )

    def baseline() -> float:
        return timed(lambda: raw(rows, headers, raw_out))

    paired = interleaved(product, baseline, rounds)
    return ExportResult(
        fmt=fmt,
        rows=len(rows),
        product_rows_per_s=len(rows) / paired.product_median,
        baseline_rows_per_s=len(rows) / paired.baseline_median,
        small_rows=len(rows),
        small_peak_mib=_peak_mib(db_path, fmt, start, end_small, out),
        large_rows=sum(1 for _ in kind.build(db, actor, large_req).parts[0].rows()),
        large_peak_mib=_peak_mib(db_path, fmt, start, end_large, out),
    )


def measure(db_path: str, work: Path, rounds: int, small: int, large: int) -> list[ExportResult]:
    db = open_database(db_path)
    actor = login(db, "admin", history.password("admin"))
    try:
        return [
            _one(db, db_path, actor, fmt, work, rounds, small, large) for fmt in ("xlsx", "pdf")
        ]
    finally:
        db.dispose()
