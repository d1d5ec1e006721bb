"""The inventory document (21 CFR 1304.11): stock on hand at the opening or close of
business on one day, sealed containers counted exactly, opened containers listed
one by one, expired stock awaiting disposal included and flagged, with signature lines.

The book figures come from the movements up to that instant, not from the balance
cache, so an inventory can be reprinted for any past date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ledger.access import Actor
from ledger.database import Database
from ledger.models import Movement, Product, Vial
from ledger.models.base import table_of
from ledger.units import strength_text, volume_text
from reports.model import Column, Fact, Kind, Part, Report, Row, Total
from reports.scope import Request, Scope, mg, open_scope, stream, syringe_ml
from reports.totals import product_group

SEALED = (
    Column("Product", width=22, wrap=True),
    Column("NDC", width=13),
    Column("Strength", width=10),
    Column("Container mL", width=8),
    Column("Lot", width=10),
    Column("Lot expires", Kind.DATE, width=10),
    Column("Sealed containers", Kind.INTEGER, width=9),
    Column("Total mg", Kind.DECIMAL, places=3, width=11),
    Column("Status", width=16, wrap=True),
    Column("Counted containers", width=10),
)
OPENED = (
    Column("Vial", width=10),
    Column("Product", width=22, wrap=True),
    Column("NDC", width=13),
    Column("Lot", width=10),
    Column("Lot expires", Kind.DATE, width=10),
    Column("Opened", Kind.DATETIME, width=15),
    Column("Book mg", Kind.DECIMAL, places=3, width=10),
    Column("Book mL", Kind.DECIMAL, places=2, width=8),
    Column("Status", width=16, wrap=True),
    Column("Counted mL", width=10),
)


#: Said on every book-side inventory: the figures are the ledger's, nobody counted the shelf.
BOOK = (
    "the book (the ledger's balances), not a physical count; the inventory a count found is "
    "`vialbook export inventory --count ID`"
)


def cutoff(scope: Scope) -> datetime:
    """The instant the inventory describes: the end of that day, or of the day before."""
    day = scope.request.date_to
    if scope.request.taken == "opening":
        day -= timedelta(days=1)
    return scope.end_of(day)


def _held(scope: Scope, at: datetime) -> sa.Subquery:
    """Each vial this registration held at `at`, with its book balance then."""
    m, v = table_of(Movement), table_of(Vial)
    balances = (
        sa.select(m.c.vial_id, sa.func.sum(m.c.amount_ug).label("ug"))
        .where(
            m.c.registration_id == scope.registration_id,
            m.c.event_at <= at,
            m.c.id <= scope.head_seq,
        )
        .group_by(m.c.vial_id)
        .having(sa.func.sum(m.c.amount_ug) > 0)
        .subquery("balances")
    )
    return (
        sa.select(
            v.c.id,
            v.c.label,
            v.c.product_id,
            v.c.lot,
            v.c.expires,
            v.c.opened_at,
            v.c.bud,
            v.c.received_ug,
            balances.c.ug,
        )
        .select_from(balances.join(v, v.c.id == balances.c.vial_id))
        .subquery("on_hand")
    )


def _is_sealed(h: sa.Subquery, at: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(sa.or_(h.c.opened_at.is_(None), h.c.opened_at > at), h.c.ug == h.c.received_ug)


def _status(scope: Scope, expires: date, bud: datetime | None, at: datetime) -> str:
    local = scope.local(at)
    day = local.date() if local else at.date()
    if expires < day:
        return "EXPIRED: awaiting disposal"
    if bud is not None and bud < at:
        return "PAST BUD: awaiting waste"
    return ""


def _sealed_rows(scope: Scope, h: sa.Subquery, at: datetime) -> tuple[sa.Select, Callable]:  # type: ignore[type-arg]
    p = table_of(Product)
    stmt = (
        sa.select(
            p.c.name,
            p.c.ndc,
            p.c.strength_ug_per_ml,
            p.c.volume_ul,
            h.c.lot,
            h.c.expires,
            sa.func.count().label("containers"),
            sa.func.sum(h.c.ug).label("ug"),
        )
        .select_from(h.join(p, p.c.id == h.c.product_id))
        .where(_is_sealed(h, at))
        .group_by(p.c.name, p.c.ndc, p.c.strength_ug_per_ml, p.c.volume_ul, h.c.lot, h.c.expires)
        .order_by(p.c.name, h.c.expires, h.c.lot)
    )

    def convert(row: sa.Row) -> Row:  # type: ignore[type-arg]
        return (
            row.name,
            row.ndc,
            strength_text(row.strength_ug_per_ml),
            volume_text(row.volume_ul),
            row.lot,
            row.expires,
            int(row.containers),
            mg(int(row.ug)),
            _status(scope, row.expires, None, at),
            None,
        )

    return stmt, convert


def _opened_rows(scope: Scope, h: sa.Subquery, at: datetime) -> tuple[sa.Select, Callable]:  # type: ignore[type-arg]
    p = table_of(Product)
    stmt = (
        sa.select(h, p.c.name, p.c.ndc, p.c.strength_ug_per_ml)
        .select_from(h.join(p, p.c.id == h.c.product_id))
        .where(sa.not_(_is_sealed(h, at)))
        .order_by(p.c.name, h.c.label)
    )

    def convert(row: sa.Row) -> Row:  # type: ignore[type-arg]
        return (
            row.label,
            row.name,
            row.ndc,
            row.lot,
            row.expires,
            scope.local(row.opened_at),
            mg(int(row.ug)),
            syringe_ml(int(row.ug), row.strength_ug_per_ml),
            _status(scope, row.expires, row.bud, at),
            None,
        )

    return stmt, convert


def build(db: Database, actor: Actor, request: Request) -> Report:
    if request.count is not None:
        # The inventory a count found, signed by the registrant (21 CFR 1304.11).
        from reports.count_inventory import build as counted

        return counted(db, actor, request)
    p = table_of(Product)
    with db.read() as session:
        scope = open_scope(session, actor, request)
        at = cutoff(scope)
        h = _held(scope, at)
        per_product = session.execute(
            sa.select(
                p.c.schedule,
                p.c.name,
                p.c.ndc,
                sa.func.sum(sa.case((_is_sealed(h, at), 1), else_=0)).label("sealed"),
                sa.func.count().label("containers"),
                sa.func.sum(h.c.ug).label("ug"),
            )
            .select_from(h.join(p, p.c.id == h.c.product_id))
            .group_by(p.c.schedule, p.c.name, p.c.ndc)
            .order_by(p.c.schedule, p.c.name, p.c.ndc)
        ).all()
        m = table_of(Movement)
        last = session.execute(
            sa.select(sa.func.max(m.c.id)).where(
                m.c.registration_id == scope.registration_id,
                m.c.event_at <= at,
                m.c.id <= scope.head_seq,
            )
        ).scalar()
    when = f"{request.taken} of business on {request.date_to.isoformat()}"
    totals = tuple(
        Total(
            f"On hand: {int(row.sealed)} sealed, {int(row.containers) - int(row.sealed)} opened",
            mg(int(row.ug)),
            unit="mg",
            group=product_group(row.schedule, row.name, row.ndc),
        )
        for row in per_product
    ) or (Total("Containers on hand", 0, Kind.INTEGER),)
    sealed_stmt, sealed_convert = _sealed_rows(scope, h, at)
    opened_stmt, opened_convert = _opened_rows(scope, h, at)
    return Report(
        name="inventory",
        title="Controlled substance inventory: the book, not a count",
        header=scope.header(),
        period=scope.period,
        filters=(Fact("Taken at", when), Fact("Source", BOOK)),
        parts=(
            Part(
                title="Sealed containers (counted exactly)",
                sheet="Sealed containers",
                columns=SEALED,
                rows=stream(db, sealed_stmt, sealed_convert),
                totals=totals,
            ),
            Part(
                title="Opened containers",
                columns=OPENED,
                rows=stream(db, opened_stmt, opened_convert),
                note="Book figures are the ledger's balance at the instant of the inventory. "
                "Expired and past-BUD stock awaiting disposal is included and flagged.",
            ),
        ),
        integrity=scope.integrity(1 if last else None, last),
        signatures=("Inventory taken by", "Witness", "Registrant"),
        timezone=scope.timezone,
        registration=scope.dea_number,
    )
