"""Destruction and returns: on-site destructions with their DEA Form 41 data and both
witnesses, transfers to reverse distributors, and transfers between registrations.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from ledger.access import Actor
from ledger.database import Database
from ledger.details import DistributorReturn, Form41, TransferRecord
from ledger.models import Movement, MovementKind, Product, User, Vial
from ledger.models.base import table_of
from ledger.units import strength_text
from reports.model import Column, Kind, Part, Report, Row
from reports.scope import Request, Scope, mg, movement_range, open_scope, stream
from reports.totals import (
    REVERSALS_NOTE,
    ProductFigures,
    by_product,
    in_schedule,
    none_total,
    product_figures,
    reversal_of,
)

K = MovementKind

DESTRUCTION = (
    Column("Date and time", Kind.DATETIME, width=15),
    Column("Vial", width=10),
    Column("NDC", width=13),
    Column("Drug name", width=18, wrap=True),
    Column("Strength", width=9),
    Column("Form", width=12, wrap=True),
    Column("Container mL", width=7),
    Column("Containers", Kind.INTEGER, width=7),
    Column("Sealed", width=6),
    Column("Lot", width=8),
    Column("Quantity mg", Kind.DECIMAL, places=3, width=10),
    Column("Method", width=18, wrap=True),
    Column("Reason", width=16, wrap=True),
    Column("Witness 1", width=14, wrap=True),
    Column("Witness 2", width=14, wrap=True),
    Column("Recorded by", width=14, wrap=True),
    Column("Note", width=10, wrap=True),
)
RETURNS = (
    Column("Date and time", Kind.DATETIME, width=15),
    Column("Vial", width=10),
    Column("Product", width=20, wrap=True),
    Column("NDC", width=13),
    Column("Lot", width=8),
    Column("Quantity mg", Kind.DECIMAL, places=3, width=10),
    Column("Reverse distributor", width=18, wrap=True),
    Column("Distributor address", width=24, wrap=True),
    Column("Distributor DEA", width=10),
    Column("Invoice", width=10),
    Column("Reason", width=18, wrap=True),
    Column("Recorded by", width=14, wrap=True),
    Column("Note", width=10, wrap=True),
)
TRANSFERS = (
    Column("Date and time", Kind.DATETIME, width=15),
    Column("Direction", width=8),
    Column("Vial", width=10),
    Column("Product", width=20, wrap=True),
    Column("NDC", width=13),
    Column("Lot", width=8),
    Column("Quantity mg", Kind.DECIMAL, places=3, width=10),
    Column("From", width=10),
    Column("To", width=10),
    Column("Reference", width=12, wrap=True),
    Column("Reason", width=18, wrap=True),
    Column("Recorded by", width=14, wrap=True),
)


def _statement(scope: Scope, kinds: tuple[str, ...]) -> sa.Select:  # type: ignore[type-arg]
    m, v, p = table_of(Movement), table_of(Vial), table_of(Product)
    by = table_of(User).alias("done_by")
    w1 = table_of(User).alias("witness1")
    w2 = table_of(User).alias("witness2")
    r, reversed_on = reversal_of(m, scope)
    return (
        sa.select(
            m.c.id,
            m.c.event_at,
            m.c.kind,
            m.c.amount_ug,
            m.c.reason,
            m.c.method,
            m.c.detail,
            v.c.label,
            v.c.lot,
            p.c.name.label("product"),
            p.c.ndc,
            p.c.strength_ug_per_ml,
            by.c.full_name.label("by"),
            w1.c.full_name.label("witness1"),
            w2.c.full_name.label("witness2"),
            r.c.id.label("reversed_by"),
        )
        .select_from(
            m.join(v, v.c.id == m.c.vial_id)
            .join(p, p.c.id == v.c.product_id)
            .join(by, by.c.id == m.c.actor_id)
            .outerjoin(w1, w1.c.id == m.c.witness_id)
            .outerjoin(w2, w2.c.id == m.c.witness2_id)
            .outerjoin(r, reversed_on)
        )
        .where(m.c.kind.in_(kinds), scope.in_period(m), in_schedule(m, scope))
        .order_by(m.c.event_at, m.c.id)
    )


def _reversed(row: sa.Row) -> str:  # type: ignore[type-arg]
    return f"reversed by #{row.reversed_by}" if row.reversed_by is not None else ""


def _destruction(scope: Scope) -> Callable[[sa.Row], Row]:  # type: ignore[type-arg]
    def convert(row: sa.Row) -> Row:  # type: ignore[type-arg]
        f41 = Form41.from_detail(row.detail)
        return (
            scope.local(row.event_at),
            row.label,
            f41.ndc if f41 else row.ndc,
            f41.name if f41 else row.product,
            f41.strength if f41 else strength_text(row.strength_ug_per_ml),
            f41.dosage_form if f41 else "",
            f41.container_ml if f41 else "",
            f41.containers if f41 else 1,
            "yes" if f41 and f41.sealed else "no",
            row.lot,
            mg(-row.amount_ug),
            row.method,
            row.reason,
            row.witness1 or "NONE",
            row.witness2 or "NONE",
            row.by,
            _reversed(row),
        )

    return convert


def _return(scope: Scope) -> Callable[[sa.Row], Row]:  # type: ignore[type-arg]
    def convert(row: sa.Row) -> Row:  # type: ignore[type-arg]
        rd = DistributorReturn.from_detail(row.detail)
        return (
            scope.local(row.event_at),
            row.label,
            row.product,
            row.ndc,
            row.lot,
            mg(-row.amount_ug),
            rd.reverse_distributor if rd else "",
            rd.address if rd else "",
            rd.dea_number if rd else "",
            rd.invoice_number if rd else "",
            row.reason,
            row.by,
            _reversed(row),
        )

    return convert


def _transfer(scope: Scope) -> Callable[[sa.Row], Row]:  # type: ignore[type-arg]
    def convert(row: sa.Row) -> Row:  # type: ignore[type-arg]
        t = TransferRecord.from_detail(row.detail)
        return (
            scope.local(row.event_at),
            "out" if row.kind == MovementKind.TRANSFER_OUT else "in",
            row.label,
            row.product,
            row.ndc,
            row.lot,
            mg(abs(row.amount_ug)),
            t.source if t else "",
            t.to if t else "",
            (t.reference or "") if t else "",
            row.reason,
            row.by,
        )

    return convert


def build(db: Database, actor: Actor, request: Request) -> Report:
    m = table_of(Movement)
    kinds = (K.DESTROY, K.RETURN, K.TRANSFER_OUT, K.TRANSFER_IN)
    with db.read() as session:
        scope = open_scope(session, actor, request)
        first, last = movement_range(
            session, scope, sa.and_(m.c.kind.in_(kinds), in_schedule(m, scope))
        )

        def figures(kind: str, sign: int = -1) -> list[ProductFigures]:
            return product_figures(session, scope, (kind,), sign=sign)

        destroyed = by_product((figures(K.DESTROY), "Containers destroyed", "Destroyed"))
        returned = by_product((figures(K.RETURN), "Containers returned", "Returned"))
        transferred = by_product(
            (figures(K.TRANSFER_OUT), "Containers transferred out", "Transferred out"),
            (figures(K.TRANSFER_IN, 1), "Containers transferred in", "Transferred in"),
        )
    return Report(
        name="destruction-log",
        title="Destruction, returns and transfers",
        header=scope.header(),
        period=scope.period,
        filters=scope.filters(),
        parts=(
            Part(
                title="Destruction on site (DEA Form 41)",
                sheet="Destruction (Form 41)",
                columns=DESTRUCTION,
                rows=stream(db, _statement(scope, (K.DESTROY,)), _destruction(scope)),
                totals=destroyed or none_total("Containers destroyed"),
                note="Each destruction made the drug non-retrievable before two witnesses. "
                + REVERSALS_NOTE,
            ),
            Part(
                title="Returns to reverse distributors",
                sheet="Returns",
                columns=RETURNS,
                rows=stream(db, _statement(scope, (K.RETURN,)), _return(scope)),
                totals=returned or none_total("Containers returned"),
                note=REVERSALS_NOTE,
            ),
            Part(
                title="Transfers between registrations",
                sheet="Transfers",
                columns=TRANSFERS,
                rows=stream(
                    db, _statement(scope, (K.TRANSFER_OUT, K.TRANSFER_IN)), _transfer(scope)
                ),
                totals=transferred or none_total("Containers transferred"),
                note="A transfer cannot be reversed; a transfer back is recorded instead.",
            ),
        ),
        integrity=scope.integrity(first, last),
        signatures=("Registrant", "Witness 1", "Witness 2"),
        timezone=scope.timezone,
        registration=scope.dea_number,
    )
