"""Rows to write, counted before an export: exactly the rows each renderer then reports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from reports.bundle import export_bundle
from reports.catalogue import REPORTS
from reports.export import FORMATS, export_report
from reports.row_count import BUNDLE, pinned_request, rows_to_write
from reports.scope import Request
from tests.reports.conftest import DEMO_UNTIL, demo_actor

PERIOD = Request(date(2026, 3, 1), DEMO_UNTIL)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", [k.name for k in REPORTS])
def test_the_count_first_is_the_rows_the_renderer_writes(
    busy_demo_db, tmp_path: Path, name: str, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    actor = demo_actor(busy_demo_db)
    request = pinned_request(busy_demo_db, PERIOD)
    total = rows_to_write(busy_demo_db, actor, name, request)
    done: list[int] = []
    export_report(
        busy_demo_db,
        actor,
        report=name,
        request=request,
        fmt=fmt,
        out=tmp_path / f"{name}.{fmt}",
        progress=done.append,
    )
    assert sum(done) == total
    if name in ("administration-log", "proof-of-use", "receiving-log", "waste-log"):
        assert total > 0  # the demo has such rows: the count is not trivially zero


def test_the_bundle_counts_every_dea_report_in_both_formats(busy_demo_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    actor = demo_actor(busy_demo_db)
    request = pinned_request(busy_demo_db, PERIOD)
    total = rows_to_write(busy_demo_db, actor, BUNDLE, request)
    done: list[int] = []
    export_bundle(
        busy_demo_db, actor, request=request, out=tmp_path / "b.zip", progress=done.append
    )
    assert sum(done) == total > 0


def test_a_pinned_count_ignores_entries_appended_after_it(busy_demo_db) -> None:  # type: ignore[no-untyped-def]
    actor = demo_actor(busy_demo_db)
    request = pinned_request(busy_demo_db, PERIOD)
    assert request.head_seq is not None and request.head_seq > 0
    earlier = pinned_request(busy_demo_db, Request(PERIOD.date_from, PERIOD.date_to, head_seq=1))
    assert rows_to_write(busy_demo_db, actor, "proof-of-use", earlier) < rows_to_write(
        busy_demo_db, actor, "proof-of-use", request
    )
