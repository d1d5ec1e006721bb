"""The baseline for metrics 1 and 2: the same infusion rows written with the bare driver.

Per infusion, first the witness's password is checked against a stored argon2 hash
(when the recorder is given one: the product re-authenticates the witness at every
infusion, and the issue judges the ledger's own work against a baseline that pays the
same single verify, outside the transaction as the product does it). Then one
transaction: lock the chain head (and the vial on PostgreSQL), read the balance,
insert the infusion and its administer and waste movements (hashes from ledger.chain,
so the bytes hashed are the product's), update the balance cache and the chain head,
commit. The vial is opened on its first draw. It runs on a database migrated by
vialbook, so the same indexes and append-only triggers apply: the difference left is
the product's own overhead.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from ledger.chain import FIELDS, movement_hash
from ledger.passwords import verify_password

_MOVEMENT_COLUMNS = (*FIELDS, "prev_hash", "hash")
_INFUSION_COLUMNS = (
    "patient_id",
    "vial_id",
    "registration_id",
    "drawn_ug",
    "given_ug",
    "wasted_ug",
    "weight_g",
    "protocol",
    "dose_ug_per_kg",
    "ordered_ug",
    "event_at",
    "entered_at",
    "actor_id",
    "witness_id",
    "late",
    "reason",
)


def _sqlite_time(value: datetime) -> str:
    # SQLAlchemy's SQLite DATETIME storage: naive UTC with six fraction digits.
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


class RawRecorder:
    """Writes infusions with sqlite3 or psycopg directly; `vials` are (id, registration_id).

    `witness` is (stored argon2 hash, password): each infusion verifies it first, with the
    parameters kept in the hash (the product's own verify function, so the same library
    call). None writes the bare rows only.
    """

    def __init__(
        self,
        conn: Any,
        *,
        sqlite: bool,
        ids: dict[str, int],
        witness: tuple[str, str] | None = None,
        opened: set[int] | None = None,
    ) -> None:
        self.conn, self.sqlite, self.ids, self.witness = conn, sqlite, ids, witness
        self.p = "?" if sqlite else "%s"
        #: Vials already opened: recorders sharing one database share this set, since a
        #: vial's opening is set once (the database refuses a second one).
        self.opened: set[int] = set() if opened is None else opened
        m = ", ".join(_MOVEMENT_COLUMNS)
        i = ", ".join(_INFUSION_COLUMNS)
        self.insert_movement = (
            f"INSERT INTO movement ({m}) VALUES ({', '.join([self.p] * len(_MOVEMENT_COLUMNS))})"
        )
        self.insert_infusion = (
            f"INSERT INTO infusion ({i}) VALUES ({', '.join([self.p] * len(_INFUSION_COLUMNS))})"
            " RETURNING id"
        )

    def _t(self, value: datetime | None) -> Any:
        if value is None or not self.sqlite:
            return value
        return _sqlite_time(value)

    def record(self, vial: tuple[int, int], drawn: int, given: int, wasted: int) -> None:
        if self.witness is not None and not verify_password(*self.witness):
            raise RuntimeError("raw baseline: the witness's password did not verify")
        p, cur = self.p, self.conn.cursor()
        vial_id, registration_id = vial
        now = datetime.now(UTC)
        lock = "" if self.sqlite else " FOR UPDATE"
        if self.sqlite:
            cur.execute("BEGIN IMMEDIATE")
        cur.execute(f"SELECT seq, hash FROM chain_head WHERE id = 1{lock}")
        seq, prev = cur.fetchone()
        cur.execute(f"SELECT state FROM vial WHERE id = {p}{lock}", (vial_id,))
        cur.execute(f"SELECT balance_ug FROM vial_balance WHERE vial_id = {p}", (vial_id,))
        (balance,) = cur.fetchone()
        if balance < drawn:
            raise RuntimeError("raw baseline ran out of stock; receive more vials")
        ids = self.ids
        cur.execute(
            self.insert_infusion,
            (
                ids["patient"],
                vial_id,
                registration_id,
                drawn,
                given,
                wasted,
                80_000,
                "depression",
                500,
                40_000,
                self._t(now),
                self._t(now),
                ids["nurse"],
                ids["witness"],
                False,
                None,
            ),
        )
        (infusion_id,) = cur.fetchone()
        link = {"patient_id": ids["patient"], "infusion_id": infusion_id}
        rows = []
        for kind, amount, extra in (
            ("administer", -given, {}),
            (
                "waste",
                -wasted,
                {
                    "witness_id": ids["witness"],
                    "reason": "residue after administration",
                    "method": "drug-disposal container",
                },
            ),
        ):
            seq += 1
            record: dict[str, Any] = dict.fromkeys(FIELDS)
            record.update(
                id=seq,
                event_at=now,
                entered_at=now,
                kind=kind,
                registration_id=registration_id,
                vial_id=vial_id,
                amount_ug=amount,
                actor_id=ids["nurse"],
                late=False,
                **link,
                **extra,
            )
            digest = movement_hash(prev, record)
            row = [self._t(v) if isinstance(v, datetime) else v for v in record.values()]
            rows.append((*row, prev, digest))
            prev = digest
        cur.executemany(self.insert_movement, rows)
        if vial_id not in self.opened:
            self.opened.add(vial_id)
            bud = self._t(now + timedelta(days=28))
            cur.execute(
                f"UPDATE vial SET state = 'open', opened_at = {p}, bud = {p} WHERE id = {p}",
                (self._t(now), bud, vial_id),
            )
        cur.execute(
            f"UPDATE vial_balance SET balance_ug = {p}, last_movement_id = {p} WHERE vial_id = {p}",
            (balance - drawn, seq, vial_id),
        )
        cur.execute(f"UPDATE chain_head SET seq = {p}, hash = {p} WHERE id = 1", (seq, prev))
        if self.sqlite:
            cur.execute("COMMIT")
        else:
            self.conn.commit()
        cur.close()


def sqlite_connection(path: str) -> sqlite3.Connection:
    """The product's pragmas, exactly (ledger.database._sqlite_pragmas)."""
    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=60000")
    return conn
