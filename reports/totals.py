"""A log's totals, the same way in every report: one group per product, ordered by schedule,
never a figure that adds two drugs together; reversed entries left out of the figures and
shown on their own line.

"Reversed" means a reversal recorded by the end of the period (and within the pinned
ledger head): the same rule marks a row "reversed by #N", so the rows and the totals
never disagree, and the net figures are what the accountability audit counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from ledger.models import Movement, MovementKind, Product, Vial
from ledger.models.base import table_of
from reports.model import Kind, Total
from reports.scope import Scope, mg, schedule_text

#: Said under every table whose totals could include a reversed entry.
REVERSALS_NOTE = (
    "Reversed entries stay in the list, marked as reversed, and are left out of the totals; "
    "each product's reversed entries are shown on their own line."
)


def product_group(schedule: int, product: str, ndc: str) -> str:
    return f"Schedule {schedule_text(schedule)}: {product} (NDC {ndc})"


def reversal_of(
    m: sa.Table, scope: Scope, name: str = "reversal"
) -> tuple[sa.Table, sa.ColumnElement[bool]]:  # type: ignore[type-arg]
    """The reversal of movement `m`, if one was recorded by the end of the period."""
    r = table_of(Movement).alias(name)
    on = sa.and_(
        r.c.original_id == m.c.id,
        r.c.kind == MovementKind.REVERSAL,
        r.c.id <= scope.head_seq,
        r.c.event_at <= scope.until,
    )
    return r, on  # type: ignore[return-value]


def in_schedule(m: sa.Table, scope: Scope) -> sa.ColumnElement[bool]:  # type: ignore[type-arg]
    """Movements of the requested schedule (all of them when none was asked for)."""
    if scope.request.schedule is None:
        return sa.true()
    v, p = table_of(Vial), table_of(Product)
    vials = sa.select(v.c.id).join(p, p.c.id == v.c.product_id)
    return m.c.vial_id.in_(vials.where(p.c.schedule == scope.request.schedule))


@dataclass(frozen=True)
class ProductFigures:
    """One product's entries of the kinds a log lists, in µg (stock out counts positive)."""

    schedule: int
    product: str
    ndc: str
    entries: int
    amount_ug: int
    reversed_entries: int
    reversed_ug: int

    @property
    def group(self) -> str:
        return product_group(self.schedule, self.product, self.ndc)

    def totals(self, entries: str, amount: str) -> tuple[Total, ...]:
        """`entries` counted and `amount` in mg, both net of reversals, then the reversed."""
        return (
            Total(entries, self.entries - self.reversed_entries, Kind.INTEGER, group=self.group),
            Total(amount, mg(self.amount_ug - self.reversed_ug), unit="mg", group=self.group),
            Total(
                f"{amount}: reversed, left out ({self.reversed_entries} "
                f"{'entry' if self.reversed_entries == 1 else 'entries'})",
                mg(self.reversed_ug),
                unit="mg",
                group=self.group,
            ),
        )


def product_figures(
    session: Session,
    scope: Scope,
    kinds: Sequence[str],
    *,
    sign: int = -1,
    where: sa.ColumnElement[bool] | None = None,
) -> list[ProductFigures]:
    """Per product, the period's movements of `kinds` (their amounts times `sign`)."""
    m, v, p = table_of(Movement), table_of(Vial), table_of(Product)
    r, on = reversal_of(m, scope)
    amount = m.c.amount_ug * sign
    reversed_ = r.c.id.is_not(None)
    stmt = (
        sa.select(
            p.c.schedule,
            p.c.name,
            p.c.ndc,
            sa.func.count(m.c.id),
            sa.func.coalesce(sa.func.sum(amount), 0),
            sa.func.coalesce(sa.func.sum(sa.case((reversed_, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((reversed_, amount), else_=0)), 0),
        )
        .select_from(
            m.join(v, v.c.id == m.c.vial_id).join(p, p.c.id == v.c.product_id).outerjoin(r, on)
        )
        .where(m.c.kind.in_(kinds), scope.in_period(m), in_schedule(m, scope))
        .group_by(p.c.schedule, p.c.name, p.c.ndc)
        .order_by(p.c.schedule, p.c.name, p.c.ndc)
    )
    if where is not None:
        stmt = stmt.where(where)
    return [
        ProductFigures(int(s), name, ndc, int(n), int(ug), int(rn), int(rug))
        for s, name, ndc, n, ug, rn, rug in session.execute(stmt)
    ]


def by_product(*kinds: tuple[list[ProductFigures], str, str]) -> tuple[Total, ...]:
    """Several kinds' figures (figures, entries label, amount label), product by product in
    schedule order, each kind's lines in the order given."""
    groups: dict[tuple[int, str, str], list[Total]] = {}
    for figures, entries, amount in kinds:
        for f in figures:
            groups.setdefault((f.schedule, f.product, f.ndc), []).extend(f.totals(entries, amount))
    return tuple(t for key in sorted(groups) for t in groups[key])


def none_total(what: str) -> tuple[Total, ...]:
    """The totals block of a log with no entries in the period."""
    return (Total(what, 0, Kind.INTEGER),)
