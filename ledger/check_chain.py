"""`check`'s one streaming pass over the movements, over a range of ids.

Per movement: its place in the sequence, its link to the one before, its hash, the
vial's running balance, its witnesses under the settings in force when it was entered,
its entry time against the clock, and whether each stored value is in the form vialbook
writes (a row that is not goes to check_forms, which names the value exactly).

Every movement stores its predecessor's hash, so a range of the chain verifies on its own:
it only needs what the movements before it leave (the last id and hash, each vial's
balance, the latest entry time), which SQL sums exactly; ledger/check_workers.py cuts
the chain into ranges and verifies them in parallel.

This module imports no SQLAlchemy and no models, so a worker process starts quickly.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledger import replay
from ledger.chain import GENESIS_HASH, canonical_text
from ledger.problem import Problem, movement_id, shown

#: Workstations' clocks differ a little, and a writer that waited for the chain lock was
#: stamped before the one that went first; an entry earlier than its predecessor by more than
#: this was stamped by a clock that was set back.
ENTRY_CLOCK_TOLERANCE = timedelta(minutes=5)


HEX = "0123456789abcdef"
#: The one form SQLAlchemy writes a time in on SQLite, digit by digit (check_forms' GLOB and
#: ranges); days 29-31 are then checked against the month.
_TIME = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01]) "
    r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}"
)
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _real_day(text: str) -> bool:
    year, month, day = int(text[0:4]), int(text[5:7]), int(text[8:10])
    if year < 1:
        return False  # year 0000: left to check_forms' own SQL
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return day <= (29 if month == 2 and leap else _MONTH_DAYS[month])


def _hash_ok(value: object) -> bool:
    return type(value) is str and len(value) == 64 and not value.strip(HEX)


@dataclass(frozen=True)
class Rules:
    """What the pass judges by; plain values, so a worker process receives them pickled."""

    dialect: str
    #: kind -> (witnesses, whether the witness policy relaxes them), from ledger.kinds.
    witnesses: dict[str, tuple[int, bool]]
    #: Every movement kind vialbook writes.
    kinds: frozenset[str]
    #: When each settings version took effect, and its witness policy.
    starts: tuple[datetime, ...]
    policies: tuple[str, ...]
    #: The clinic's time zone name, for messages.
    zone: str

    def policy_at(self, moment: datetime) -> str:
        i = bisect.bisect_right(self.starts, moment) - 1
        return self.policies[max(i, 0)]


@dataclass
class Start:
    """What the movements before a range leave to it."""

    expected_id: int = 1
    expected_prev: object = GENESIS_HASH
    balances: dict[object, Any] = field(default_factory=dict)
    latest_entry: object = None


@dataclass
class Unreadable:
    """A movement whose values the pass could not read; named unless check_forms did."""

    at: int | None
    key: int
    message: str


@dataclass
class Outcome:
    """What one range found, to be joined with the ranges around it."""

    #: Problems and unreadable rows, in the order the pass met them.
    found: list[Problem | Unreadable] = field(default_factory=list)
    #: Movements holding a value not in the form vialbook writes (check_forms names them).
    suspicious: list[int] = field(default_factory=list)
    count: int = 0
    last_hash: object = None
    #: Each vial's balance after the range, for the vials the range moved.
    balances: dict[object, Any] = field(default_factory=dict)


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


def received_by_vial(raw: Any) -> dict[object, int]:
    cursor = raw.cursor()
    try:
        cursor.execute("SELECT id, received_ug FROM vial")
        return {k: v for k, v in cursor.fetchall() if type(v) is int}
    finally:
        cursor.close()


def start_of(raw: Any, dialect: str, lo: int | None) -> Start:
    """What the movements with an id below `lo` leave: the same values the pass would
    hold on reaching `lo`, summed by the database."""
    if lo is None:
        return Start()
    where = replay.id_range(None, lo)
    cursor = raw.cursor()
    try:
        cursor.execute(f"SELECT id, hash FROM movement{where} ORDER BY id DESC LIMIT 1")
        last = cursor.fetchone()
        if last is None:
            return Start()
        if dialect == "sqlite":
            # The pass adds numbers and skips a text or blob amount (named as malformed).
            amount = "CASE WHEN typeof(amount_ug) IN ('integer', 'real') THEN amount_ug END"
            entered = "entered_at"
        else:
            amount = "amount_ug"
            entered = replay.READABLE.format(c="entered_at")
        try:
            cursor.execute(
                f"SELECT vial_id, SUM({amount}) FROM movement{where} GROUP BY vial_id "
                f"HAVING COUNT({amount}) > 0"
            )
            balances = {
                vial: (int(total) if dialect != "sqlite" else total)
                for vial, total in cursor.fetchall()
            }
        except Exception:  # noqa: BLE001 - SQLite's SUM overflows where Python's does not
            if dialect != "sqlite":
                raise
            balances = _summed_here(raw, where)
        cursor.execute(f"SELECT MAX({entered}) FROM movement{where}")
        (latest,) = cursor.fetchone()
    finally:
        cursor.close()
    return Start(last[0] + 1, last[1], balances, latest)


def _summed_here(raw: Any, where: str) -> dict[object, Any]:
    """The balances as the pass adds them, for amounts too large for the database's sum."""
    balances: dict[object, Any] = {}
    cursor = raw.cursor()
    try:
        cursor.execute(f"SELECT vial_id, amount_ug FROM movement{where} ORDER BY id")
        while batch := cursor.fetchmany(replay.BATCH):
            for vial, amount in batch:
                try:
                    balances[vial] = balances.get(vial, 0) + amount
                except TypeError:
                    pass
    finally:
        cursor.close()
    return balances


