"""Blind counts of the shelf: start, record each vial, submit against the book, approve.

A count never changes a balance by itself. Submitting compares each counted vial with its
book balance at that moment and judges the variance against the clinic's tiers; only a
registrant's approval writes an `adjustment`, and only a confirmed loss writes a `loss`
(ledger/services/discrepancies.py). Nothing returned while counting carries a book amount.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from ledger.access import Actor
from ledger.audited import audited
from ledger.auth import Credentials, authenticate_witness, confirm_witness
from ledger.clock import local_date
from ledger.database import Database
from ledger.details import CountLink
from ledger.errors import (
    AlreadyApproved,
    CountNotOpen,
    CountReadingInvalid,
    CountWitnessMismatch,
    ImportRejected,
    InvalidText,
    NothingToApprove,
    Refusal,
    UnknownRecord,
    WitnessRequired,
)
from ledger.models import (
    Count,
    CountApproval,
    CountKind,
    CountLine,
    CountResult,
    Discrepancy,
    MovementKind,
    Outcome,
    User,
    Vial,
    VialBalance,
    VialState,
)
from ledger.models.base import table_of
from ledger.queries.registrations import registration_for
from ledger.queries.vials import label_to_find
from ledger.services.rules import product_of
from ledger.text import clean_text
from ledger.unit_of_work import UnitOfWork, act, look

AT = ("opening", "close")
#: States of a vial still on the shelf, so on the book a count compares with.
ON_SHELF = (VialState.SEALED, VialState.OPEN, VialState.EMPTY, VialState.QUARANTINED)
_ML = re.compile(r"(?P<num>[0-9]{1,4}(?:\.[0-9]+)?|\.[0-9]+)\s*ml", re.IGNORECASE)


# -- starting ---------------------------------------------------------------------------------
@audited("count.start")
def start_count(
    db: Database,
    actor: Actor,
    *,
    kind: str = CountKind.ROUTINE,
    at: str | None = None,
    witness: str | None = None,
    registration: str | None = None,
) -> int:
    """Open a count and return its id. The witness is named here and signs in at approval."""
    if kind not in {k.value for k in CountKind}:
        raise InvalidText(f"count kind must be one of {', '.join(k.value for k in CountKind)}")
    if at is not None and at not in AT:
        raise InvalidText("a count is taken at the 'opening' or 'close' of business")
    with act(db, actor, "count") as tx:
        reg = registration_for(tx.session, registration)
        witness_id = None
        if witness:
            name = witness.strip().lower()
            w = (
                tx.session.exec(select(User).where(User.username == name)).first()
                if name.isprintable() and len(name) <= 64
                else None
            )
            if w is None or w.id is None:
                raise UnknownRecord(f"no user {witness!r}", subject=witness)
            # The same checks as any witness: someone else, active, a nurse or the registrant.
            confirm_witness(tx.session, actor, Actor(w.id, w.username))
            witness_id = w.id
        assert reg.id is not None
        count = Count(
            registration_id=reg.id,
            kind=kind,
            at=at,
            started_at=tx.entered_at,
            started_by_id=tx.user_id,
            witness_id=witness_id,
        )
        tx.session.add(count)
        tx.session.flush()
        assert count.id is not None
        tx.audit(detail={"count": count.id, "kind": kind, "at": at})
        return count.id


# -- recording --------------------------------------------------------------------------------
def _open_count(tx: UnitOfWork, count_id: int) -> Count:
    count = tx.session.get(Count, count_id)
    if count is None:
        raise UnknownRecord(f"no count {count_id}", subject=str(count_id))
    if count.submitted_at is not None:
        raise CountNotOpen(f"count {count_id} was submitted; start a new count to count again")
    return count


def _ml_to_ul(text: str) -> int:
    m = _ML.fullmatch(text.strip()) if isinstance(text, str) and len(text) < 20 else None
    if m is None:
        raise CountReadingInvalid(f"{text!r} is not a reading; write the mL read, like 3.2mL")
    ul = Decimal(m["num"]) * 1000
    if ul != ul.to_integral_value():
        raise CountReadingInvalid(f"{text!r} is finer than a microlitre; no vial reads so")
    return int(ul)


def _record(tx: UnitOfWork, count: Count, label: str, reading: str) -> dict[str, Any]:
    """One line: present or missing for a sealed vial, mL read off an open one."""
    vial = tx.session.exec(select(Vial).where(Vial.label == label_to_find(label))).first()
    if vial is None or vial.id is None:
        raise UnknownRecord(f"no vial labelled {label!r}", subject=label)
    if vial.registration_id != count.registration_id:
        raise CountReadingInvalid(f"vial {vial.label} is not held under this count's registration")
    product = product_of(tx.session, vial)
    sealed = vial.opened_at is None
    reading = reading.strip().lower() if isinstance(reading, str) else ""
    counted_ul: int | None = None
    if reading in ("present", "missing"):
        if not sealed:
            raise CountReadingInvalid(
                f"vial {vial.label} is open: read its content off the graduations in mL"
            )
        counted_ug = vial.received_ug if reading == "present" else 0
    else:
        if sealed:
            raise CountReadingInvalid(f"vial {vial.label} is sealed: it is present or missing")
        counted_ul = _ml_to_ul(reading)
        if counted_ul > product.volume_ul:
            raise CountReadingInvalid(
                f"vial {vial.label} holds at most {Decimal(product.volume_ul) / 1000} mL"
            )
        exact = counted_ul * product.strength_ug_per_ml
        if exact % 1000:
            raise CountReadingInvalid(f"{reading} is not a whole number of µg of this product")
        counted_ug = exact // 1000
        reading = "ml"
    b = table_of(VialBalance)
    last = tx.session.execute(
        sa.select(b.c.last_movement_id).where(b.c.vial_id == vial.id)
    ).scalar()
    assert count.id is not None
    line = CountLine(
        count_id=count.id,
        vial_id=vial.id,
        reading=reading,
        counted_ul=counted_ul,
        counted_ug=counted_ug,
        recorded_at=tx.entered_at,
        recorded_by_id=tx.user_id,
        vial_last_movement_id=last,
    )
    tx.session.add(line)
    tx.session.flush()
    # Blind: the counter's own reading, never the book.
    out: dict[str, Any] = {"count": count.id, "line": line.id, "vial": vial.label}
    out["reading"] = reading if reading != "ml" else "ml"
    if counted_ul is not None:
        out["counted_ml"] = str(Decimal(counted_ul) / 1000)
    return out


@audited("count.record")
def record_line(
    db: Database, actor: Actor, count_id: int, *, vial: str, reading: str
) -> dict[str, Any]:
    """Record one vial (again: the new line replaces the earlier one, which stays as history)."""
    with act(db, actor, "count") as tx:
        count = _open_count(tx, count_id)
        out = _record(tx, count, vial, reading)
        tx.audit(action="count.record", detail=out)
        return out


@audited("count.import")
def import_lines(db: Database, actor: Actor, count_id: int, data: bytes | str) -> int:
    """A paper count sheet, `vial,present|missing|ML` a line: every line or none."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    rows = list(csv.reader(io.StringIO(text)))
    with act(db, actor, "count") as tx:
        count = _open_count(tx, count_id)
        n = 0
        for number, row in enumerate(rows, start=1):
            if not row or not "".join(row).strip():
                continue
            if number == 1 and row[0].strip().lower() == "vial":
                continue  # a header
            if len(row) != 2:
                raise ImportRejected(f"line {number}: write `vial,present|missing|mL`")
            try:
                _record(tx, count, row[0], row[1])
            except Refusal as exc:
                raise ImportRejected(
                    f"line {number}: {exc.rule}: {exc.message}", subject=str(number)
                ) from None
            n += 1
        tx.audit(action="count.import", detail={"count": count_id, "lines": n})
        return n


