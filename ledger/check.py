"""`vialbook check`: re-derive every hash and balance from the movements, report every problem.

Each check is a small named function over the stream or over one SQL question;
all of them run, and every problem names the movement it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from ledger import check_forms, check_money, check_records, replay
from ledger.access import Actor, authorize
from ledger.chain import GENESIS_HASH
from ledger.database import Database
from ledger.errors import AnchorIncomplete
from ledger.kinds import RULES
from ledger.models import ChainHead, Movement, Vial, VialBalance
from ledger.problem import Add, Problem, movement_id, shown
from ledger.settings import SettingsHistory, settings_history

__all__ = ["CheckReport", "Problem", "run_check"]

#: Workstations' clocks differ a little, and a writer that waited for the chain lock was
#: stamped before the one that went first; an entry earlier than its predecessor by more than
#: this was stamped by a clock that was set back.
ENTRY_CLOCK_TOLERANCE = timedelta(minutes=5)


# Where each field sits in the rows replay.rows streams (its COLUMNS: the chain's fields, then
# prev_hash and hash), looked up by name so a change of layout cannot shift a check.
(
    _ID,
    _ENTERED_AT,
    _KIND,
    _VIAL_ID,
    _AMOUNT_UG,
    _ACTOR_ID,
    _WITNESS_ID,
    _WITNESS2_ID,
    _PREV_HASH,
    _HASH,
) = (
    replay.COLUMNS.index(name)
    for name in (
        "id",
        "entered_at",
        "kind",
        "vial_id",
        "amount_ug",
        "actor_id",
        "witness_id",
        "witness2_id",
        "prev_hash",
        "hash",
    )
)


def _zone(name: str) -> tzinfo:
    """The clinic's zone for messages; UTC when the stored name is not a zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _instant(value: object) -> datetime | None:
    """A stored entry time as an aware instant, or None when it cannot be read (check_forms
    names those)."""
    try:
        parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


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


