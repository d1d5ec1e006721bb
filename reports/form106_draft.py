"""The DEA Form 106 draft of an escalated discrepancy (21 CFR 1301.76(b)): the registrant's
name, address and DEA number; per product the name, NDC, strength, container size, lot,
quantity lost in mg and in containers; the date of discovery, the type of loss, and the two
due dates: the written notice to the DEA Field Division within one business day, the form
itself within 45 days. The figures are the discrepancy's, read from the ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlmodel import Session, col, select

from ledger import clock
from ledger.access import Actor, authorize
from ledger.clock import local_date
from ledger.database import Database
from ledger.errors import DiscrepancyNotEscalated, UnknownRecord
from ledger.models import Discrepancy, DiscrepancyNote, Product, Registration, User, Vial
from ledger.settings import clinic_settings
from ledger.units import strength_text, volume_text
from reports.model import Column, Fact, Kind, Part, Report, Row
from reports.scope import Request, mg, open_scope

PRODUCTS = (
    Column("Product", width=22, wrap=True),
    Column("NDC", width=13),
    Column("Strength", width=10),
    Column("Container mL", width=8),
    Column("Lot", width=10),
    Column("Vial", width=10),
    Column("Quantity lost mg", Kind.DECIMAL, places=3, width=11),
    Column("Containers lost", Kind.INTEGER, width=9),
)
NOTES = (
    Column("Written", Kind.DATETIME, width=15),
    Column("By", width=16, wrap=True),
    Column("Note", width=60, wrap=True),
)


def _chosen(session: Session, request: Request) -> Discrepancy | None:
    """The discrepancy asked for, or without --discrepancy the latest escalated one
    (discovered by the end of --to, when one is given); None when there is none."""
    if request.discrepancy is not None:
        d = session.get(Discrepancy, request.discrepancy)
        if d is None:
            raise UnknownRecord(f"no discrepancy {request.discrepancy}")
        if d.loss_type is None:
            raise DiscrepancyNotEscalated(
                f"discrepancy {d.id} is {d.status}; the registrant escalates it to draft Form 106"
            )
        return d
    stmt = select(Discrepancy).where(col(Discrepancy.loss_type).is_not(None))
    if request.date_to != date.min:
        stmt = stmt.where(col(Discrepancy.discovered_on) <= request.date_to)
    return session.exec(stmt.order_by(col(Discrepancy.id).desc())).first()


def _blank(session: Session, actor: Actor, request: Request) -> Report:
    """No escalated discrepancy: the form's layout with the registration filled in."""
    today = local_date(clinic_settings(session).timezone, clock.now())
    scope = open_scope(session, actor, replace(request, date_from=today, date_to=today))
    blank = "________"
    return Report(
        name="form-106-draft",
        title="DEA Form 106 draft: blank (no escalated discrepancy)",
        header=scope.header(),
        period=scope.period,
        filters=(
            Fact("Type of loss", "theft / significant loss / in-transit loss (circle one)"),
            Fact("Date of discovery", blank),
            Fact("Written notice to the DEA Field Division due", "1 business day after discovery"),
            Fact("Form 106 due", "45 days after discovery"),
        ),
        parts=(
            Part("Controlled substances lost", PRODUCTS, lambda: iter(()), sheet="Products lost"),
        ),
        integrity=scope.integrity(None, None),
        signatures=("Registrant",),
        timezone=scope.timezone,
        registration=scope.dea_number,
    )


def build(db: Database, actor: Actor, request: Request) -> Report:
    with db.read() as session:
        authorize(session, actor, "export")
        d = _chosen(session, request)
        if d is None:
            return _blank(session, actor, request)
        vial = session.get(Vial, d.vial_id)
        reg = session.get(Registration, d.registration_id)
        assert vial is not None and reg is not None
        product = session.get(Product, vial.product_id)
        assert product is not None
        day = d.discovered_on
        scope = open_scope(
            session,
            actor,
            replace(request, date_from=day, date_to=day, registration=reg.dea_number),
        )
        notes = session.exec(
            select(DiscrepancyNote, User.full_name)
            .join(User, col(User.id) == DiscrepancyNote.author_id)
            .where(DiscrepancyNote.discrepancy_id == d.id)
            .order_by(col(DiscrepancyNote.id))
        ).all()
    whole = d.short_ug >= vial.received_ug and vial.opened_at is None
    products: list[Row] = [
        (
            product.name,
            product.ndc,
            strength_text(product.strength_ug_per_ml),
            volume_text(product.volume_ul),
            vial.lot,
            vial.label,
            mg(d.short_ug),
            1 if whole else 0,
        )  # fmt: skip
    ]
    noted: list[Row] = [(scope.local(n.written_at), who, n.text) for n, who in notes]
    confirmed = (
        f"confirmed; loss recorded as movement #{d.loss_movement_id}"
        if d.form_confirmed_at is not None
        else "draft: not yet confirmed by the registrant"
    )
    return Report(
        name="form-106-draft",
        title=f"DEA Form 106 draft: discrepancy {d.id}",
        header=scope.header(),
        period=scope.period,
        filters=(
            Fact("Type of loss", d.loss_type or ""),
            Fact("Date of discovery", day.isoformat()),
            Fact("Written notice to the DEA Field Division due", str(d.notice_due)),
            Fact("Form 106 due", str(d.form_due)),
            Fact("Status", confirmed),
        ),
        parts=(
            Part(
                title="Controlled substances lost",
                sheet="Products lost",
                columns=PRODUCTS,
                rows=lambda: iter(products),
                note="Quantity lost is the discrepancy's shortfall against the book. A "
                "container counts as lost only when a sealed vial is missing whole.",
            ),
            Part(
                title="Investigation notes",
                sheet="Notes",
                columns=NOTES,
                rows=lambda: iter(noted),
            ),
        ),
        integrity=scope.integrity(None, d.loss_movement_id),
        signatures=("Registrant",),
        timezone=scope.timezone,
        registration=scope.dea_number,
    )
