"""`vialbook check`: re-derive every hash and balance from the movements, report every problem.

Each check is a small named function over the stream (ledger/check_chain.py, cut into
ranges verified in parallel by ledger/check_workers.py) or over one SQL question; all of
them run, and every problem names the movement it is about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ledger import check_chain, check_workers
from ledger.chain import GENESIS_HASH
from ledger.errors import AnchorIncomplete
from ledger.problem import Add, Problem, movement_id, shown

if TYPE_CHECKING:
    from ledger.access import Actor
    from ledger.database import Database
    from ledger.settings import SettingsHistory

# The models, the record checks and the rules are loaded inside run_check, after the chain's
# workers have been started: the workers need none of them, and start up meanwhile.

__all__ = ["CheckReport", "Problem", "run_check"]


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


def _rules(conn: sa.Connection, history: SettingsHistory) -> check_chain.Rules:
    from ledger.kinds import RULES
    from ledger.models import MovementKind

    versions = history.versions
    return check_chain.Rules(
        dialect=conn.dialect.name,
        witnesses={k: (r.witnesses, r.policy_relaxes) for k, r in RULES.items()},
        kinds=frozenset(k.value for k in MovementKind),
        starts=tuple(history.starts),
        policies=tuple(str(v.get("witness_policy", "required")) for v in versions),
        zone=str(versions[-1].get("timezone", "UTC")) if versions else "UTC",
    )


def _connect_args(conn: sa.Connection) -> object | None:
    """How a worker process reaches this database, or None when it cannot (memory)."""
    url = conn.engine.url
    if conn.dialect.name == "sqlite":
        path = url.database
        return path if path and path != ":memory:" and Path(path).is_file() else None
    if conn.dialect.name == "postgresql":
        args: dict[str, object] = url.translate_connect_args(username="user", database="dbname")
        args.update(url.query)
        return args
    return None


@dataclass
class _ChainPass:
    """The streaming pass, cut into ranges: this process verifies the first, workers the rest."""

    #: Where the ranges after the first start.
    seams: list[int]
    workers: list[check_workers.Worker]
    outcomes: list[check_chain.Outcome] = field(default_factory=list)


def _start_workers(conn: sa.Connection, seams: Sequence[int] | None) -> _ChainPass:
    """Cut the chain and start a worker on each later range (rules follow: `_verify_first`)."""
    connect = _connect_args(conn)
    if seams is None:
        first, last = conn.exec_driver_sql("SELECT min(id), max(id) FROM movement").one()
        if connect is not None and type(first) is int and type(last) is int:
            count = last - first + 1
            seams = check_workers.cut(first, last, count, check_workers.worker_count())
        else:
            seams = []
    seams = sorted(set(seams)) if connect is not None else []
    bounds = [None, *seams, None]
    workers = [
        check_workers.Worker(check_workers.Job(conn.dialect.name, connect, None, lo, hi))
        for lo, hi in zip(seams, bounds[2:], strict=True)
    ]
    return _ChainPass(list(seams), workers)


def _verify_first(conn: sa.Connection, chain: _ChainPass, rules: check_chain.Rules) -> None:
    """Send the workers their rules, then verify the first range here."""
    for worker in chain.workers:
        worker.send(rules)
    raw = conn.connection.dbapi_connection
    if raw is None:
        raise RuntimeError("the database connection is closed")
    received = check_chain.received_by_vial(raw)
    end = chain.seams[0] if chain.seams else None
    chain.outcomes.append(
        check_chain.verify_range(raw, rules, received, check_chain.Start(), None, end)
    )


def _finish_chain(
    conn: sa.Connection, chain: _ChainPass, report: CheckReport
) -> tuple[list[Problem], list[Problem]]:
    """Join the ranges; name each value not in its stored form (check_forms), then the
    pass's problems in the order one pass would have met them."""
    joined: list[tuple[check_chain.Outcome, dict[object, Any]]] = []

    def suspicious() -> list[int]:
        if not joined:
            joined.append(check_workers.join(chain.outcomes + [w.outcome() for w in chain.workers]))
        return joined[0][0].suspicious

    from ledger import check_forms

    forms: list[Problem] = []
    malformed = check_forms.stored_forms(conn, forms.append, movement_ids=suspicious)
    suspicious()
    whole, balances = joined[0]
    found: list[Problem] = []
    for item in whole.found:
        if isinstance(item, check_chain.Unreadable):
            if item.at in malformed:  # check_forms has named it already
                continue
            malformed.add(item.key)
            found.append(Problem(item.key, "MalformedValue", item.message))
        else:
            found.append(item)
    report.movements = whole.count
    last = whole.last_hash if whole.count else GENESIS_HASH
    report.head = last if isinstance(last, str) else str(last)
    _cache(conn, balances, found.append)
    _head(conn, report, found.append)
    return forms, found