# -- submitting ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResultLine:
    vial: str
    book_ug: int
    counted_ug: int | None
    variance_ug: int | None
    #: The variance in mL through the product's strength, as exact decimal text.
    variance_ml: str | None
    outcome: str
    discrepancy: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "vial": self.vial,
            "book_ug": self.book_ug,
            "counted_ug": self.counted_ug,
            "variance_ug": self.variance_ug,
            "variance_ml": self.variance_ml,
            "outcome": self.outcome,
            "discrepancy": self.discrepancy,
        }


def judge(variance_ug: int, strength_ug_per_ml: int, accept_ul: int, signoff_ul: int) -> str:
    """The tier of an absolute variance, compared exactly in µg·mL/1000 (no division)."""
    scaled = abs(variance_ug) * 1000
    if scaled <= accept_ul * strength_ug_per_ml:
        return Outcome.ACCEPTED
    if scaled <= signoff_ul * strength_ug_per_ml:
        return Outcome.NEEDS_SIGNOFF
    return Outcome.DISCREPANCY


def _variance_ml(variance_ug: int, strength: int) -> str:
    return str((Decimal(variance_ug) / Decimal(strength)).normalize() + 0)


def _current_lines(tx: UnitOfWork, count_id: int) -> dict[int, CountLine]:
    lines = tx.session.exec(
        select(CountLine).where(CountLine.count_id == count_id).order_by(col(CountLine.id))
    ).all()
    return {line.vial_id: line for line in lines}  # the latest line of each vial wins