def verify_range(
    raw: Any,
    rules: Rules,
    received: dict[object, int],
    start: Start,
    lo: int | None = None,
    hi: int | None = None,
) -> Outcome:
    """The pass over the movements with `lo <= id < hi`, from what `start` says came before.

    A movement whose stored values cannot be read is noted and the pass goes on: one bad
    row must not hide the problems after it.
    """
    out = Outcome()
    found = out.found
    add = found.append
    suspicious = out.suspicious.append
    sqlite = rules.dialect == "sqlite"
    derive = replay.hasher(rules.dialect)
    sha256 = hashlib.sha256
    balances = dict(start.balances)
    touched: set[object] = set()
    expected_prev = start.expected_prev
    expected_id = start.expected_id
    # Whether expected_prev is known to be in its stored form (a genesis or a verified hash).
    expected_ok = expected_prev == GENESIS_HASH
    latest_entry = start.latest_entry
    time_form = _TIME.fullmatch
    kinds = rules.kinds
    several = len(rules.starts) > 1
    current = rules.policies[-1] if rules.policies else ""
    zone = _zone(rules.zone)
    # Witnesses a kind needs when the policy cannot change the answer; the others are
    # judged row by row under the settings in force when the movement was entered.
    fixed: dict[str, int] = {}
    per_row: dict[str, tuple[int, bool]] = {}
    for kind, (witnesses, relaxes) in rules.witnesses.items():
        if witnesses and relaxes and several:
            per_row[kind] = (witnesses, relaxes)
        elif witnesses:
            policy = current or "required"
            fixed[kind] = 0 if relaxes and policy != "required" else witnesses
    count = 0

    def unreadable(mid: object, exc: Exception) -> None:
        at = movement_id(mid)
        add(
            Unreadable(
                at,
                at or expected_id,
                f"movement {shown(mid)} holds a value vialbook cannot read ({exc})",
            )
        )

    for batch in replay.batches(raw, rules.dialect, lo, hi):
        for r in batch:
            (
                mid,
                event,
                entered,
                kind,
                registration,
                vial,
                amount,
                actor,
                w1,
                w2,
                patient,
                infusion,
                original,
                late,
                reason,
                method,
                detail,
                prev,
                stored,
            ) = r
            count += 1
            # The stored forms, cheaply; anything unusual is weighed exactly by check_forms.
            # The hashes are judged below: a hash equal to the one derived here is in its form,
            # and so is a link equal to it.
            if sqlite:
                canonical = (
                    type(mid) is int
                    and type(registration) is int
                    and type(vial) is int
                    and type(amount) is int
                    and type(actor) is int
                    and (w1 is None or type(w1) is int)
                    and (w2 is None or type(w2) is int)
                    and (patient is None or type(patient) is int)
                    and (infusion is None or type(infusion) is int)
                    and (original is None or type(original) is int)
                    and type(late) is int
                    and (late == 0 or late == 1)
                    and (reason is None or type(reason) is str)
                    and (method is None or type(method) is str)
                    and (detail is None or type(detail) is str)
                    and kind in kinds
                    and type(event) is str
                    and type(entered) is str
                    and time_form(event) is not None
                    and time_form(entered) is not None
                    and (event[8:10] <= "28" or _real_day(event))
                    and (entered[8:10] <= "28" or _real_day(entered))
                )
            else:
                canonical = event is not None and entered is not None and kind in kinds
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
                linked = False
            else:
                linked = expected_ok
            hashed = False
            try:
                if canonical and sqlite:
                    # The common case, written out: `derive` with its time conversion inlined.
                    text = canonical_text(
                        mid,
                        f"{event[:10]}T{event[11:]}Z",
                        f"{entered[:10]}T{entered[11:]}Z",
                        kind,
                        registration,
                        vial,
                        amount,
                        actor,
                        w1,
                        w2,
                        patient,
                        infusion,
                        original,
                        late,
                        reason,
                        method,
                        detail,
                    )
                    derived = sha256(bytes.fromhex(prev) + text.encode("utf-8")).hexdigest()
                else:
                    derived = derive(prev, r)
                hashed = derived == stored
                if not hashed:
                    add(
                        Problem(
                            mid,
                            "HashMismatch",
                            f"movement {mid}'s content does not match its hash; it was altered",
                        )
                    )
            except (ValueError, TypeError, OverflowError, AttributeError) as exc:
                unreadable(mid, exc)
            expected_ok = hashed or _hash_ok(stored)
            if not (canonical and expected_ok and (linked or _hash_ok(prev))):
                suspicious(mid)
            try:
                bal = balances.get(vial, 0) + amount
                balances[vial] = bal
                touched.add(vial)
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
            needed = fixed.get(kind, 0) if type(kind) is str else 0
            if per_row and type(kind) is str and kind in per_row:
                witnesses, relaxes = per_row[kind]
                when = _instant(entered)
                policy = (rules.policy_at(when) if when else "") or "required"
                needed = 0 if relaxes and policy != "required" else witnesses
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
                                f"{when.astimezone(zone):%Y-%m-%d %H:%M} on the clinic's clock, "
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
    out.count = count
    out.last_hash = expected_prev if count else None
    out.balances = {vial: balances[vial] for vial in touched}
    return out
