"""The waste and breakage log: every witnessed waste of residue and every breakage or spill,
with the amount, the reason, the method, who did it and who witnessed it.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from ledger.access import Actor
from ledger.database import Database
from ledger.models import Movement, MovementKind, Patient, Product, User, Vial
from ledger.models.base import table_of
from ledger.queries.vials import vial_id_for
from reports.model import Column, Kind, Part, Report, Row
from reports.scope import (
    Request,
    Scope,
    mg,
    movement_range,
    open_scope,
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

K = MovementKind
KINDS = (K.WASTE, K.BREAKAGE)

COLUMNS = (
    Column("Date and time", Kind.DATETIME, width=15),
    Column("Kind", width=8),
    Column("Vial", width=10),
    Column("Product", width=20, wrap=True),
    Column("Lot", width=8),
    Column("Amount mg", Kind.DECIMAL, places=3, width=9),
    Column("Amount mL", Kind.DECIMAL, places=2, width=8),
    Column("Reason", width=22, wrap=True),
    Column("Method", width=18, wrap=True),
    Column("By", width=15, wrap=True),
    Column("Witness", width=15, wrap=True),
    Column("Patient (residue of)", width=15, wrap=True),
    Column("Note", width=14, wrap=True),
)


def _statement(scope: Scope, vial_id: int | None) -> sa.Select:  # type: ignore[type-arg]
    m, v, p, pt = table_of(Movement), table_of(Vial), table_of(Product), table_of(Patient)
    r, reversed_on = reversal_of(m, scope)
    by = table_of(User).alias("done_by")
    wit = table_of(User).alias("witness")
    stmt = (
        sa.select(
            m.c.id,
            m.c.event_at,
            m.c.kind,
            m.c.amount_ug,
            m.c.reason,
            m.c.method,
            m.c.late,
            v.c.label,
            v.c.lot,
            p.c.name.label("product"),
            p.c.strength_ug_per_ml,
            by.c.full_name.label("by"),
            wit.c.full_name.label("witness"),
            pt.c.name.label("patient"),
            r.c.id.label("reversed_by"),
        )
        .select_from(
            m.join(v, v.c.id == m.c.vial_id)
            .join(p, p.c.id == v.c.product_id)
            .join(by, by.c.id == m.c.actor_id)
            .outerjoin(wit, wit.c.id == m.c.witness_id)
            .outerjoin(pt, pt.c.id == m.c.patient_id)
            .outerjoin(r, reversed_on)
        )
        .where(m.c.kind.in_(KINDS), scope.in_period(m), in_schedule(m, scope))
        .order_by(m.c.event_at, m.c.id)
    )
    if vial_id is not None:
        stmt = stmt.where(m.c.vial_id == vial_id)
    return stmt


def _row(scope: Scope) -> Callable[[sa.Row], Row]:  # type: ignore[type-arg]
    def convert(row: sa.Row) -> Row:  # type: ignore[type-arg]
        notes = ["late entry"] if row.late else []
        if row.reversed_by is not None:
            notes.append(f"reversed by #{row.reversed_by}")
        return (
            scope.local(row.event_at),
            row.kind,
            row.label,
            row.product,
            row.lot,
            mg(-row.amount_ug),
            syringe_ml(-row.amount_ug, row.strength_ug_per_ml),
            row.reason,
            row.method,
            row.by,
            row.witness or "NONE",
            row.patient,
            "; ".join(notes),
        )

    return convert


def build(db: Database, actor: Actor, request: Request) -> Report:
    m = table_of(Movement)
    with db.read() as session:
        scope = open_scope(session, actor, request)
        vial_id = vial_id_for(session, request.vial) if request.vial else None
        mine = m.c.vial_id == vial_id if vial_id is not None else None
        narrow: sa.ColumnElement[bool] = sa.and_(m.c.kind.in_(KINDS), in_schedule(m, scope))
        if mine is not None:
            narrow = sa.and_(narrow, mine)
        first, last = movement_range(session, scope, narrow)
        totals = by_product(
            (product_figures(session, scope, (K.WASTE,), where=mine), "Wastes", "Wasted"),
            (
                product_figures(session, scope, (K.BREAKAGE,), where=mine),
                "Breakages",
                "Broken or spilled",
            ),
        )
    return Report(
        name="waste-log",
        title="Waste and breakage log",
        header=scope.header(),
        period=scope.period,
        filters=scope.filters(),
        parts=(
            Part(
                title="Waste and breakage",
                columns=COLUMNS,
                rows=stream(db, _statement(scope, vial_id), _row(scope)),
                totals=totals or none_total("Wastes and breakages"),
                note="Waste is the residue of a dose or of a vial past its dates; it needs "
                "no Form 41. Breakage is witnessed and is not a loss. A missing witness shows "
                "as NONE. " + REVERSALS_NOTE,
            ),
        ),
        integrity=scope.integrity(first, last),
        signatures=("Reviewed by", "Registrant"),
        timezone=scope.timezone,
        registration=scope.dea_number,
    )