@audited("count.submit")
def submit_count(db: Database, actor: Actor, count_id: int) -> list[ResultLine]:
    """Judge every vial against its book balance now; open a discrepancy where it is due."""
    with act(db, actor, "count") as tx:
        count = _open_count(tx, count_id)
        settings = tx.settings
        lines = _current_lines(tx, count_id)
        # The chain head locked: no movement slips in between reading the book and judging.
        _ = tx.posting
        b = table_of(VialBalance)
        v = table_of(Vial)
        book_rows = tx.session.execute(
            sa.select(v.c.id, b.c.balance_ug, b.c.last_movement_id)
            .join(b, b.c.vial_id == v.c.id)
            .where(v.c.registration_id == count.registration_id)
        ).all()
        book = {row.id: (int(row.balance_ug), row.last_movement_id) for row in book_rows}
        on_book = {
            vial_id for vial_id, (balance, _) in book.items() if balance > 0 or vial_id in lines
        }
        out: list[ResultLine] = []
        today = local_date(settings.timezone, tx.entered_at)
        strengths: dict[int, int] = {}
        # One query for every vial judged, not one per vial.
        vials = {
            v.id: v for v in tx.session.exec(select(Vial).where(col(Vial.id).in_(on_book))).all()
        }
        for vial_id in sorted(on_book):
            vial = vials[vial_id]
            if vial.state not in ON_SHELF and vial_id not in lines:
                continue
            if vial.product_id not in strengths:
                strengths[vial.product_id] = product_of(tx.session, vial).strength_ug_per_ml
            strength = strengths[vial.product_id]
            balance, last = book.get(vial_id, (0, None))
            line = lines.get(vial_id)
            counted = variance = None
            if line is None:
                outcome: str = Outcome.NOT_COUNTED
            else:
                counted = line.counted_ug
                variance = counted - balance
                if line.vial_last_movement_id != last:
                    outcome = Outcome.RECOUNT  # it moved after it was counted
                elif line.reading == "missing":
                    outcome = Outcome.DISCREPANCY
                else:
                    outcome = judge(
                        variance, strength, settings.count_accept_ul, settings.count_signoff_ul
                    )
            result = CountResult(
                count_id=count_id,
                vial_id=vial_id,
                line_id=line.id if line else None,
                book_ug=balance,
                counted_ug=counted,
                variance_ug=variance,
                outcome=outcome,
            )
            tx.session.add(result)
            opened = None
            if outcome == Outcome.DISCREPANCY:
                tx.session.flush()  # the discrepancy points at its result
                assert result.id is not None and variance is not None
                found = Discrepancy(
                    registration_id=count.registration_id,
                    vial_id=vial_id,
                    result_id=result.id,
                    short_ug=-variance,
                    discovered_on=today,
                    opened_at=tx.entered_at,
                )
                tx.session.add(found)
                tx.session.flush()
                opened = found.id
            out.append(
                ResultLine(
                    vial=vial.label,
                    book_ug=balance,
                    counted_ug=counted,
                    variance_ug=variance,
                    variance_ml=None if variance is None else _variance_ml(variance, strength),
                    outcome=outcome,
                    discrepancy=opened,
                )
            )
        count.submitted_at = tx.entered_at
        count.submitted_by_id = tx.user_id
        tx.session.add(count)
        tx.audit(
            action="count.submit",
            detail={"count": count_id, "outcomes": {r.vial: r.outcome for r in out}},
        )
        return out


