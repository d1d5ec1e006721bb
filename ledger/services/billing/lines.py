"""The lines of a draft invoice: service items, packages, delivered infusions, discounts and
manual lines, each priced exactly to the cent when it is added."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import (
    InfusionNotPending,
    InvalidAmount,
    InvoiceNotDraft,
    InvoiceTotalNegative,
    UnknownRecord,
)
from ledger.models import (
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    PendingCharge,
    PriceItem,
)
from ledger.models.base import table_of
from ledger.money import MAX_CENTS, cents_text, percent_text
from ledger.queries.reversals import reversed_infusion
from ledger.services.billing.common import (
    clean_code,
    clinic_day,
    find_invoice,
    invoice_label,
    reason_text,
)
from ledger.services.billing.packages import require_package
from ledger.services.billing.pending import billed_line, pending_rows
from ledger.services.billing.prices import require_price
from ledger.text import clean_text
from ledger.unit_of_work import UnitOfWork, act


@dataclass(frozen=True)
class Line:
    """An invoice line as shown and exported."""

    id: int
    kind: str
    code: str | None
    description: str
    cpt: str | None
    hcpcs: str | None
    quantity: int
    unit_cents: int
    line_cents: int
    discount_bp: int | None
    reason: str | None
    infusion_id: int | None
    package_id: int | None


def line_view(row: InvoiceLine) -> Line:
    assert row.id is not None
    return Line(
        id=row.id,
        kind=row.kind,
        code=row.code,
        description=row.description,
        cpt=row.cpt,
        hcpcs=row.hcpcs,
        quantity=row.quantity,
        unit_cents=row.unit_cents,
        line_cents=row.line_cents,
        discount_bp=row.discount_bp,
        reason=row.reason,
        infusion_id=row.infusion_id,
        package_id=row.package_id,
    )


def invoice_lines(session: Session, invoice_id: int) -> list[InvoiceLine]:
    return list(
        session.exec(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice_id)
            .order_by(col(InvoiceLine.id))
        ).all()
    )


def lines_total(session: Session, invoice: Invoice) -> int:
    t = table_of(InvoiceLine)
    total = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(t.c.line_cents), 0)).where(
            t.c.invoice_id == invoice.id
        )
    ).scalar_one()
    return int(total)


def draft_invoice(tx: UnitOfWork, ref: str | int) -> Invoice:
    invoice = find_invoice(tx.session, ref, lock=True)
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvoiceNotDraft(
            f"invoice {invoice_label(invoice)} is {invoice.status}; an issued invoice never "
            "changes (void it or issue a credit note)",
            subject=invoice_label(invoice),
        )
    return invoice


def _quantity(qty: int) -> int:
    if isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= 1000:
        raise InvalidAmount("quantity is a whole number from 1 to 1000")
    return qty


def _add(tx: UnitOfWork, invoice: Invoice, **values: Any) -> Line:
    assert invoice.id is not None
    row = InvoiceLine(
        invoice_id=invoice.id, added_at=tx.entered_at, added_by_id=tx.user_id, **values
    )
    tx.session.add(row)
    tx.session.flush()
    if lines_total(tx.session, invoice) < 0:
        raise InvoiceTotalNegative(
            f"this line would bring invoice {invoice_label(invoice)} below 0.00",
            subject=invoice_label(invoice),
        )
    tx.audit(detail={"invoice": invoice.id, "kind": row.kind, "line_cents": row.line_cents})
    return line_view(row)


@audited("billing.invoice")
def add_item_line(
    db: Database, actor: Actor, invoice: str | int, *, code: str, quantity: int = 1
) -> Line:
    """A service item at today's list price × quantity."""
    item, qty = clean_code(code, "item code"), _quantity(quantity)
    with act(db, actor, "billing.invoice") as tx:
        draft = draft_invoice(tx, invoice)
        price = require_price(tx.session, item, clinic_day(tx))
        return _add(
            tx,
            draft,
            kind=LineKind.ITEM,
            code=item,
            price_item_id=price.id,
            description=price.description,
            cpt=price.cpt,
            hcpcs=price.hcpcs,
            quantity=qty,
            unit_cents=price.unit_price_cents,
            line_cents=qty * price.unit_price_cents,
        )


@audited("billing.invoice")
def add_package_line(db: Database, actor: Actor, invoice: str | int, *, code: str) -> Line:
    """A package at today's definition; its credits are granted when the invoice is issued."""
    package_code = clean_code(code, "package code")
    with act(db, actor, "billing.invoice") as tx:
        draft = draft_invoice(tx, invoice)
        package = require_package(tx.session, package_code, clinic_day(tx))
        return _add(
            tx,
            draft,
            kind=LineKind.PACKAGE,
            code=package.code,
            package_id=package.id,
            description=f"{package.name} ({package.sessions} sessions)",
            quantity=1,
            unit_cents=package.price_cents,
            line_cents=package.price_cents,
        )


@audited("billing.invoice")
def add_infusion_line(db: Database, actor: Actor, invoice: str | int, *, infusion_id: int) -> Line:
    """A delivered infusion from its pending charge, at the list price of its day."""
    with act(db, actor, "billing.invoice") as tx:
        return _add_infusion(tx, draft_invoice(tx, invoice), infusion_id)


@audited("billing.invoice")
def add_pending_lines(db: Database, actor: Actor, invoice: str | int) -> list[Line]:
    """Every infusion of the invoice's patient still waiting to be billed (on no issued
    invoice and no draft), one line each, oldest first, in one transaction: all or none."""
    with act(db, actor, "billing.invoice") as tx:
        draft = draft_invoice(tx, invoice)
        assert draft.id is not None
        waiting = [
            p.infusion_id
            for p in pending_rows(tx.session, draft.patient_id)
            if p.draft_invoice_id is None
        ]
        return [_add_infusion(tx, draft, infusion_id) for infusion_id in waiting]


