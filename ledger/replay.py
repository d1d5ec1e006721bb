"""Re-deriving movement hashes straight from the database driver's rows, for `check`.

`check` reads every movement the ledger holds (millions in a clinic chain), so it
skips SQLAlchemy's per-row type processing: it reads the driver's own values and
turns each stored time into the encoding's UTC text directly. Any difference from
`canonical_bytes` would show up at once as a hash mismatch on untouched ledgers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from ledger.chain import FIELDS, canonical_text, time_text

COLUMNS = (*FIELDS, "prev_hash", "hash")
BATCH = 5000


def _sqlite_time(value: Any) -> str:
    # SQLAlchemy stores SQLite times as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC.
    if isinstance(value, str) and len(value) == 26 and value[10] == " ":
        return f"{value[:10]}T{value[11:]}Z"
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return time_text(parsed)


def _server_time(value: datetime) -> str:
    return time_text(value)


#: PostgreSQL stores times Python cannot hold (infinity, years past 9999); the driver would
#: fail on the whole batch. Such a time is read as NULL and named by check_forms instead.
_READABLE = (
    "CASE WHEN {c} > '0001-01-02 00:00:00+00' AND {c} < '9999-12-31 00:00:00+00' THEN {c} END"
)


def rows(conn: sa.Connection) -> Iterator[tuple[Any, ...]]:
    """Every movement in sequence order, streamed in batches from the driver."""
    columns = list(COLUMNS)
    if conn.dialect.name == "postgresql":
        columns[1:3] = [_READABLE.format(c=c) for c in columns[1:3]]
    sql = f"SELECT {', '.join(columns)} FROM movement ORDER BY id"
    raw = conn.connection.dbapi_connection
    if raw is None:
        raise RuntimeError("the database connection is closed")
    if conn.dialect.name == "postgresql":
        cursor = raw.cursor(name="vialbook_check")  # server-side: memory stays flat
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(BATCH):
            yield from batch
    finally:
        cursor.close()


def hasher(dialect: str) -> Callable[[str, tuple[Any, ...]], str]:
    """A function (prev_hash, row) -> hash for rows as `rows` yields them."""
    to_text = _sqlite_time if dialect == "sqlite" else _server_time
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