def count_results(db: Database, actor: Actor, count_id: int) -> list[ResultLine]:
    """A submitted count's results, as judged at submission."""
    with look(db, actor) as tx:
        count = tx.session.get(Count, count_id)
        if count is None:
            raise UnknownRecord(f"no count {count_id}", subject=str(count_id))
        rows = tx.session.exec(
            select(CountResult)
            .where(CountResult.count_id == count_id)
            .order_by(col(CountResult.id))
        ).all()
        out = []
        for r in rows:
            vial = tx.session.get(Vial, r.vial_id)
            assert vial is not None
            strength = product_of(tx.session, vial).strength_ug_per_ml
            found = tx.session.exec(
                select(Discrepancy.id).where(Discrepancy.result_id == r.id)
            ).first()
            out.append(
                ResultLine(
                    vial=vial.label,
                    book_ug=r.book_ug,
                    counted_ug=r.counted_ug,
                    variance_ug=r.variance_ug,
                    variance_ml=None
                    if r.variance_ug is None
                    else _variance_ml(r.variance_ug, strength),
                    outcome=r.outcome,
                    discrepancy=found,
                )
            )
        return out


# -- approving ------------------------------------------------------------------------------------
@audited("count.approve")
def approve(
    db: Database,
    actor: Actor,
    count_id: int,
    *,
    vial: str,
    reason: str,
    witness: Credentials | None,
) -> int:
    """The registrant signs off a variance in the second tier: one witnessed `adjustment`,
    linked to the count line, in the same transaction as the approval. Returns its movement.

    The registrant is the acting user, so they signed in with their own password for this
    command. An adjustment needs a witness (ledger/kinds.py): the count's witness, who saw
    the shelf, re-enters their password; a count started without a witness takes any
    qualified witness who does.
    """
    why = clean_text(reason, "reason", 500)
    if witness is None:
        raise WitnessRequired("a count approval writes an adjustment, which needs a witness")
    witness_actor = authenticate_witness(db, actor, witness)
    with act(db, actor, "count.approve") as tx:
        count = tx.session.get(Count, count_id)
        if count is None:
            raise UnknownRecord(f"no count {count_id}", subject=str(count_id))
        v = tx.posting.vial_by_label(vial)
        result = tx.session.exec(
            select(CountResult).where(CountResult.count_id == count_id, CountResult.vial_id == v.id)
        ).first()
        if result is None or result.outcome != Outcome.NEEDS_SIGNOFF:
            what = "no result" if result is None else f"the outcome {result.outcome}"
            raise NothingToApprove(
                f"count {count_id} has {what} for vial {v.label}; only a variance that needs "
                "sign-off is approved"
            )
        if tx.session.exec(
            select(CountApproval.id).where(CountApproval.result_id == result.id)
        ).first():
            raise AlreadyApproved(f"vial {v.label} of count {count_id} was already approved")
        if count.witness_id is not None and count.witness_id != witness_actor.user_id:
            raise CountWitnessMismatch(
                f"count {count_id} was witnessed by someone else; that witness signs the approval"
            )
        w = confirm_witness(tx.session, actor, witness_actor)
        assert result.id is not None and result.variance_ug is not None and w.id is not None
        posted = tx.posting.move(
            kind=MovementKind.ADJUSTMENT,
            vial=v,
            amount_ug=result.variance_ug,
            actor_id=tx.user_id,
            event_at=tx.entered_at,
            witness_id=w.id,
            reason=why,
            detail=CountLink(
                count=count_id, count_line=result.line_id, count_result=result.id
            ).to_detail(),
        )
        tx.posting.settle_state(v)
        # The movement is written before the approval that points at it; act() finds
        # nothing left to write and commits both together.
        tx.posting.finish()
        tx.session.add(
            CountApproval(
                result_id=result.id,
                movement_id=posted.id,
                approved_at=tx.entered_at,
                approved_by_id=tx.user_id,
                witness_id=w.id,
                reason=why,
            )
        )
        tx.audit(
            action="count.approve",
            detail={"count": count_id, "vial": v.label, "movement": posted.id},
        )
        return posted.id