def _cache(conn: sa.Connection, balances: dict[object, int], add: Add) -> None:
    from ledger.models import VialBalance

    b = _t(VialBalance)
    cached = dict(conn.execute(sa.select(b.c.vial_id, b.c.balance_ug)).all())
    last = dict(conn.execute(sa.select(b.c.vial_id, b.c.last_movement_id)).all())
    for vial in sorted(set(cached) | set(balances), key=lambda v: (type(v) is not int, str(v))):
        if cached.get(vial, 0) != balances.get(vial, 0):
            add(
                Problem(
                    movement_id(last.get(vial)),
                    "CacheMismatch",
                    f"vial {shown(vial)}: cached balance {shown(cached.get(vial, 0))} µg, "
                    f"movements sum to {balances.get(vial, 0)} µg",
                )
            )


def _head(conn: sa.Connection, report: CheckReport, add: Add) -> None:
    from ledger.models import ChainHead

    h = _t(ChainHead)
    row = conn.execute(sa.select(h.c.seq, h.c.hash).where(h.c.id == 1)).first()
    if row is None or row.hash != report.head or row.seq != report.movements:
        add(
            Problem(
                movement_id(row.seq) if row else None,
                "HeadMismatch",
                "the chain head does not name the last movement; entries were removed "
                "from the end or added outside vialbook",
            )
        )


def _anchor(conn: sa.Connection, anchor: str, report: CheckReport) -> None:
    from ledger.models import Movement

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


#: A movement hash as printed: sha256, 64 hex digits.
_FULL_HASH = re.compile(r"[0-9a-f]{64}")


def full_anchor(anchor: str) -> str:
    """The anchor as a full hash, or AnchorIncomplete.

    A shortened hash (the start of one, copied from a screen) matches no movement; judged
    as an anchor it would read as a rewritten ledger, which is an accusation, not a typo.
    """
    text = anchor.strip().lower() if isinstance(anchor, str) else ""
    if not _FULL_HASH.fullmatch(text):
        shown = text if len(text) <= 80 else text[:80] + "…"
        raise AnchorIncomplete(
            f"an anchor is the full 64-character hash; {shown!r} has {len(text)} characters"
            + ("" if re.fullmatch(r"[0-9a-f]*", text) else " and not only 0-9 and a-f"),
            subject=shown,
        )
    return text


def run_check(
    db: Database,
    actor: Actor | None = None,
    anchors: list[str] = (),  # type: ignore[assignment]
    *,
    seams: Sequence[int] | None = None,
) -> CheckReport:
    """Every check, in one read transaction. `actor=None` is for internal self-tests.

    `seams` are the movement ids where the chain is cut into ranges verified in parallel;
    None lets the size of the ledger decide (tests pass them to prove the joins).
    """
    anchors = [full_anchor(a) for a in anchors]
    report = CheckReport()
    with db.read() as session:
        if actor is not None:
            from ledger.access import authorize

            authorize(session, actor, "ledger.check")
        conn = session.connection()
        # The chain's workers start before this process loads the models and the record
        # checks, and verify their ranges while this process checks the records.
        chain = _start_workers(conn, seams)
        try:
            from ledger import check_money, check_records
            from ledger.settings import settings_history

            _verify_first(conn, chain, _rules(conn, settings_history(conn)))
            records: list[Problem] = []
            for records_check in check_records.CHECKS:
                records_check(conn, records.append)
            check_money.check_money(conn, records.append)
            forms, found = _finish_chain(conn, chain, report)
        finally:
            for worker in chain.workers:
                worker.stop()
        for anchor in anchors:
            _anchor(conn, anchor, report)
    # In the order one pass meets them: stored forms, the chain, the records, anchors.
    report.problems[:0] = forms + found + records
    report.problems.sort(key=lambda p: (p.movement_id is None, p.movement_id or 0))
    return report
