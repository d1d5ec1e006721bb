"""Re-deriving movement hashes straight from the database driver's rows, for `check`.

`check` reads every movement the ledger holds (millions in a clinic chain), so it
skips SQLAlchemy's per-row type processing: it reads the driver's own values and
turns each stored time into the encoding's UTC text directly. Any difference from
`canonical_bytes` would show up at once as a hash mismatch on untouched ledgers.

Nothing here imports SQLAlchemy: a worker process verifying a range of the chain
loads only this, the driver and the encoding (ledger/check_chain.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from ledger.chain import FIELDS, canonical_text, time_text

COLUMNS = (*FIELDS, "prev_hash", "hash")
BATCH = 5000


def sqlite_time(value: Any) -> str:
    # SQLAlchemy stores SQLite times as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC.
    if isinstance(value, str) and len(value) == 26 and value[10] == " ":
        return f"{value[:10]}T{value[11:]}Z"
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return time_text(parsed)


def server_time(value: datetime) -> str:
    return time_text(value)


#: PostgreSQL stores times Python cannot hold (infinity, years past 9999); the driver would
#: fail on the whole batch. Such a time is read as NULL and named by check_forms instead.
READABLE = (
    "CASE WHEN {c} > '0001-01-02 00:00:00+00' AND {c} < '9999-12-31 00:00:00+00' THEN {c} END"
)


def id_range(lo: int | None, hi: int | None) -> str:
    """SQL for `lo <= id < hi`, either end open; the bounds are our own integers."""
    parts = []
    if lo is not None:
        parts.append(f"id >= {int(lo)}")
    if hi is not None:
        parts.append(f"id < {int(hi)}")
    return f" WHERE {' AND '.join(parts)}" if parts else ""


def batches(
    raw: Any, dialect: str, lo: int | None = None, hi: int | None = None
) -> Iterator[list[tuple[Any, ...]]]:
    """The movements with `lo <= id < hi` in sequence order, in batches from a DB-API
    connection (SQLite's or psycopg's). Batches, not rows: the caller's own loop over a
    batch costs less than resuming a generator per row, a tenth of the fetch for `check`."""
    columns = list(COLUMNS)
    if dialect == "postgresql":
        columns[1:3] = [READABLE.format(c=c) for c in columns[1:3]]
    sql = f"SELECT {', '.join(columns)} FROM movement{id_range(lo, hi)} ORDER BY id"
    if dialect == "postgresql":
        cursor = raw.cursor(name="vialbook_check")  # server-side: memory stays flat
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(BATCH):
            yield batch
    finally:
        cursor.close()


def hasher(dialect: str) -> Callable[[str, tuple[Any, ...]], str]:
    """A function (prev_hash, row) -> hash for rows as `rows` yields them."""
    to_text = sqlite_time if dialect == "sqlite" else server_time
    sha256 = hashlib.sha256

    def derive(prev_hash: str, r: tuple[Any, ...]) -> str:
        text = canonical_text(
            r[0],
            to_text(r[1]),
            to_text(r[2]),
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
            r[11],
            r[12],
            r[13],
            r[14],
            r[15],
            r[16],
        )
        return sha256(bytes.fromhex(prev_hash) + text.encode("utf-8")).hexdigest()

    return derive
