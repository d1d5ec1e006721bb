"""The DEA Form 106 draft of an escalated discrepancy (21 CFR 1301.76(b)): the registrant's
name, address and DEA number; per product the name, NDC, strength, container size, lot,
quantity lost in mg and in containers; the date of discovery, the type of loss, and the two
due dates: the written notice to the DEA Field Division within one business day, the form
itself within 45 days. The figures are the discrepancy's, read from the ledger."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import col, select

from ledger.access import Actor, authorize
from ledger.database import Database
from ledger.errors import DiscrepancyNotEscalated, InvalidText, UnknownRecord
from ledger.models import Discrepancy, DiscrepancyNote, Product, Registration, User, Vial
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


def build(db: Database, actor: Actor, request: Request) -> Report:
    with db.read() as session:
        authorize(session, actor, "export")
        if request.discrepancy is None:
            raise InvalidText("name the discrepancy: --discrepancy ID")
        d = session.get(Discrepancy, request.discrepancy)
        if d is None:
            raise UnknownRecord(f"no discrepancy {request.discrepancy}")
        if d.loss_type is None:
            raise DiscrepancyNotEscalated(
                f"discrepancy {d.id} is {d.status}; the registrant escalates it to draft Form 106"
            )
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
            Fact("Type of loss", d.loss_type),
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
