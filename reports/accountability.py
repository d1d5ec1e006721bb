"""The accountability audit an investigator runs first, per product for a period:

    opening inventory + receipts - administered - wasted - destroyed - lost = expected

with every other way stock moves (breakage, returns, transfers, adjustments) in its
own column, so that `expected` must equal the book balance at the period's end
exactly. A reversal counts against the kind of entry it reverses.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session

from ledger.access import Actor
from ledger.database import Database
from ledger.kinds import IN_KINDS, OUT_KINDS, RULES
from ledger.models import Movement, MovementKind, Product, Vial
from ledger.models.base import table_of
from reports.count_beside import LINES, ProductCount, counts_by_product
from reports.model import Column, Kind, Part, Report, Row, Total, Value
from reports.scope import Request, Scope, mg, movement_range, open_scope
from reports.totals import product_figures

K = MovementKind


def _mg(heading: str) -> Column:
    return Column(heading, Kind.DECIMAL, places=3, width=10)


COLUMNS = (
    Column("Product", width=16, wrap=True),
    Column("NDC", width=12),
    _mg("Opening mg"),
    # One column per kind, headed and ordered as the movement-kind table says.
    *(_mg(f"{RULES[k].column} mg") for k in (*IN_KINDS, *OUT_KINDS, K.ADJUSTMENT)),
    _mg("Expected mg"),
    _mg("Book on hand mg"),
    _mg("Book minus expected mg"),
    Column("Count", Kind.INTEGER, width=5),
    Column("Count day", Kind.DATE, width=10),
    _mg("Physical count mg"),
    _mg("Count minus book at the count mg"),
    _mg("Count minus expected mg"),
)


@dataclass
class ProductAudit:
    """One product's figures in µg. `moved[kind]` is the signed sum of that kind's movements."""

    name: str
    ndc: str
    opening_ug: int = 0
    closing_ug: int = 0
    moved: dict[str, int] = field(default_factory=dict)
    #: The physical count beside it (reports/count_beside.py), when there is one.
    counted: ProductCount | None = None

    def out(self, kind: str) -> int:
        """Stock that left by `kind`, as a positive figure."""
        return -self.moved.get(kind, 0)

    @property
    def expected_ug(self) -> int:
        return (
            self.opening_ug
            + sum(self.moved.get(k, 0) for k in IN_KINDS)
            - sum(self.out(k) for k in OUT_KINDS)
            + self.moved.get(K.ADJUSTMENT, 0)
        )

    def row(self) -> Row:
        return (
            self.name,
            self.ndc,
            mg(self.opening_ug),
            *(mg(self.moved.get(k, 0)) for k in IN_KINDS),
            *(mg(self.out(k)) for k in OUT_KINDS),
            mg(self.moved.get(K.ADJUSTMENT, 0)),
            mg(self.expected_ug),
            mg(self.closing_ug),
            mg(self.closing_ug - self.expected_ug),
            *self._count_cells(),
        )

    def _count_cells(self) -> tuple[Value, ...]:
        c = self.counted
        if c is None:
            return (None, None, None, None, None)
        return (
            c.count_id,
            c.day,
            mg(c.counted_ug),
            mg(c.variance_ug),
            mg(c.counted_ug - self.expected_ug),
        )


def figures(session: Session, scope: Scope) -> list[ProductAudit]:
    """Three grouped queries: balance before, movements during, balance after."""
    m, v, p = table_of(Movement), table_of(Vial), table_of(Product)
    original = m.alias("original")
    mine = sa.and_(m.c.registration_id == scope.registration_id, m.c.id <= scope.head_seq)
    joined = m.join(v, v.c.id == m.c.vial_id).join(p, p.c.id == v.c.product_id)
    audits: dict[str, ProductAudit] = {}

    def audit(row: sa.Row) -> ProductAudit:  # type: ignore[type-arg]
        return audits.setdefault(row.ndc, ProductAudit(row.name, row.ndc))

    def balance(until: sa.ColumnElement[bool]) -> Iterator[sa.Row]:  # type: ignore[type-arg]
        yield from session.execute(
            sa.select(p.c.ndc, p.c.name, sa.func.sum(m.c.amount_ug).label("ug"))
            .select_from(joined)
            .where(mine, until)
            .group_by(p.c.ndc, p.c.name)
        )

    for row in balance(m.c.event_at <= scope.after):
        audit(row).opening_ug = int(row.ug)
    # A reversal is booked to the kind of the entry it reverses.
    category = sa.case((m.c.kind == K.REVERSAL, original.c.kind), else_=m.c.kind).label("category")
    during = (
        sa.select(p.c.ndc, p.c.name, category, sa.func.sum(m.c.amount_ug).label("ug"))
        .select_from(joined.outerjoin(original, original.c.id == m.c.original_id))
        .where(scope.in_period(m))
        .group_by(p.c.ndc, p.c.name, category)
    )
    for row in session.execute(during):
        moved = audit(row).moved
        moved[row.category] = moved.get(row.category, 0) + int(row.ug)
    for row in balance(m.c.event_at <= scope.until):
        audit(row).closing_ug = int(row.ug)
    return sorted(audits.values(), key=lambda a: (a.name, a.ndc))


def build(db: Database, actor: Actor, request: Request) -> Report:
    with db.read() as session:
        scope = open_scope(session, actor, request)
        audits = figures(session, scope)
        counted = counts_by_product(session, scope)
        for a in audits:
            a.counted = counted.get(a.ndc)
        first, last = movement_range(session, scope)
        reversals = product_figures(session, scope, (K.REVERSAL,), sign=1)
    differing = sum(1 for a in audits if a.closing_ug != a.expected_ug)
    rows = [a.row() for a in audits]
    lines = [line for a in audits if a.counted for line in a.counted.lines]
    return Report(
        name="accountability-audit",
        title="Accountability audit",
        header=scope.header(),
        period=scope.period,
        filters=(),
        parts=(
            Part(
                title="Accountability per product",
                columns=COLUMNS,
                rows=lambda: iter(rows),
                totals=(
                    Total("Products audited", len(audits), Kind.INTEGER),
                    Total("Products where book and expected differ", differing, Kind.INTEGER),
                    *(
                        Total(
                            "Reversals, netted out of the columns above",
                            f.entries,
                            Kind.INTEGER,
                            group=f.group,
                        )
                        for f in reversals
                    ),
                ),
                note="Expected = opening + received + transferred in - administered - wasted "
                "- broken - destroyed - returned - lost - transferred out + adjustments. "
                "Opening is the book balance at the end of the day before the period; book on "
                "hand is the balance at the end of its last day. Reversed entries are left out: "
                "a reversal counts against the kind of entry it reverses, and each product's "
                "reversals are shown on their own line. The physical count is the last count "
                "submitted in the period (or the first just after it): what it found, its "
                "difference from the book when it was taken, and from the expected closing.",
            ),
            Part(
                title="Counted vial lines that differ from the book",
                sheet="Count lines",
                columns=LINES,
                rows=lambda: iter(lines),
                note="Each line of the count beside the audit whose count differed from the "
                "book, or that was left out, and what answered it: an approved adjustment, a "
                "discrepancy, or the accepted tier.",
            ),
        ),
        integrity=scope.integrity(first, last),
        signatures=("Audited by", "Registrant"),
        timezone=scope.timezone,
        registration=scope.dea_number,
    )
