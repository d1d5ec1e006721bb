"""How many rows an export will write, asked of the database before the first row is drawn.

A screen's progress bar needs "rows done of rows total": the renderers report rows done
(their `progress` callable); this says the total. Parts that stream from the database
(reports.scope.RowSource) are counted by a COUNT query; the few built in memory (the
accountability audit's one row per product) are counted by walking them.
"""

from __future__ import annotations

from dataclasses import replace

from ledger.access import Actor
from ledger.database import Database
from reports.bundle import bundled_reports
from reports.catalogue import find
from reports.export import FORMATS
from reports.model import Report
from reports.scope import Request, pinned_head

#: The name the export screen gives the auditor bundle beside the reports of `export list`.
BUNDLE = "auditor-bundle"


def report_rows(report: Report) -> int:
    """The rows one rendering of `report` writes (its parts' rows, not totals or notes)."""
    total = 0
    for part in report.parts:
        count = getattr(part.rows, "count", None)
        total += count() if callable(count) else sum(1 for _ in part.iter_rows())
    return total


def pinned_request(db: Database, request: Request) -> Request:
    """`request` pinned to the chain head now, so the count and the export that follows it
    read exactly the same entries (nothing appended in between is counted or written)."""
    with db.read() as session:
        head_seq, _ = pinned_head(session, request.head_seq)
    return replace(request, head_seq=head_seq)


def rows_to_write(db: Database, actor: Actor, name: str, request: Request) -> int:
    """Rows the export `name` (a report of `export list`, or BUNDLE) will write with `request`
    (pinned: see pinned_request). The bundle renders each of its reports in each format."""
    if name == BUNDLE:
        bundled = bundled_reports(db, actor, replace(request, vial=None))
        return len(FORMATS) * sum(report_rows(report) for _, report in bundled)
    return report_rows(find(name).build(db, actor, request))
