"""The theft-and-loss log: every loss entry, with when it was discovered, why, who recorded it
and the registrant who answers for it, and room for its discrepancy and DEA Form 106 status.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from ledger.access import Actor
from ledger.database import Database
from ledger.models import Movement, MovementKind, Product, User, Vial
from ledger.models.base import table_of
from reports.model import Column, Kind, Part, Report, Row
from reports.scope import (
    Request,
    Scope,
    mg,
    movement_range,
    open_scope,
    schedule_text,
    stream,
    syringe_ml,
)
from reports.totals import (
    REVERSALS_NOTE,
    by_product,
    in_schedule,
    none_total,
    product_figures,
    reversal_of,
)

COLUMNS = (
    Column("Discovered", Kind.DATETIME, width=15),
    Column("Recorded", Kind.DATETIME, width=15),
    Column("Vial", width=10),
    Column("Product", width=20, wrap=True),
    Column("Schedule", width=6),
    Column("NDC", width=13),
    Column("Lot", width=8),
    Column("Quantity mg", Kind.DECIMAL, places=3, width=10),
    Column("Quantity mL", Kind.DECIMAL, places=2, width=8),
    Column("Reason", width=22, wrap=True),
    Column("Recorded by", width=14, wrap=True),
    Column("Registrant", width=14, wrap=True),
    # Filled in once discrepancies and Form 106 filings are recorded in the ledger.
    Column("Discrepancy", width=10, wrap=True),
    Column("Form 106 status", width=12, wrap=True),
    Column("Note", width=14, wrap=True),
)


def _statement(scope: Scope) -> sa.Select:  # type: ignore[type-arg]
    m, v, p = table_of(Movement), table_of(Vial), table_of(Product)
    by = table_of(User).alias("recorded_by")
    r, reversed_on = reversal_of(m, scope)
    return (
        sa.select(
            m.c.id,
            m.c.event_at,
            m.c.entered_at,
            m.c.amount_ug,
            m.c.reason,
            m.c.late,
            v.c.label,
            v.c.lot,
            p.c.name.label("product"),
            p.c.schedule,
            p.c.ndc,
            p.c.strength_ug_per_ml,
            by.c.full_name.label("by"),
            r.c.id.label("reversed_by"),
        )
        .select_from(
            m.join(v, v.c.id == m.c.vial_id)
            .join(p, p.c.id == v.c.product_id)
            .join(by, by.c.id == m.c.actor_id)
            .outerjoin(r, reversed_on)
        )
        .where(m.c.kind == MovementKind.LOSS, scope.in_period(m), in_schedule(m, scope))
        .order_by(m.c.event_at, m.c.id)
    )


def _row(scope: Scope) -> Callable[[sa.Row], Row]:  # type: ignore[type-arg]
    def convert(row: sa.Row) -> Row:  # type: ignore[type-arg]
        notes = ["late entry"] if row.late else []
        if row.reversed_by is not None:
            notes.append(f"reversed by #{row.reversed_by}")
        return (
            scope.local(row.event_at),
            scope.local(row.entered_at),
            row.label,
            row.product,
            schedule_text(row.schedule),
            row.ndc,
            row.lot,
            mg(-row.amount_ug),
            syringe_ml(-row.amount_ug, row.strength_ug_per_ml),
            row.reason,
            row.by,
            scope.registrant,
            None,
            None,
            "; ".join(notes),
        )

    return convert


def build(db: Database, actor: Actor, request: Request) -> Report:
    m = table_of(Movement)
    with db.read() as session:
        scope = open_scope(session, actor, request)
        first, last = movement_range(
            session, scope, sa.and_(m.c.kind == MovementKind.LOSS, in_schedule(m, scope))
        )
        lost = product_figures(session, scope, (MovementKind.LOSS,))
    return Report(
        name="loss-log",
        title="Theft and loss log",
        header=scope.header(),
        period=scope.period,
        filters=scope.filters(),
        parts=(
            Part(
                title="Thefts and losses",
                columns=COLUMNS,
                rows=stream(db, _statement(scope), _row(scope)),
                totals=by_product((lost, "Losses", "Lost")) or none_total("Losses"),
                note="A theft or significant loss is reported to DEA in writing within one "
                "business day of its discovery, and on DEA Form 106 within 45 days "
                "(21 CFR 1301.76(b)). 'Discovered' is when the loss was found; 'Recorded' is "
                "when it was entered. " + REVERSALS_NOTE,
            ),
        ),
        integrity=scope.integrity(first, last),
        signatures=("Registrant",),
        timezone=scope.timezone,
        registration=scope.dea_number,
    )
