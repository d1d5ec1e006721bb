"""Writing the planned history with Core inserts in large transactions, for big scales.

It reproduces what each service writes (receipt, vials, infusion, movements with
their canonical bytes and hashes from ledger.chain, the vial_balance cache, vial
states, the witness audit events) without the per-action transaction. It only
ever has to agree with the services on the events the plan contains; the test
tests/test_bench_generator.py proves it does, row for row.

Each flush is one transaction that leaves the ledger consistent: chain head,
cache and vial states all match the movements committed so far.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bench import history
from bench.clinic import Chain
from bench.history import (
    Breakage,
    CountAdjustment,
    Event,
    Infuse,
    Receive,
    Reverse,
    VialRef,
    WasteResidue,
)
from ledger.chain import movement_hash
from ledger.clock import end_of_day
from ledger.database import Database
from ledger.details import ReceiptFacts
from ledger.models import (
    AuditEvent,
    ChainHead,
    ClinicSettings,
    Infusion,
    Movement,
    MovementKind,
    Receipt,
    Vial,
    VialBalance,
    VialState,
)
from ledger.models.base import table_of
from ledger.services.protocols import dose_per_kg, ordered_ug

#: Movements per transaction: big enough to amortise the commit, small enough for memory.
FLUSH_EVERY = 60_000


@dataclass
class _VialNow:
    """What the writer knows of one vial; written as a row when flushed."""

    id: int
    label: str
    registration_id: int
    receipt_id: int
    lot: str
    expires: Any
    received_ug: int
    state: str = VialState.SEALED
    opened_at: datetime | None = None
    bud: datetime | None = None
    balance: int = 0
    last_movement: int = 0
    flushed: bool = False
    cache_flushed: bool = False

    def row(self, product_id: int) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "product_id": product_id,
            "registration_id": self.registration_id,
            "receipt_id": self.receipt_id,
            "lot": self.lot,
            "expires": self.expires,
            "state": str(self.state),
            "opened_at": self.opened_at,
            "bud": self.bud,
            "first_patient_id": None,
            "received_ug": self.received_ug,
        }


class BulkWriter:
    def __init__(self, db: Database, chain: Chain) -> None:
        self.db, self.chain = db, chain
        with db.engine.connect() as conn:
            head = conn.execute(sa.select(table_of(ChainHead)).where(table_of(ChainHead).c.id == 1))
            row = head.one()
            self.seq, self.hash = row.seq, row.hash
            self.next_receipt = self._max(conn, Receipt) + 1
            self.next_vial = self._max(conn, Vial) + 1
            self.next_infusion = self._max(conn, Infusion) + 1
            self.next_label = self._next_label(conn, chain.label_prefix)
            self.settings = conn.execute(
                sa.select(table_of(ClinicSettings)).where(table_of(ClinicSettings).c.id == 1)
            ).one()
        self.vials: dict[VialRef, _VialNow] = {}
        self.by_id: dict[int, _VialNow] = {}
        # The plan only ever reverses a site's latest infusion, so that is all we keep.
        self.latest_infusion: dict[int, tuple[int, list[dict[str, Any]]]] = {}
        self.infusions_written = 0
        self._clear()

    @staticmethod
    def _max(conn: sa.Connection, model: type) -> int:
        t = table_of(model)
        return int(conn.execute(sa.select(sa.func.max(t.c.id))).scalar() or 0)

    @staticmethod
    def _next_label(conn: sa.Connection, prefix: str) -> int:
        """As ledger.services.receiving numbers labels: one past the highest so far."""
        v = table_of(Vial)
        stmt = sa.select(v.c.label).where(v.c.label.like(f"{prefix}-%"))
        last = conn.execute(stmt.order_by(v.c.label.desc()).limit(1)).scalar()
        return int(last.split("-")[1]) + 1 if last else 1

    def _clear(self) -> None:
        self.receipts: list[dict[str, Any]] = []
        self.new_vials: list[_VialNow] = []
        self.touched: dict[int, _VialNow] = {}
        self.infusion_rows: list[dict[str, Any]] = []
        self.movements: list[dict[str, Any]] = []
        self.audits: list[dict[str, Any]] = []

    # -- the one movement primitive, as ledger.posting.Posting.move builds it ---------
    def _move(self, vial: _VialNow, when: datetime, kind: str, amount: int, actor: int, **f: Any):  # type: ignore[no-untyped-def]
        self.seq += 1
        record: dict[str, Any] = {
            "id": self.seq,
            "event_at": when,
            "entered_at": when,
            "kind": str(kind),
            "registration_id": vial.registration_id,
            "vial_id": vial.id,
            "amount_ug": amount,
            "actor_id": actor,
            "witness_id": None,
            "witness2_id": None,
            "patient_id": None,
            "infusion_id": None,
            "original_id": None,
            "late": False,
            "reason": None,
            "method": None,
            "detail": None,
        }
        record.update(f)
        digest = movement_hash(self.hash, record)
        record["prev_hash"] = self.hash
        record["hash"] = digest
        self.hash = digest
        self.movements.append(record)
        vial.balance += amount
        vial.last_movement = self.seq
        self.touched[vial.id] = vial
        return record

    def _settle(self, vial: _VialNow) -> None:
        """ledger.posting.Posting.settle_state, for the states the plan can reach."""
        if vial.balance == 0 and vial.state in (VialState.SEALED, VialState.OPEN):
            vial.state = VialState.EMPTY
        elif vial.balance > 0 and vial.state == VialState.EMPTY:
            vial.state = VialState.OPEN if vial.opened_at is not None else VialState.SEALED

    def _witness_login(self, username: str, when: datetime) -> int:
        self.audits.append(
            {
                "at": when,
                "username": username,
                "action": "witness",
                "outcome": "ok",
                "rule": None,
                "detail": "",
            }
        )
        return self.chain.user_ids[username]

    # -- events --------------------------------------------------------------------------
    def receive(self, e: Receive) -> None:
        c = self.chain
        reg = c.registration_ids[e.site]
        actor = c.user_ids[e.actor]
        receipt_id = self.next_receipt
        self.next_receipt += 1
        self.receipts.append(
            {
                "id": receipt_id,
                "registration_id": reg,
                "supplier_id": c.supplier_ids[e.supplier],
                "product_id": c.product_id,
                "invoice_number": e.invoice,
                "received_at": e.when,
                "entered_at": e.when,
                "lot": e.lot,
                "expires": e.expires,
                "containers": e.vials,
                "received_by_id": actor,
            }
        )
        for i in range(e.vials):
            vial = _VialNow(
                id=self.next_vial,
                label=f"{c.label_prefix}-{self.next_label:06d}",
                registration_id=reg,
                receipt_id=receipt_id,
                lot=e.lot,
                expires=e.expires,
                received_ug=c.product_content_ug,
            )
            self.next_vial += 1
            self.next_label += 1
            self.vials[(e.site, e.first_k + i)] = vial
            self.by_id[vial.id] = vial
            self.new_vials.append(vial)
        # As ledger.services.receiving writes it: the receipt's facts in each receive movement.
        facts = ReceiptFacts(
            invoice_number=e.invoice,
            supplier=e.supplier,
            supplier_dea=c.supplier_deas[e.supplier],
            ndc=history.KETAMINE_NDC,
            lot=e.lot,
            expires=e.expires.isoformat(),
        ).to_detail()
        for i in range(e.vials):
            vial = self.vials[(e.site, e.first_k + i)]
            self._move(
                vial, e.when, MovementKind.RECEIVE, c.product_content_ug, actor, detail=facts
            )

    def infuse(self, e: Infuse) -> None:
        c = self.chain
        witness = self._witness_login(e.witness, e.when)
        actor = c.user_ids[e.nurse]
        vial = self.vials[e.vial]
        patient = c.patient_ids[e.mrn]
        per_kg = dose_per_kg(e.protocol)
        infusion_id = self.next_infusion
        self.next_infusion += 1
        self.infusion_rows.append(
            {
                "id": infusion_id,
                "patient_id": patient,
                "vial_id": vial.id,
                "registration_id": vial.registration_id,
                "drawn_ug": e.drawn_ug,
                "given_ug": e.given_ug,
                "wasted_ug": e.wasted_ug,
                "weight_g": e.weight_g,
                "protocol": e.protocol,
                "dose_ug_per_kg": per_kg,
                "ordered_ug": ordered_ug(e.weight_g, per_kg),
                "started_at": e.when,
                "ended_at": e.when + timedelta(minutes=40),
                "event_at": e.when,
                "entered_at": e.when,
                "actor_id": actor,
                "witness_id": witness,
                "late": False,
                "reason": None,
            }
        )
        link = {"patient_id": patient, "infusion_id": infusion_id, "late": False}
        moves = []
        if e.given_ug:
            moves.append(
                self._move(vial, e.when, MovementKind.ADMINISTER, -e.given_ug, actor, **link)
            )
        if e.wasted_ug:
            moves.append(
                self._move(
                    vial,
                    e.when,
                    MovementKind.WASTE,
                    -e.wasted_ug,
                    actor,
                    witness_id=witness,
                    reason="residue after administration",
                    method="drug-disposal container",
                    **link,
                )
            )
        self.latest_infusion[e.site] = (e.key, moves)
        if vial.state == VialState.SEALED:
            vial.state = VialState.OPEN
            vial.opened_at = e.when
            vial.bud = min(
                e.when + timedelta(days=c.bud_days),
                end_of_day(self.settings.timezone, vial.expires),
            )
        self._settle(vial)
        self.infusions_written += 1

    def take_all(self, e: WasteResidue | Breakage, kind: str) -> None:
        witness = self._witness_login(e.witness, e.when)
        vial = self.vials[e.vial]
        self._move(
            vial,
            e.when,
            kind,
            -vial.balance,
            self.chain.user_ids[e.nurse],
            witness_id=witness,
            reason=e.reason,
            method=e.method,
        )
        self._settle(vial)

    def adjust(self, e: CountAdjustment) -> None:
        witness = self._witness_login(e.witness, e.when)
        vial = self.vials[e.vial]
        self._move(
            vial,
            e.when,
            MovementKind.ADJUSTMENT,
            e.amount_ug,
            self.chain.user_ids[e.actor],
            witness_id=witness,
            reason=e.reason,
        )
        self._settle(vial)

    def reverse(self, e: Reverse) -> None:
        witness = self._witness_login(e.witness, e.when)
        site, key = e.infusion
        latest, targets = self.latest_infusion.pop(site)
        assert latest == key, "the plan reverses only a site's latest infusion"
        vial = self.by_id[targets[0]["vial_id"]]
        for t in targets:
            self._move(
                vial,
                e.when,
                MovementKind.REVERSAL,
                -t["amount_ug"],
                self.chain.user_ids[e.actor],
                registration_id=t["registration_id"],
                witness_id=witness,
                patient_id=t["patient_id"],
                infusion_id=t["infusion_id"],
                original_id=t["id"],
                reason=e.reason,
            )
        self._settle(vial)

    # -- writing -------------------------------------------------------------------------
    def flush(self) -> None:
        """One transaction: new rows, changed vials, the cache and the chain head."""
        pid = self.chain.product_id
        v, b = table_of(Vial), table_of(VialBalance)
        with self.db.engine.begin() as conn:
            if self.receipts:
                conn.execute(table_of(Receipt).insert(), self.receipts)
            if self.new_vials:
                conn.execute(v.insert(), [x.row(pid) for x in self.new_vials])
            changed = [x for x in self.touched.values() if x.flushed]
            if changed:
                conn.execute(
                    v.update().where(v.c.id == sa.bindparam("vid")),
                    [
                        {"vid": x.id, "state": str(x.state), "opened_at": x.opened_at, "bud": x.bud}
                        for x in changed
                    ],
                )
            if self.infusion_rows:
                conn.execute(table_of(Infusion).insert(), self.infusion_rows)
            if self.movements:
                conn.execute(table_of(Movement).insert(), self.movements)
            if self.audits:
                conn.execute(table_of(AuditEvent).insert(), self.audits)
            fresh = [x for x in self.touched.values() if not x.cache_flushed]
            if fresh:
                conn.execute(
                    b.insert(),
                    [
                        {
                            "vial_id": x.id,
                            "balance_ug": x.balance,
                            "last_movement_id": x.last_movement,
                        }
                        for x in fresh
                    ],
                )
            cached = [x for x in self.touched.values() if x.cache_flushed]
            if cached:
                conn.execute(
                    b.update().where(b.c.vial_id == sa.bindparam("vid")),
                    [
                        {"vid": x.id, "balance_ug": x.balance, "last_movement_id": x.last_movement}
                        for x in cached
                    ],
                )
            h = table_of(ChainHead)
            conn.execute(h.update().where(h.c.id == 1).values(seq=self.seq, hash=self.hash))
        for x in self.new_vials:
            x.flushed = True
        for x in self.touched.values():
            x.flushed = x.cache_flushed = True
        self._clear()

    def fix_sequences(self) -> None:
        """PostgreSQL serial sequences do not move for explicit ids; move them past ours."""
        if self.db.is_sqlite:
            return
        with self.db.engine.begin() as conn:
            for table in ("receipt", "vial", "infusion"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )


def write_in_bulk(db: Database, chain: Chain, events: Iterable[Event]) -> int:
    """Record every event; returns how many infusions were written."""
    w = BulkWriter(db, chain)
    for e in events:
        if isinstance(e, Receive):
            w.receive(e)
        elif isinstance(e, Infuse):
            w.infuse(e)
        elif isinstance(e, WasteResidue):
            w.take_all(e, MovementKind.WASTE)
        elif isinstance(e, Breakage):
            w.take_all(e, MovementKind.BREAKAGE)
        elif isinstance(e, CountAdjustment):
            w.adjust(e)
        elif isinstance(e, Reverse):
            w.reverse(e)
        else:
            raise TypeError(f"unplanned event {e!r}")
        if len(w.movements) >= FLUSH_EVERY:
            w.flush()
    w.flush()
    w.fix_sequences()
    return w.infusions_written