def _add_infusion(tx: UnitOfWork, draft: Invoice, infusion_id: int) -> Line:
    charge = tx.session.exec(
        select(PendingCharge).where(PendingCharge.infusion_id == infusion_id)
    ).first()
    if charge is None or charge.id is None:
        raise InfusionNotPending(
            f"infusion {infusion_id} has no pending charge (a credit paid for it, or it "
            "does not exist)",
            subject=str(infusion_id),
        )
    if tx.session.execute(sa.select(reversed_infusion(infusion_id))).scalar():
        raise InfusionNotPending(
            f"infusion {infusion_id} was reversed; its charge was withdrawn",
            subject=str(infusion_id),
        )
    if charge.patient_id != draft.patient_id:
        raise InfusionNotPending(
            f"infusion {infusion_id} is another patient's", subject=str(infusion_id)
        )
    held = billed_line(
        tx.session, infusion_id, statuses=(InvoiceStatus.ISSUED, InvoiceStatus.DRAFT)
    )
    if held is not None:
        raise InfusionNotPending(
            f"infusion {infusion_id} is already on invoice {held}", subject=str(infusion_id)
        )
    if charge.price_item_id is not None:
        price = tx.session.get(PriceItem, charge.price_item_id)
        assert price is not None
    else:
        # The item had no price on the infusion's day when it was recorded: a price set
        # since, in force from that day, bills it; otherwise it cannot be billed yet.
        found = require_price(tx.session, charge.code, charge.service_on)
        price = tx.session.get(PriceItem, found.id)
        assert price is not None
    return _add(
        tx,
        draft,
        kind=LineKind.INFUSION,
        code=charge.code,
        price_item_id=price.id,
        infusion_id=infusion_id,
        pending_charge_id=charge.id,
        description=f"{price.description} on {charge.service_on}",
        cpt=price.cpt,
        hcpcs=price.hcpcs,
        quantity=1,
        unit_cents=price.unit_price_cents,
        line_cents=price.unit_price_cents,
    )


def _goods_total(tx: UnitOfWork, invoice: Invoice) -> int:
    t = table_of(InvoiceLine)
    total = tx.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(t.c.line_cents), 0)).where(
            t.c.invoice_id == invoice.id, t.c.kind != LineKind.DISCOUNT
        )
    ).scalar_one()
    return int(total)


@audited("billing.invoice")
def add_discount_line(
    db: Database,
    actor: Actor,
    invoice: str | int,
    *,
    reason: str,
    percent_bp: int | None = None,
    amount_cents: int | None = None,
) -> Line:
    """A discount with its reason: a percentage (basis points) of the lines before it, rounded
    half up to the cent, or a fixed amount."""
    why = reason_text(reason, "discount reason")
    if (percent_bp is None) == (amount_cents is None):
        raise InvalidAmount("a discount is either a percentage or an amount")
    if percent_bp is not None and (not isinstance(percent_bp, int) or not 0 < percent_bp <= 10_000):
        raise InvalidAmount("a discount percentage is more than 0% and at most 100%")
    if amount_cents is not None and (
        not isinstance(amount_cents, int) or not 0 < amount_cents <= MAX_CENTS
    ):
        raise InvalidAmount("a discount amount is more than 0.00")
    with act(db, actor, "billing.invoice") as tx:
        draft = draft_invoice(tx, invoice)
        if percent_bp is not None:
            base = _goods_total(tx, draft)
            off = (base * percent_bp + 5_000) // 10_000
            text = f"Discount {percent_text(percent_bp)} of {cents_text(base)}: {why}"
        else:
            assert amount_cents is not None
            off = amount_cents
            text = f"Discount: {why}"
        return _add(
            tx,
            draft,
            kind=LineKind.DISCOUNT,
            description=text[:200],
            quantity=1,
            unit_cents=-off,
            discount_bp=percent_bp,
            reason=why,
            line_cents=-off,
        )


@audited("billing.invoice")
def add_manual_line(
    db: Database, actor: Actor, invoice: str | int, *, description: str, amount_cents: int
) -> Line:
    """A line typed by hand (a fee not on the price list)."""
    text = clean_text(description, "description", 200, one_line=True)
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise InvalidAmount("an amount is integer cents")
    if not 0 < amount_cents <= MAX_CENTS:
        raise InvalidAmount("a manual line is more than 0.00")
    with act(db, actor, "billing.invoice") as tx:
        draft = draft_invoice(tx, invoice)
        return _add(
            tx,
            draft,
            kind=LineKind.MANUAL,
            description=text,
            quantity=1,
            unit_cents=amount_cents,
            line_cents=amount_cents,
        )


@audited("billing.invoice")
def remove_line(db: Database, actor: Actor, invoice: str | int, *, line_id: int) -> None:
    """Take a line off a draft (an issued invoice's lines never change)."""
    with act(db, actor, "billing.invoice") as tx:
        draft = draft_invoice(tx, invoice)
        row = tx.session.get(InvoiceLine, line_id)
        if row is None or row.invoice_id != draft.id:
            raise UnknownRecord(
                f"invoice {invoice_label(draft)} has no line {line_id}", subject=str(line_id)
            )
        tx.session.delete(row)
        tx.session.flush()
        if lines_total(tx.session, draft) < 0:
            raise InvoiceTotalNegative(
                f"removing line {line_id} would bring invoice {invoice_label(draft)} below 0.00",
                subject=str(line_id),
            )
        tx.audit(detail={"invoice": draft.id, "removed_line": line_id})
