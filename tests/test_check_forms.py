"""`check`'s cheap screen for stored times never lets through a time the exact test names.

The stored-form scan asks SQLite's own reading of a time (julianday) in its WHERE clause in
place of the digit-pair ranges, and the exact test only of the rows the screen lets
through (ledger/check_forms.py). A SQLite that read a time more leniently would hide a
malformed time from `check`; here both run on the same values in a real SQLite database.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import check_forms
from ledger.column_types import UTCDateTime

COLUMN = sa.Column("at", UTCDateTime())
EXACT = check_forms._sqlite_bad("t", COLUMN)
SCREEN = check_forms._sqlite_screen("t", COLUMN)

AWKWARD = [
    "2026-01-05 09:00:00.000000",
    "2026-01-05 23:59:59.999999",
    "2026-02-28 12:00:00.000000",
    "2024-02-29 12:00:00.000000",  # a leap day
    "2026-02-29 12:00:00.000000",  # not a leap year
    "2026-02-30 00:00:00.000000",
    "2026-04-31 00:00:00.000000",
    "2026-12-31 23:59:59.000000",
    "2026-01-05 24:00:00.000000",
    "2026-01-05 23:60:00.000000",
    "2026-01-05 23:00:60.000000",
    "2026-00-05 09:00:00.000000",
    "2026-13-05 09:00:00.000000",
    "2026-01-00 09:00:00.000000",
    "2026-01-32 09:00:00.000000",
    "0000-01-01 00:00:00.000000",
    "9999-12-31 23:59:59.999999",
    "2026-01-05T09:00:00.000000",
    "2026-01-05 09:00:00.000000Z",
    "2026-01-05 09:00:00.00000Z",
    "2026-01-05 09:00:00.000000+00:00",
    "2026-01-05 09:00:00",
    "2026-01-05 09:00:00.000",
    "2026-01-05 09:00",
    " 2026-01-05 09:00:00.00000",
    "2026-01-05 09:00:00.00000 ",
    "-026-01-05 09:00:00.000000",
    "2026-1-05 09:00:00.0000000",
    "2026/01/05 09:00:00.000000",
    "2026-01-05 09:00:00.0000a0",
    "2026-01-05 09:00:00,000000",
    "２026-01-05 09:00:00.000000",  # a full-width digit
    "",
]


def _judge(values: list[object]) -> list[tuple[object, bool, bool]]:
    """Each value with (exact names it, screen lets it through), from real SQLite."""
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, at)")  # no affinity: kept as given
        con.executemany("INSERT INTO t (at) VALUES (?)", [(v,) for v in values])
        rows = con.execute(
            f"SELECT at, coalesce({EXACT}, 0), coalesce({SCREEN}, 0) FROM t ORDER BY n"
        ).fetchall()
    finally:
        con.close()
    return [(v, bool(bad), bool(screened)) for v, bad, screened in rows]


def test_the_screen_lets_through_every_awkward_time_the_exact_test_names() -> None:
    judged = _judge([*AWKWARD, 20260105, 2026.5, b"2026-01-05 09:00:00.000000", None])
    missed = [v for v, bad, screened in judged if bad and not screened]
    assert missed == []
    # The test is not empty: most of these are malformed, and a good time passes both.
    assert sum(bad for _, bad, _ in judged) >= 25
    assert ("2026-01-05 09:00:00.000000", False, False) in judged
    assert ("2024-02-29 12:00:00.000000", False, False) in judged


def test_a_good_time_is_not_sent_to_the_exact_test() -> None:
    start = datetime(2025, 12, 28, 0, 0, tzinfo=UTC)
    times = [start + timedelta(hours=7 * i, seconds=i, microseconds=i * 37) for i in range(2000)]
    written = [f"{t:%Y-%m-%d %H:%M:%S.%f}" for t in times]
    assert not any(bad or screened for _, bad, screened in _judge(written))


_DIGIT = st.sampled_from("0123456789")
_NEAR = st.text(alphabet="0123456789-: .TZ+", min_size=0, max_size=30)


@st.composite
def _time_like(draw: st.DrawFn) -> str:
    """A canonical-looking time with digits anywhere in range or not, or a near miss."""
    if draw(st.booleans()):
        return draw(_NEAR)
    d = [draw(_DIGIT) for _ in range(20)]
    return (
        f"{''.join(d[0:4])}-{''.join(d[4:6])}-{''.join(d[6:8])} "
        f"{''.join(d[8:10])}:{''.join(d[10:12])}:{''.join(d[12:14])}.{''.join(d[14:20])}"
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(_time_like(), min_size=1, max_size=40))
def test_the_screen_never_misses_what_the_exact_test_names(values: list[str]) -> None:
    missed = [v for v, bad, screened in _judge(list(values)) if bad and not screened]
    assert missed == []


@pytest.mark.parametrize("value", ["2026-02-30 00:00:00.000000", "2026-01-05 24:00:00.000000"])
def test_sqlite_reads_these_leniently_so_the_screen_must_weigh_them(value: str) -> None:
    """Why the screen keeps its hour and day-of-month terms: julianday alone reads these."""
    con = sqlite3.connect(":memory:")
    try:
        assert con.execute("SELECT julianday(?)", (value,)).fetchone()[0] is not None
    finally:
        con.close()
    assert _judge([value]) == [(value, True, True)]
