"""Per-vial proof of use: for each vial touched in the period (or one named vial), every
entry of its whole life, received to empty, with the running balance.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from ledger.access import Actor
from ledger.database import Database
from ledger.models import Movement, Patient, Product, User, Vial
from ledger.models.base import table_of
from ledger.queries.vials import vial_id_for
from reports.model import Column, Fact, Kind, Part, Report, Row, Total
from reports.scope import (
    Request,
    Scope,
    mg,
    open_scope,
    stream,
    syringe_ml,
)

COLUMNS = (
    Column("Vial", width=10),
    Column("Product", width=20, wrap=True),
    Column("Lot", width=8),
    Column("Entry #", Kind.INTEGER, width=7),
    Column("Date and time", Kind.DATETIME, width=15),
    Column("Entry", width=11),
    Column("Patient", width=16, wrap=True),
    Column("Amount mg", Kind.DECIMAL, places=3, width=10),
    Column("Amount mL", Kind.DECIMAL, places=2, width=8),
    Column("Balance mg", Kind.DECIMAL, places=3, width=10),
    Column("By", width=15, wrap=True),
    Column("Witness", width=15, wrap=True),
    Column("Note", width=18, wrap=True),
)


def _vials(scope: Scope, vial_id: int | None) -> sa.ColumnElement[bool]:
    m = table_of(Movement)
    if vial_id is not None:
        return m.c.vial_id == vial_id
    touched = sa.select(m.c.vial_id).where(scope.in_period(m)).distinct()
    return m.c.vial_id.in_(touched)


def _statement(scope: Scope, vial_id: int | None) -> sa.Select:  # type: ignore[type-arg]
    m, v, p, pt = table_of(Movement), table_of(Vial), table_of(Product), table_of(Patient)
    by = table_of(User).alias("done_by")
    wit = table_of(User).alias("witness")
    balance = sa.func.sum(m.c.amount_ug).over(partition_by=m.c.vial_id, order_by=m.c.id)
    return (
        sa.select(
            m.c.id,
            m.c.event_at,
            m.c.kind,
            m.c.amount_ug,
            m.c.late,
            m.c.original_id,
            m.c.reason,
            balance.label("balance"),
            v.c.label,
            v.c.lot,
            p.c.name.label("product"),
            p.c.strength_ug_per_ml,
            pt.c.name.label("patient"),
            by.c.full_name.label("by"),
            wit.c.full_name.label("witness"),
        )
        .select_from(
            m.join(v, v.c.id == m.c.vial_id)
            .join(p, p.c.id == v.c.product_id)
            .join(by, by.c.id == m.c.actor_id)
            .outerjoin(wit, wit.c.id == m.c.witness_id)
            .outerjoin(pt, pt.c.id == m.c.patient_id)
        )
        .where(_vials(scope, vial_id), m.c.id <= scope.head_seq)
        .order_by(v.c.label, m.c.id)
    )


def _row(scope: Scope) -> Callable[[sa.Row], Row]:  # type: ignore[type-arg]
    def convert(row: sa.Row) -> Row:  # type: ignore[type-arg]
        notes = []
        if row.original_id is not None:
            notes.append(f"answers #{row.original_id}")
        if row.late:
            notes.append("late entry")
        if row.kind not in ("administer", "receive") and row.reason:
            notes.append(row.reason)
        return (
            row.label,
            row.product,
            row.lot,
            row.id,
            scope.local(row.event_at),
            row.kind,
            row.patient,
            mg(row.amount_ug),
            syringe_ml(row.amount_ug, row.strength_ug_per_ml),
            mg(int(row.balance)),
            row.by,
            row.witness,
            "; ".join(notes),
        )

    return convert


def build(db: Database, actor: Actor, request: Request) -> Report:
    m = table_of(Movement)
    with db.read() as session:
        scope = open_scope(session, actor, request)
        vial_id = vial_id_for(session, request.vial) if request.vial else None
        per_vial = (
            sa.select(m.c.vial_id, sa.func.sum(m.c.amount_ug).label("ug"))
            .where(_vials(scope, vial_id), m.c.id <= scope.head_seq)
            .group_by(m.c.vial_id)
            .subquery()
        )
        shown, empty = session.execute(
            sa.select(sa.func.count(), sa.func.sum(sa.case((per_vial.c.ug == 0, 1), else_=0)))
        ).one()
        first, last = session.execute(
            sa.select(sa.func.min(m.c.id), sa.func.max(m.c.id)).where(
                _vials(scope, vial_id), m.c.id <= scope.head_seq
            )
        ).one()
    return Report(
        name="proof-of-use",
        title="Proof of use per vial",
        header=scope.header(),
        period=scope.period,
        filters=(Fact("Vial", request.vial.upper()),) if request.vial else (),
        parts=(
            Part(
                title="Vial histories",
                columns=COLUMNS,
                rows=stream(db, _statement(scope, vial_id), _row(scope)),
                totals=(
                    Total("Vials shown", int(shown), Kind.INTEGER),
                    Total("Vials used to zero", int(empty or 0), Kind.INTEGER),
                ),
                note="Each vial touched in the period is shown over its whole life, so its "
                "balance runs from what was received down to what is left.",
            ),
        ),
        integrity=scope.integrity(first, last),
        timezone=scope.timezone,
        registration=scope.dea_number,
    )
