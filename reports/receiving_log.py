"""The receiving log (21 CFR 1304.22(c)): each receipt with its supplier, invoice, product,
containers, lot and expiry, and who received it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa

from ledger.access import Actor
from ledger.database import Database
from ledger.models import Movement, MovementKind, Product, Receipt, Supplier, User, Vial
from ledger.models.base import table_of
from ledger.units import strength_text, volume_text
from reports.model import Column, Kind, Part, Report, Row
from reports.scope import Request, Scope, mg, movement_range, open_scope, stream
from reports.totals import (
    REVERSALS_NOTE,
    by_product,
    in_schedule,
    none_total,
    product_figures,
    reversal_of,
)

COLUMNS = (
    Column("Date received", Kind.DATETIME, width=15),
    Column("Supplier", width=16, wrap=True),
    Column("Supplier address", width=22, wrap=True),
    Column("Supplier DEA", width=10),
    Column("Invoice", width=10),
    Column("Product", width=20, wrap=True),
    Column("NDC", width=13),
    Column("Strength", width=9),
    Column("Container mL", Kind.DECIMAL, places=1, width=8),
    Column("Containers", Kind.INTEGER, width=8),
    Column("Total mg", Kind.DECIMAL, places=3, width=10),
    Column("Lot", width=9),
    Column("Lot expires", Kind.DATE, width=10),
    Column("Vial labels", width=18),
    Column("Received by", width=14, wrap=True),
    Column("Note", width=14, wrap=True),
)


def _statement(scope: Scope) -> sa.Select:  # type: ignore[type-arg]
    rc, s, p, u = table_of(Receipt), table_of(Supplier), table_of(Product), table_of(User)
    v, m = table_of(Vial), table_of(Movement)
    r, reversed_on = reversal_of(m, scope)
    # A receipt belongs to the report when its receive movements do: that keeps the
    # registration, the period and the ledger snapshot one and the same rule.
    stmt = (
        sa.select(
            rc.c.id,
            rc.c.received_at,
            rc.c.invoice_number,
            rc.c.lot,
            rc.c.expires,
            rc.c.containers,
            s.c.name.label("supplier"),
            s.c.address.label("supplier_address"),
            s.c.dea_number.label("supplier_dea"),
            p.c.name.label("product"),
            p.c.ndc,
            p.c.strength_ug_per_ml,
            p.c.volume_ul,
            u.c.full_name.label("by"),
            sa.func.min(v.c.label).label("first_label"),
            sa.func.max(v.c.label).label("last_label"),
            sa.func.sum(m.c.amount_ug).label("received_ug"),
            sa.func.max(sa.case((m.c.late, 1), else_=0)).label("late"),
            sa.func.max(m.c.reason).label("reason"),
            sa.func.sum(sa.case((r.c.id.is_not(None), 1), else_=0)).label("reversed"),
        )
        .select_from(
            rc.join(s, s.c.id == rc.c.supplier_id)
            .join(p, p.c.id == rc.c.product_id)
            .join(u, u.c.id == rc.c.received_by_id)
            .join(v, v.c.receipt_id == rc.c.id)
            .join(m, sa.and_(m.c.vial_id == v.c.id, m.c.kind == MovementKind.RECEIVE))
            .outerjoin(r, reversed_on)
        )
        .where(scope.in_period(m), in_schedule(m, scope))
        .group_by(
            rc.c.id,
            rc.c.received_at,
            rc.c.invoice_number,
            rc.c.lot,
            rc.c.expires,
            rc.c.containers,
            s.c.name,
            s.c.address,
            s.c.dea_number,
            p.c.name,
            p.c.ndc,
            p.c.strength_ug_per_ml,
            p.c.volume_ul,
            u.c.full_name,
        )
        .order_by(rc.c.received_at, rc.c.id)
    )
    return stmt


def _row(scope: Scope) -> Callable[[sa.Row], Row]:  # type: ignore[type-arg]
    def convert(row: sa.Row) -> Row:  # type: ignore[type-arg]
        labels = (
            row.first_label
            if row.first_label == row.last_label
            else f"{row.first_label} to {row.last_label}"
        )
        notes = [f"late entry: {row.reason}"] if row.late else []
        if row.reversed:
            notes.append(f"{row.reversed} of {row.containers} containers reversed")
        return (
            scope.local(row.received_at),
            row.supplier,
            row.supplier_address,
            row.supplier_dea,
            row.invoice_number,
            row.product,
            row.ndc,
            strength_text(row.strength_ug_per_ml),
            Decimal(volume_text(row.volume_ul)).quantize(Decimal("0.1")),
            row.containers,
            mg(int(row.received_ug)),
            row.lot,
            row.expires,
            labels,
            row.by,
            "; ".join(notes),
        )

    return convert


def build(db: Database, actor: Actor, request: Request) -> Report:
    m = table_of(Movement)
    with db.read() as session:
        scope = open_scope(session, actor, request)
        narrow = sa.and_(m.c.kind == MovementKind.RECEIVE, in_schedule(m, scope))
        first, last = movement_range(session, scope, narrow)
        received = product_figures(session, scope, (MovementKind.RECEIVE,), sign=1)
    return Report(
        name="receiving-log",
        title="Controlled substance receiving log",
        header=scope.header(),
        period=scope.period,
        filters=scope.filters(),
        parts=(
            Part(
                title="Receipts",
                columns=COLUMNS,
                rows=stream(db, _statement(scope), _row(scope)),
                totals=by_product((received, "Containers received", "Received"))
                or none_total("Containers received"),
                note=REVERSALS_NOTE,
            ),
        ),
        integrity=scope.integrity(first, last),
        timezone=scope.timezone,
        registration=scope.dea_number,
    )
