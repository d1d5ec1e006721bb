"""The administration log (21 CFR 1304.22(c)): every dose given, in time order, with the
patient's name and address, the vial, the residue wasted and its witness.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from ledger.access import Actor
from ledger.database import Database
from ledger.models import Infusion, Movement, MovementKind, Patient, Product, User, Vial
from ledger.models.base import table_of
from ledger.queries.vials import balance_after, vial_id_for
from ledger.units import mg_text, strength_text
from reports.model import Column, Kind, Part, Report, Row, Total
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
from reports.totals import REVERSALS_NOTE, in_schedule, none_total, product_figures, reversal_of

COLUMNS = (
    Column("Date and time", Kind.DATETIME, width=15),
    Column("Patient", width=18, wrap=True),
    Column("Patient address", width=28, wrap=True),
    Column("MRN", width=10),
    Column("Product", width=22, wrap=True),
    Column("Schedule", width=6),
    Column("Strength", width=10),
    Column("Vial", width=11),
    Column("Lot", width=9),
    Column("Given mg", Kind.DECIMAL, places=3, width=9),
    Column("Given mL", Kind.DECIMAL, places=2, width=8),
    Column("Administered by", width=16, wrap=True),
    Column("Wasted mg", Kind.DECIMAL, places=3, width=9),
    Column("Waste witness", width=16, wrap=True),
    Column("Vial left mg", Kind.DECIMAL, places=3, width=10),
    Column("Note", width=18, wrap=True),
)


def _statement(scope: Scope, vial_id: int | None) -> sa.Select:  # type: ignore[type-arg]
    m = table_of(Movement)
    w = m.alias("residue")
    r, reversed_on = reversal_of(m, scope)
    v, p, pt = table_of(Vial), table_of(Product), table_of(Patient)
    inf = table_of(Infusion)
    by = table_of(User).alias("given_by")
    wit = table_of(User).alias("witness")
    # The vial's balance once the whole infusion (dose and residue) is out of it.
    after = sa.func.coalesce(w.c.id, m.c.id)
    left = balance_after(m, after)
    stmt = (
        sa.select(
            m.c.id,
            m.c.event_at,
            m.c.late,
            m.c.reason,
            pt.c.name.label("patient"),
            pt.c.address,
            pt.c.mrn,
            p.c.name.label("product"),
            p.c.schedule,
            p.c.strength_ug_per_ml,
            v.c.label,
            v.c.lot,
            m.c.amount_ug,
            w.c.amount_ug.label("wasted"),
            by.c.full_name.label("by"),
            wit.c.full_name.label("witness"),
            left.label("left"),
            r.c.id.label("reversed_by"),
            inf.c.over_order,
            inf.c.over_order_reason,
            inf.c.ordered_ug,
        )
        .select_from(
            m.join(v, v.c.id == m.c.vial_id)
            .join(p, p.c.id == v.c.product_id)
            .join(pt, pt.c.id == m.c.patient_id)
            .join(by, by.c.id == m.c.actor_id)
            .outerjoin(
                w,
                sa.and_(
                    w.c.infusion_id == m.c.infusion_id,
                    w.c.kind == MovementKind.WASTE,
                    w.c.id <= scope.head_seq,
                ),
            )
            .outerjoin(wit, wit.c.id == w.c.witness_id)
            .outerjoin(r, reversed_on)
            .outerjoin(inf, inf.c.id == m.c.infusion_id)
        )
        .where(m.c.kind == MovementKind.ADMINISTER, scope.in_period(m), in_schedule(m, scope))
        .order_by(m.c.event_at, m.c.id)
    )
    if vial_id is not None:
        stmt = stmt.where(m.c.vial_id == vial_id)
    return stmt


def _row(scope: Scope) -> Callable[[sa.Row], Row]:  # type: ignore[type-arg]
    """The statement's rows as report rows. This runs once per dose of a long log, so the
    clinic's zone is looked up once and a product's schedule and strength are written once
    per product, not once per row."""
    tz = ZoneInfo(scope.timezone)
    product_text: dict[tuple[int, int], tuple[str, str]] = {}

    def convert(row: sa.Row) -> Row:  # type: ignore[type-arg]
        (
            _id,
            event_at,
            late,
            reason,
            patient,
            address,
            mrn,
            product,
            schedule,
            strength,
            label,
            lot,
            amount_ug,
            wasted,
            by,
            witness,
            left,
            reversed_by,
            over_order,
            over_order_reason,
            ordered_ug,
        ) = row  # in the statement's column order
        notes = []
        if over_order:
            # Given more than 10% above the order, confirmed at the chair with this reason.
            ordered = f" {mg_text(ordered_ug)} mg" if ordered_ug is not None else ""
            notes.append(f"OVER ORDER{ordered}: {over_order_reason or ''}".strip())
        if late:
            notes.append(f"late entry: {reason or ''}".strip())
        if reversed_by is not None:
            notes.append(f"reversed by #{reversed_by}")
        texts = product_text.get((schedule, strength))
        if texts is None:
            texts = product_text[schedule, strength] = (
                schedule_text(schedule),
                strength_text(strength),
            )
        return (
            event_at.astimezone(tz),
            patient,
            address,
            mrn,
            product,
            texts[0],
            texts[1],
            label,
            lot,
            mg(-amount_ug),
            syringe_ml(-amount_ug, strength),
            by,
            mg(-wasted) if wasted is not None else None,
            witness,
            mg(left),
            "; ".join(notes),
        )

    return convert


def _totals(session: Session, scope: Scope, vial_id: int | None) -> tuple[Total, ...]:
    """Per product: doses and mg given, and the residue wasted at the chair, net of reversals."""
    m = table_of(Movement)
    mine = m.c.vial_id == vial_id if vial_id is not None else None
    given = product_figures(session, scope, (MovementKind.ADMINISTER,), where=mine)
    # The residue of an infusion is the waste movement that shares its infusion.
    dose = m.alias("dose")
    of_a_dose: sa.ColumnElement[bool] = sa.exists().where(
        dose.c.infusion_id == m.c.infusion_id,
        dose.c.kind == MovementKind.ADMINISTER,
        scope.in_period(dose),  # type: ignore[arg-type]
    )
    if vial_id is not None:
        of_a_dose = sa.and_(of_a_dose, m.c.vial_id == vial_id)
    residue = {
        f.group: f for f in product_figures(session, scope, (MovementKind.WASTE,), where=of_a_dose)
    }
    totals: list[Total] = []
    for f in given:
        totals += f.totals("Administrations", "Given")
        wasted = residue.get(f.group)
        net = wasted.amount_ug - wasted.reversed_ug if wasted else 0
        totals.append(Total("Residue wasted at the chair", mg(net), unit="mg", group=f.group))
    return tuple(totals) or none_total("Administrations")


def build(db: Database, actor: Actor, request: Request) -> Report:
    with db.read() as session:
        scope = open_scope(session, actor, request)
        vial_id = vial_id_for(session, request.vial) if request.vial else None
        m = table_of(Movement)
        narrow: sa.ColumnElement[bool] = sa.and_(
            m.c.kind.in_([MovementKind.ADMINISTER, MovementKind.WASTE]), in_schedule(m, scope)
        )
        if vial_id is not None:
            narrow = sa.and_(narrow, m.c.vial_id == vial_id)
        first, last = movement_range(session, scope, narrow)
        totals = _totals(session, scope, vial_id)
    return Report(
        name="administration-log",
        title="Controlled substance administration log",
        header=scope.header(),
        period=scope.period,
        filters=scope.filters(),
        parts=(
            Part(
                title="Administrations",
                columns=COLUMNS,
                rows=stream(db, _statement(scope, vial_id), _row(scope)),
                totals=totals,
                note="Amounts are exact in mg; mL is read to the 0.01 mL of a syringe. "
                "'Vial left' is the vial's balance after the dose and its residue. "
                "'OVER ORDER' marks a dose more than 10% above the ordered dose, confirmed "
                "with the reason shown. " + REVERSALS_NOTE,
            ),
        ),
        integrity=scope.integrity(first, last),
        signatures=("Reviewed by", "Registrant"),
        timezone=scope.timezone,
        registration=scope.dea_number,
    )
