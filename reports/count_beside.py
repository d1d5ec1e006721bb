"""The physical count beside the accountability audit: per product, the last count submitted
in the period (or the first one just after it), what it found, and the vial lines whose
count differed from the book, with the approval or discrepancy that answered each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from ledger.clock import local_date
from ledger.models import (
    Count,
    CountApproval,
    CountResult,
    Discrepancy,
    Outcome,
    Product,
    Vial,
)
from reports.model import Column, Kind, Row
from reports.scope import Scope, mg


@dataclass
class ProductCount:
    """One product's figures in the chosen count, in µg."""

    count_id: int
    day: date
    counted_ug: int = 0
    variance_ug: int = 0
    #: Vials on the book that the count left out (its total is then incomplete).
    not_counted: int = 0
    lines: list[Row] = field(default_factory=list)


LINES = (
    Column("Count", Kind.INTEGER, width=6),
    Column("Day", Kind.DATE, width=10),
    Column("Vial", width=10),
    Column("Product", width=18, wrap=True),
    Column("NDC", width=13),
    Column("Book mg", Kind.DECIMAL, places=3, width=10),
    Column("Counted mg", Kind.DECIMAL, places=3, width=10),
    Column("Variance mg", Kind.DECIMAL, places=3, width=10),
    Column("Outcome", width=13),
    Column("Note", width=22, wrap=True),
)


def chosen_count(session: Session, scope: Scope) -> Count | None:
    """The last submitted count whose day falls in the period, else the first just after."""
    counts = session.exec(
        select(Count)
        .where(
            Count.registration_id == scope.registration_id,
            col(Count.submitted_at).is_not(None),
            col(Count.started_at) > scope.after,
        )
        .order_by(col(Count.started_at), col(Count.id))
    ).all()
    inside = [c for c in counts if c.started_at <= scope.until]
    if inside:
        return inside[-1]
    return counts[0] if counts else None


def _answer(session: Session, r: CountResult) -> str:
    approval = session.exec(select(CountApproval).where(CountApproval.result_id == r.id)).first()
    if approval is not None:
        return f"approved: adjustment #{approval.movement_id}"
    found = session.exec(select(Discrepancy).where(Discrepancy.result_id == r.id)).first()
    if found is not None:
        return f"discrepancy {found.id} ({found.status})"
    if r.outcome == Outcome.ACCEPTED:
        return "within the accepted tier"
    return ""


def counts_by_product(session: Session, scope: Scope) -> dict[str, ProductCount]:
    """The chosen count's totals per product NDC, with the lines that explain a difference."""
    count = chosen_count(session, scope)
    if count is None or count.id is None:
        return {}
    day = local_date(scope.timezone, count.started_at)
    out: dict[str, ProductCount] = {}
    rows = session.exec(
        select(CountResult, Vial, Product)
        .join(Vial, col(Vial.id) == CountResult.vial_id)
        .join(Product, col(Product.id) == Vial.product_id)
        .where(CountResult.count_id == count.id)
        .order_by(col(Product.name), col(Vial.label))
    ).all()
    for r, v, p in rows:
        figures = out.setdefault(p.ndc, ProductCount(count.id, day))
        if r.counted_ug is None:
            figures.not_counted += 1
        else:
            figures.counted_ug += r.counted_ug
            figures.variance_ug += r.variance_ug or 0
        if r.variance_ug or r.counted_ug is None:
            figures.lines.append(
                (
                    count.id,
                    day,
                    v.label,
                    p.name,
                    p.ndc,
                    mg(r.book_ug),
                    mg(r.counted_ug),
                    mg(r.variance_ug),
                    r.outcome,
                    _answer(session, r),
                )  # fmt: skip
            )
    return out
