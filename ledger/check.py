"""`vialbook check`: re-derive every hash and balance from the movements, report every problem.

Each check is a small named function over the stream or over one SQL question;
all of them run, and every problem names the movement it is about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from ledger import replay
from ledger.access import Actor, authorize
from ledger.chain import GENESIS_HASH
from ledger.database import Database
from ledger.models import (
    ChainHead,
    ClinicSettings,
    Infusion,
    Movement,
    MovementKind,
    Vial,
    VialBalance,
)

#: Kinds that always need a witness, and the one kind that needs two.
WITNESSED = {
    MovementKind.BREAKAGE,
    MovementKind.DESTROY,
    MovementKind.ADJUSTMENT,
    MovementKind.REVERSAL,
}


@dataclass(frozen=True)
class Problem:
    movement_id: int | None
    rule: str
    message: str

    def as_json(self) -> dict[str, object]:
        return {"movement_id": self.movement_id, "rule": self.rule, "message": self.message}


#: Where each check reports a problem.
Add = Callable[[Problem], None]


@dataclass
class CheckReport:
    movements: int = 0
    head: str = GENESIS_HASH
    problems: list[Problem] = field(default_factory=list)
    anchor_found: bool | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "ok": self.ok,
            "movements": self.movements,
            "head": self.head,
            "problems": [p.as_json() for p in self.problems],
        }
        if self.anchor_found is not None:
            out["anchor_found"] = self.anchor_found
        return out


def _t(model: type) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def _chain_and_balances(conn: sa.Connection, report: CheckReport, witness_policy: str) -> None:
    """One pass: sequence, hashes, balance bounds and witness rules per movement."""
    received = dict(conn.execute(sa.select(_t(Vial).c.id, _t(Vial).c.received_ug)).all())
    balances: dict[int, int] = {}
    expected_prev = GENESIS_HASH
    expected_id = 1
    add = report.problems.append
    derive = replay.hasher(conn.dialect.name)
    witnessed = {str(k) for k in WITNESSED}
    waste_needs = witness_policy == "required"
    count = 0
    for r in replay.rows(conn):
        # Positions follow replay.COLUMNS: chain.FIELDS, then prev_hash and hash.
        mid, kind, vial, amount, actor, w1, w2, prev, stored = (
            r[0],
            r[3],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            r[17],
            r[18],
        )
        count += 1
        if mid != expected_id:
            add(
                Problem(
                    mid,
                    "SequenceGap",
                    f"movement {mid} follows {expected_id - 1}; movements are missing or reordered",
                )
            )
        if prev != expected_prev:
            add(
                Problem(
                    mid, "ChainBroken", f"movement {mid} does not link to the movement before it"
                )
            )
        if derive(prev, r) != stored:
            add(
                Problem(
                    mid,
                    "HashMismatch",
                    f"movement {mid}'s content does not match its hash; it was altered",
                )
            )
        expected_prev = stored
        expected_id = mid + 1
        bal = balances.get(vial, 0) + amount
        balances[vial] = bal
        if bal < 0:
            add(Problem(mid, "NegativeBalance", f"vial {vial} goes below zero ({bal} µg)"))
        if bal > received.get(vial, 0):
            add(
                Problem(
                    mid,
                    "BalanceAboveReceived",
                    f"vial {vial} holds more than it was received with ({bal} µg)",
                )
            )
        if w1 is None and (kind in witnessed or (waste_needs and kind == "waste")):
            add(Problem(mid, "WitnessRequired", f"{kind} movement {mid} has no witness"))
        if kind == "destroy" and w2 is None:
            add(Problem(mid, "WitnessRequired", f"destruction {mid} has only one witness"))
        if w1 is not None and (actor == w1 or actor == w2 or w1 == w2):
            add(Problem(mid, "SelfWitness", f"movement {mid} is witnessed by its own actor"))
    report.movements = count
    report.head = expected_prev
    _cache(conn, balances, add)
    _head(conn, report, add)


def _cache(conn: sa.Connection, balances: dict[int, int], add: Add) -> None:
    b = _t(VialBalance)
    cached = dict(conn.execute(sa.select(b.c.vial_id, b.c.balance_ug)).all())
    last = dict(conn.execute(sa.select(b.c.vial_id, b.c.last_movement_id)).all())
    for vial in sorted(set(cached) | set(balances)):
        if cached.get(vial, 0) != balances.get(vial, 0):
            add(
                Problem(
                    last.get(vial),
                    "CacheMismatch",
                    f"vial {vial}: cached balance {cached.get(vial, 0)} µg, movements sum "
                    f"to {balances.get(vial, 0)} µg",
                )
            )


def _head(conn: sa.Connection, report: CheckReport, add: Add) -> None:
    h = _t(ChainHead)
    row = conn.execute(sa.select(h.c.seq, h.c.hash).where(h.c.id == 1)).first()
    if row is None or row.hash != report.head or row.seq != report.movements:
        add(
            Problem(
                row.seq if row else None,
                "HeadMismatch",
                "the chain head does not name the last movement; entries were removed "
                "from the end or added outside vialbook",
            )
        )


def _infusions(conn: sa.Connection, add: Add) -> None:
    """drawn = given + wasted, and the movements carry exactly those amounts."""
    i, m = _t(Infusion), _t(Movement)
    given = sa.func.coalesce(
        sa.func.sum(sa.case((m.c.kind == MovementKind.ADMINISTER, -m.c.amount_ug), else_=0)), 0
    )
    wasted = sa.func.coalesce(
        sa.func.sum(sa.case((m.c.kind == MovementKind.WASTE, -m.c.amount_ug), else_=0)), 0
    )
    first = sa.func.min(m.c.id)
    stmt = (
        sa.select(
            i.c.id,
            i.c.drawn_ug,
            i.c.given_ug,
            i.c.wasted_ug,
            given.label("g"),
            wasted.label("w"),
            first.label("first"),
        )
        .select_from(
            i.outerjoin(m, sa.and_(m.c.infusion_id == i.c.id, m.c.kind != MovementKind.REVERSAL))
        )
        .group_by(i.c.id, i.c.drawn_ug, i.c.given_ug, i.c.wasted_ug)
        .order_by(i.c.id)
    )
    for row in conn.execution_options(yield_per=5000).execute(stmt):
        if row.drawn_ug != row.given_ug + row.wasted_ug:
            add(
                Problem(
                    row.first,
                    "MassBalanceBroken",
                    f"infusion {row.id}: drawn {row.drawn_ug} ≠ given {row.given_ug} + "
                    f"wasted {row.wasted_ug}",
                )
            )
        if row.g != row.given_ug or row.w != row.wasted_ug:
            add(
                Problem(
                    row.first,
                    "MassBalanceBroken",
                    f"infusion {row.id}: its movements give {row.g} µg and waste {row.w} "
                    f"µg, the record says {row.given_ug} and {row.wasted_ug}",
                )
            )


def _reversals(conn: sa.Connection, add: Add) -> None:
    m = _t(Movement)
    o = m.alias("original")
    stmt = (
        sa.select(
            m.c.id,
            m.c.amount_ug,
            m.c.vial_id,
            m.c.original_id,
            o.c.amount_ug.label("oa"),
            o.c.vial_id.label("ov"),
            o.c.kind.label("ok"),
        )
        .select_from(m.outerjoin(o, o.c.id == m.c.original_id))
        .where(m.c.kind == MovementKind.REVERSAL)
        .order_by(m.c.id)
    )
    seen: set[int] = set()
    for row in conn.execute(stmt):
        if row.original_id is None or row.oa is None:
            add(Problem(row.id, "ReversalMismatch", f"reversal {row.id} names no movement"))
            continue
        if row.original_id in seen:
            add(
                Problem(
                    row.id,
                    "AlreadyReversed",
                    f"movement {row.original_id} is reversed more than once",
                )
            )
        seen.add(row.original_id)
        if row.amount_ug != -row.oa or row.vial_id != row.ov or row.ok == MovementKind.REVERSAL:
            add(
                Problem(
                    row.id,
                    "ReversalMismatch",
                    f"reversal {row.id} does not exactly negate movement {row.original_id}",
                )
            )


def _anchor(conn: sa.Connection, anchor: str, report: CheckReport) -> None:
    m = _t(Movement)
    found = conn.execute(sa.select(m.c.id).where(m.c.hash == anchor.strip().lower())).first()
    report.anchor_found = found is not None
    if found is None:
        report.problems.append(
            Problem(
                None,
                "AnchorNotFound",
                f"anchor {anchor} is not in the chain; the ledger was "
                "rewritten after that hash was printed",
            )
        )


def run_check(db: Database, actor: Actor | None = None, anchors: list[str] = ()) -> CheckReport:  # type: ignore[assignment]
    """Every check, in one read transaction. `actor=None` is for internal self-tests."""
    report = CheckReport()
    with db.read() as session:
        if actor is not None:
            authorize(session, actor, "ledger.check")
        conn = session.connection()
        policy = (
            conn.execute(
                sa.select(_t(ClinicSettings).c.witness_policy).where(_t(ClinicSettings).c.id == 1)
            ).scalar()
            or "required"
        )
        _chain_and_balances(conn, report, policy)
        _infusions(conn, report.problems.append)
        _reversals(conn, report.problems.append)
        for anchor in anchors:
            _anchor(conn, anchor, report)
    report.problems.sort(key=lambda p: (p.movement_id is None, p.movement_id or 0))
    return report
