"""`check`: every stored value in the one text form vialbook writes.

A time written `20261126T180600` instead of `2026-11-26 18:06:00.000000` is the same
instant, so it hashes the same, yet every report that compares stored text skips it.
SQLite keeps whatever it is given (a number as text, a time in another layout), so
each column is held to the form SQLAlchemy writes; PostgreSQL's types do most of this,
leaving the hash texts, the movement kinds and times it can store but Python cannot read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Any

import sqlalchemy as sa

from ledger.models import MovementKind, metadata
from ledger.models.base import UTCDateTime
from ledger.problem import Add, Problem, movement_id, shown

_TIME_GLOB = (
    "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]."
    "[0-9][0-9][0-9][0-9][0-9][0-9]"
)
_DATE_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"


def _date_out_of_range(c: str) -> str:
    """SQL true when the month or day digits of `c` name no month or day at all."""
    return (
        f"substr({c}, 6, 2) NOT BETWEEN '01' AND '12' "
        f"OR substr({c}, 9, 2) NOT BETWEEN '01' AND '31'"
    )


_HASHES = {("movement", "hash"), ("movement", "prev_hash"), ("chain_head", "hash")}
_KINDS = ", ".join(f"'{k.value}'" for k in MovementKind)

#: For a row of each table, the movement a problem with it is shown at.
_AT_MOVEMENT = {
    "movement": "t.id",
    "infusion": "(SELECT min(m.id) FROM movement m WHERE m.infusion_id = t.id)",
    "vial": "(SELECT min(m.id) FROM movement m WHERE m.vial_id = t.id)",
    "vial_balance": "(SELECT min(m.id) FROM movement m WHERE m.vial_id = t.vial_id)",
    "receipt": "(SELECT min(m.id) FROM movement m JOIN vial v ON v.id = m.vial_id "
    "WHERE v.receipt_id = t.id)",
    "patient": "(SELECT min(m.id) FROM movement m WHERE m.patient_id = t.id)",
    "patient_correction": "(SELECT min(m.id) FROM movement m WHERE m.patient_id = t.patient_id)",
}


def _sqlite_bad(table: str, col: sa.Column) -> str | None:  # type: ignore[type-arg]
    """SQL true exactly when the column's value is not in the form vialbook writes."""
    c = f"t.{col.name}"
    kind = col.type
    if (table, col.name) in _HASHES:
        return f"(typeof({c}) != 'text' OR length({c}) != 64 OR {c} GLOB '*[^0-9a-f]*')"
    if table == "movement" and col.name == "kind":
        return f"(typeof({c}) != 'text' OR {c} NOT IN ({_KINDS}))"
    if isinstance(kind, sa.Boolean):
        return f"(typeof({c}) NOT IN ('integer', 'null') OR {c} NOT IN (0, 1))"
    if isinstance(kind, sa.Integer):
        return f"typeof({c}) NOT IN ('integer', 'null')"
    # A '+0 days' modifier makes SQLite normalise the date, so 02-30 no longer reads as itself;
    # only a day past the 28th can need it.
    if isinstance(kind, UTCDateTime | sa.DateTime):
        return (
            f"(typeof({c}) NOT IN ('text', 'null') OR ({c} IS NOT NULL AND ({c} NOT GLOB "
            f"'{_TIME_GLOB}' OR {_date_out_of_range(c)} OR substr({c}, 12, 2) > '23' "
            f"OR substr({c}, 15, 2) > '59' OR substr({c}, 18, 2) > '59' "
            f"OR (substr({c}, 9, 2) > '28' AND datetime(substr({c}, 1, 19), '+0 days') "
            f"IS NOT substr({c}, 1, 19)))))"
        )
    if isinstance(kind, sa.Date):
        return (
            f"(typeof({c}) NOT IN ('text', 'null') OR ({c} IS NOT NULL AND "
            f"(length({c}) != 10 OR {c} NOT GLOB '{_DATE_GLOB}' OR {_date_out_of_range(c)} "
            f"OR (substr({c}, 9, 2) > '28' AND date({c}, '+0 days') IS NOT {c}))))"
        )
    if isinstance(kind, sa.String):
        return f"typeof({c}) NOT IN ('text', 'null')"
    return None