def _chain_and_balances(
    conn: sa.Connection, report: CheckReport, history: SettingsHistory, malformed: set[int]
) -> None:
    """One pass: sequence, hashes, balance bounds and witness rules per movement.

    A movement whose stored values cannot be read is named (MalformedValue) and the
    pass goes on: one bad row must not hide the problems after it.
    """
    received = {
        k: v
        for k, v in conn.execute(sa.select(_t(Vial).c.id, _t(Vial).c.received_ug)).all()
        if type(v) is int
    }
    balances: dict[object, int] = {}
    expected_prev = GENESIS_HASH
    expected_id = 1
    add = report.problems.append
    derive = replay.hasher(conn.dialect.name)
    count = 0
    latest_entry: object = None
    versions = history.versions
    current_policy = str(versions[-1].get("witness_policy", "required")) if versions else ""
    clinic_zone = _zone(str(versions[-1].get("timezone", "UTC")) if versions else "UTC")

    def unreadable(mid: object, exc: Exception) -> None:
        at = movement_id(mid)
        if at not in malformed:  # check_forms has not named it already
            malformed.add(at or expected_id)
            add(
                Problem(
                    at or expected_id,
                    "MalformedValue",
                    f"movement {shown(mid)} holds a value vialbook cannot read ({exc})",
                )
            )

    for r in replay.rows(conn):
        mid, entered, kind, vial, amount, actor, w1, w2, prev, stored = (
            r[_ID],
            r[_ENTERED_AT],
            r[_KIND],
            r[_VIAL_ID],
            r[_AMOUNT_UG],
            r[_ACTOR_ID],
            r[_WITNESS_ID],
            r[_WITNESS2_ID],
            r[_PREV_HASH],
            r[_HASH],
        )
        count += 1
        if mid != expected_id:
            add(
                Problem(
                    movement_id(mid),
                    "SequenceGap",
                    f"movement {shown(mid)} follows {expected_id - 1}; movements are missing "
                    "or reordered",
                )
            )
        if prev != expected_prev:
            add(
                Problem(
                    movement_id(mid),
                    "ChainBroken",
                    f"movement {shown(mid)} does not link to the movement before it",
                )
            )
        try:
            if derive(prev, r) != stored:
                add(
                    Problem(
                        mid,
                        "HashMismatch",
                        f"movement {mid}'s content does not match its hash; it was altered",
                    )
                )
        except (ValueError, TypeError, OverflowError, AttributeError) as exc:
            unreadable(mid, exc)
        try:
            bal = balances.get(vial, 0) + amount
            balances[vial] = bal
            if bal < 0:
                add(Problem(mid, "NegativeBalance", f"vial {vial} goes below zero ({bal} µg)"))
            if bal > received.get(vial, bal):
                add(
                    Problem(
                        mid,
                        "BalanceAboveReceived",
                        f"vial {vial} holds more than it was received with ({bal} µg)",
                    )
                )
        except TypeError as exc:
            unreadable(mid, exc)
        rule = RULES.get(kind) if isinstance(kind, str) else None
        needed = 0
        if rule is not None and rule.witnesses:
            # Judged under the settings in force when the movement was entered; only a kind
            # the policy relaxes needs the lookup.
            if rule.policy_relaxes and len(history.starts) > 1:
                when = _instant(entered)
                policy = str(history.at(when).get("witness_policy", "required")) if when else ""
            else:
                policy = current_policy
            needed = rule.witnesses_needed(policy or "required")
        if needed and w1 is None:
            add(Problem(mid, "WitnessRequired", f"{kind} movement {mid} has no witness"))
        elif needed == 2 and w2 is None:
            add(Problem(mid, "WitnessRequired", f"{kind} movement {mid} has only one witness"))
        # Entry times are stored in one sortable form, so most rows compare as they come;
        # only an entry earlier than the latest one is parsed, to weigh it against the
        # tolerance.
        if type(entered) is type(latest_entry) and entered >= latest_entry:  # type: ignore[operator]
            latest_entry = entered
        elif latest_entry is None:
            latest_entry = entered
        elif entered is not None:
            when, latest = _instant(entered), _instant(latest_entry)
            if when is not None and latest is not None:
                if when < latest - ENTRY_CLOCK_TOLERANCE:
                    add(
                        Problem(
                            mid,
                            "EntryTimeBackwards",
                            f"movement {mid} was entered at "
                            f"{when.astimezone(clinic_zone):%Y-%m-%d %H:%M} on the clinic's clock, "
                            f"{latest - when} before an earlier movement; the clock of the "
                            "workstation that entered it was set back",
                        )
                    )
                if when > latest:
                    latest_entry = entered
        if w1 is not None and (actor == w1 or actor == w2 or w1 == w2):
            add(Problem(mid, "SelfWitness", f"movement {mid} is witnessed by its own actor"))
        expected_prev = stored
        expected_id = (mid if type(mid) is int else expected_id) + 1
    report.movements = count
    report.head = expected_prev if isinstance(expected_prev, str) else str(expected_prev)
    _cache(conn, balances, add)
    _head(conn, report, add)


def _cache(conn: sa.Connection, balances: dict[object, int], add: Add) -> None:
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


def run_check(db: Database, actor: Actor | None = None, anchors: list[str] = ()) -> CheckReport:  # type: ignore[assignment]
    """Every check, in one read transaction. `actor=None` is for internal self-tests."""
    anchors = [full_anchor(a) for a in anchors]
    report = CheckReport()
    with db.read() as session:
        if actor is not None:
            authorize(session, actor, "ledger.check")
        conn = session.connection()
        history = settings_history(conn)
        add = report.problems.append
        malformed = check_forms.stored_forms(conn, add)
        _chain_and_balances(conn, report, history, malformed)
        for records_check in check_records.CHECKS:
            records_check(conn, add)
        check_money.check_money(conn, add)
        for anchor in anchors:
            _anchor(conn, anchor, report)
    report.problems.sort(key=lambda p: (p.movement_id is None, p.movement_id or 0))
    return report
