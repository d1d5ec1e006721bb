"""A count's result: each vial's book amount at submission, what was counted, the variance
in mg and mL and its outcome, and what answered it (an approval's adjustment, a
discrepancy). The book figures are those judged at submission, as the count recorded them."""

from __future__ import annotations

from sqlmodel import select

from ledger.access import Actor
from ledger.database import Database
from ledger.errors import CountNotSubmitted
from ledger.models import CountApproval, Discrepancy, Outcome
from ledger.units import ml_decimal
from reports.count_record import load_count
from reports.model import Column, Fact, Kind, Part, Report, Row, Total
from reports.scope import Request, mg

COLUMNS = (
    Column("Vial", width=10),
    Column("Product", width=20, wrap=True),
    Column("NDC", width=13),
    Column("Lot", width=10),
    Column("Book mg", Kind.DECIMAL, places=3, width=10),
    Column("Counted mg", Kind.DECIMAL, places=3, width=10),
    Column("Variance mg", Kind.DECIMAL, places=3, width=10),
    Column("Variance mL", Kind.DECIMAL, places=3, width=8),
    Column("Outcome", width=13),
    Column("Note", width=24, wrap=True),
)


def build(db: Database, actor: Actor, request: Request) -> Report:
    with db.read() as session:
        record = load_count(session, actor, request)
        if record.count.submitted_at is None:
            raise CountNotSubmitted(
                f"count {record.count.id} is not submitted: until then it has no result "
                "(and nothing about the book is shown while counting)"
            )
        answers: dict[int, str] = {}
        for v in record.vials:
            if v.result_id is None:
                continue
            approval = session.exec(
                select(CountApproval).where(CountApproval.result_id == v.result_id)
            ).first()
            found = session.exec(
                select(Discrepancy).where(Discrepancy.result_id == v.result_id)
            ).first()
            if approval is not None:
                answers[v.result_id] = (
                    f"approved by the registrant: adjustment #{approval.movement_id}"
                )
            elif found is not None:
                answers[v.result_id] = f"discrepancy {found.id} ({found.status})"
    rows: list[Row] = []
    tally: dict[str, int] = {}
    for v in record.vials:
        if v.outcome is None:
            continue
        tally[v.outcome] = tally.get(v.outcome, 0) + 1
        strength = v.product.strength_ug_per_ml
        rows.append(
            (
                v.label,
                v.product.name,
                v.product.ndc,
                v.lot,
                mg(v.book_ug),
                mg(v.counted_ug),
                mg(v.variance_ug),
                None if v.variance_ug is None else ml_decimal(v.variance_ug, strength),
                v.outcome,
                answers.get(v.result_id or 0, ""),
            )  # fmt: skip
        )
    order = [o.value for o in Outcome]
    totals = tuple(
        Total(f"Vials {outcome.replace('_', ' ')}", n, Kind.INTEGER)
        for outcome, n in sorted(tally.items(), key=lambda kv: order.index(kv[0]))
    )
    when = record.scope.local(record.count.submitted_at)
    return Report(
        name="count-result",
        title=f"Count result: count {record.count.id} ({record.count.kind})",
        header=record.scope.header(),
        period=record.scope.period,
        filters=(*record.facts(), Fact("Submitted", f"{when:%Y-%m-%d %H:%M}")),
        parts=(
            Part(
                title="Book against count, per vial",
                sheet="Result",
                columns=COLUMNS,
                rows=lambda: iter(rows),
                totals=totals,
                note="Book is the vial's balance when the count was submitted. A count never "
                "changes a balance: only an approved variance writes an adjustment, and only a "
                "confirmed loss writes a loss.",
            ),
        ),
        integrity=record.scope.integrity(1 if record.last_seq else None, record.last_seq),
        signatures=("Counted by", "Witness", "Registrant"),
        timezone=record.scope.timezone,
        registration=record.scope.dea_number,
    )