def _sqlite_screen(table: str, col: sa.Column) -> str | None:  # type: ignore[type-arg]
    """SQL true at least wherever `_sqlite_bad` is, and cheaper on a good time.

    Only a few rows of millions are ever bad, so the scan asks this in its WHERE clause and
    the exact test only of the rows it lets through. For a time, SQLite's own reading
    (julianday) stands in for the digit-pair ranges: it reads no month 00 or 13, no day 00
    or 32, no minute or second 60. It does read hour 24, and a day 31 in a month of 30, so
    those two stay; the shape is the same GLOB. About 40 % less work per time, and a ledger
    has four times per infusion. tests/test_check_forms.py holds the screen against the
    exact test on every awkward time, so a SQLite that reads more leniently fails there.
    """
    c = f"t.{col.name}"
    if isinstance(col.type, UTCDateTime | sa.DateTime):
        return (
            f"(typeof({c}) NOT IN ('text', 'null') OR ({c} IS NOT NULL AND NOT ("
            f"{c} GLOB '{_TIME_GLOB}' AND julianday({c}) IS NOT NULL "
            f"AND substr({c}, 12, 2) < '24' AND (substr({c}, 9, 2) <= '28' "
            f"OR datetime(substr({c}, 1, 19), '+0 days') = substr({c}, 1, 19)))))"
        )
    return _sqlite_bad(table, col)


def _postgresql_bad(table: str, col: sa.Column) -> str | None:  # type: ignore[type-arg]
    c = f"t.{col.name}"
    if (table, col.name) in _HASHES:
        return f"{c} !~ '^[0-9a-f]{{64}}$'"
    if table == "movement" and col.name == "kind":
        return f"{c} NOT IN ({_KINDS})"
    if isinstance(col.type, UTCDateTime | sa.DateTime):
        # Infinity, or a year past 9999: the server stores it, Python cannot read it.
        return (
            f"({c} IS NOT NULL AND NOT ({c} > '0001-01-02 00:00:00+00' "
            f"AND {c} < '9999-12-31 00:00:00+00'))"
        )
    if isinstance(col.type, sa.Date):
        return f"({c} IS NOT NULL AND NOT ({c} > '0001-01-01' AND {c} < '9999-12-31'))"
    return None


#: Movement ids per SQL question when only some movements are looked at.
_IDS_PER_QUERY = 500


def stored_forms(
    conn: sa.Connection,
    add: Add,
    movement_ids: Collection[object] | Callable[[], Collection[object]] | None = None,
) -> set[int]:
    """Name every value not in its canonical form; return the movements that hold one.

    `movement_ids`: the movements to look at, when the streaming pass has already
    screened the rest (ledger/check_chain.py accepts only rows this would accept), or a
    function asked for them only when the movement table's turn comes (the other tables
    are looked at while the pass's workers finish); None looks at every movement.
    """
    sqlite = conn.dialect.name == "sqlite"
    bad_of = _sqlite_bad if sqlite else _postgresql_bad
    screen_of = _sqlite_screen if sqlite else _postgresql_bad
    malformed: set[int] = set()
    for table in metadata.sorted_tables:
        found = [(col.name, bad_of(table.name, col)) for col in table.columns]
        checks = [(name, bad) for name, bad in found if bad is not None]
        if not checks:
            continue
        key = "vial_id" if table.name == "vial_balance" else "id"
        at = _AT_MOVEMENT.get(table.name, "NULL")
        text = "quote" if sqlite else "CAST"
        values = ", ".join(
            f"CASE WHEN {bad} THEN {text}(t.{name}{'' if sqlite else ' AS TEXT'}) END"
            for name, bad in checks
        )
        where = " OR ".join(
            screen for col in table.columns if (screen := screen_of(table.name, col))
        )
        sql = f"SELECT t.{key}, {at}, {values} FROM {table.name} t WHERE ({where})"
        ids = None
        if table.name == "movement" and movement_ids is not None:
            ids = movement_ids() if callable(movement_ids) else movement_ids
        for row in _bad_rows(conn, sql, ids):
            at_movement = movement_id(row[1])
            named = any(value is not None for value in row[2:])  # the screen may pass more
            if table.name == "movement" and at_movement is not None and named:
                malformed.add(at_movement)
            what = "movement" if table.name == "movement" else table.name.replace("_", " ")
            for (name, _), value in zip(checks, row[2:], strict=True):
                if value is None:
                    continue
                # SQLite's quote() already shows the value as a literal ('text', 12, X'00').
                value = value if sqlite and len(value) <= 40 else shown(value)
                add(
                    Problem(
                        at_movement,
                        "MalformedValue",
                        f"{what} {shown(row[0])}: {name} is stored as {value}, "
                        "not in the form vialbook writes; it was written outside vialbook",
                    )
                )
    return malformed


def _bad_rows(conn: sa.Connection, sql: str, ids: Collection[object] | None) -> Iterator[Any]:
    if ids is None:
        yield from conn.exec_driver_sql(sql)
        return
    wanted = sorted({i for i in ids if type(i) is int})
    for n in range(0, len(wanted), _IDS_PER_QUERY):
        chunk = ", ".join(str(i) for i in wanted[n : n + _IDS_PER_QUERY])
        yield from conn.exec_driver_sql(f"{sql} AND t.id IN ({chunk})")
