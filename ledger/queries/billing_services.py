"""What was delivered and what was billed for it: recorded infusions with their times and
dose, and the charges naming them (invoice lines, consumed package credits, pending charges),
with the paid part of each. The superbill and the billing cross-check both read these."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from ledger.clock import end_of_day, local_date
from ledger.models import Infusion, Movement, MovementKind, Patient, Product, Vial
from ledger.models.base import table_of
from ledger.models.billing import Invoice, InvoiceLine, InvoiceStatus, PriceItem
from ledger.models.billing_money import (
    CreditMovement,
    CreditMovementKind,
    PackageCredit,
    Payment,
    PaymentRefund,
    PendingCharge,
)
from ledger.queries.billing_prices import price_on


@dataclass(frozen=True)
class Delivered:
    """One infusion actually given (its administration not reversed)."""

    infusion_id: int
    patient_id: int
    mrn: str
    patient_name: str
    event_at: datetime
    day: date
    started_at: datetime | None
    ended_at: datetime | None
    given_ug: int
    product: str
    #: The clinician the infusion names as rendering provider; None: the medical director.
    rendering_provider_id: int | None = None


@dataclass(frozen=True)
class Charge:
    """A charge for one infusion: where it was billed, its codes, and what was paid of it."""

    infusion_id: int
    #: "invoice", "credit" (a prepaid package session) or "pending" (not billed yet).
    source: str
    #: The invoice number (for a credit: the invoice that sold the package).
    document: str
    code: str | None
    description: str
    cpt: str | None
    hcpcs: str | None
    quantity: int
    charge_cents: int
    paid_cents: int


def _window(tz: str, first: date, last: date) -> tuple[datetime, datetime]:
    return end_of_day(tz, first - timedelta(days=1)), end_of_day(tz, last)


def delivered(
    session: Session,
    tz: str,
    first: date,
    last: date,
    *,
    patient_id: int | None = None,
) -> list[Delivered]:
    """Infusions given on the clinic days `first`..`last`, oldest first; an infusion whose
    administration was reversed was not given and is left out."""
    i, m, r, p, v, pr = (
        table_of(Infusion),
        table_of(Movement),
        table_of(Movement).alias("r"),
        table_of(Patient),
        table_of(Vial),
        table_of(Product),
    )
    after, until = _window(tz, first, last)
    reversed_ = (
        sa.select(m.c.infusion_id)
        .join(r, sa.and_(r.c.original_id == m.c.id, r.c.kind == MovementKind.REVERSAL))
        .where(m.c.kind == MovementKind.ADMINISTER, m.c.infusion_id.is_not(None))
    )
    stmt = (
        sa.select(
            i.c.id,
            i.c.patient_id,
            p.c.mrn,
            p.c.name,
            i.c.event_at,
            i.c.started_at,
            i.c.ended_at,
            i.c.given_ug,
            pr.c.name.label("product"),
            i.c.rendering_provider_id,
        )
        .join(p, p.c.id == i.c.patient_id)
        .join(v, v.c.id == i.c.vial_id)
        .join(pr, pr.c.id == v.c.product_id)
        .where(i.c.event_at > after, i.c.event_at <= until, i.c.id.not_in(reversed_))
        .order_by(i.c.event_at, i.c.id)
    )
    if patient_id is not None:
        stmt = stmt.where(i.c.patient_id == patient_id)
    return [
        Delivered(
            row.id,
            row.patient_id,
            row.mrn,
            row.name,
            row.event_at,
            local_date(tz, row.event_at),
            row.started_at,
            row.ended_at,
            int(row.given_ug),
            row.product,
            row.rendering_provider_id,
        )
        for row in session.execute(stmt)
    ]


def administered_days(session: Session, tz: str, first: date, last: date) -> set[tuple[int, date]]:
    """(patient, clinic day) pairs with an administration movement not reversed."""
    m, r = table_of(Movement), table_of(Movement).alias("r")
    after, until = _window(tz, first, last)
    rows = session.execute(
        sa.select(m.c.patient_id, m.c.event_at)
        .outerjoin(r, sa.and_(r.c.original_id == m.c.id, r.c.kind == MovementKind.REVERSAL))
        .where(
            m.c.kind == MovementKind.ADMINISTER,
            m.c.event_at > after,
            m.c.event_at <= until,
            r.c.id.is_(None),
        )
    )
    return {(pid, local_date(tz, at)) for pid, at in rows if pid is not None}


def invoice_paid_cents(session: Session, invoice_ids: Iterable[int]) -> dict[int, int]:
    """Per invoice: payments applied to it less what was refunded of them (never below 0)."""
    ids = sorted(set(invoice_ids))
    if not ids:
        return {}
    pay, ref = table_of(Payment), table_of(PaymentRefund)
    applied = dict(
        session.execute(
            sa.select(pay.c.invoice_id, sa.func.sum(pay.c.applied_cents))
            .where(pay.c.invoice_id.in_(ids))
            .group_by(pay.c.invoice_id)
        ).all()
    )
    refunded = dict(
        session.execute(
            sa.select(pay.c.invoice_id, sa.func.sum(ref.c.amount_cents))
            .join(pay, pay.c.id == ref.c.payment_id)
            .where(pay.c.invoice_id.in_(ids))
            .group_by(pay.c.invoice_id)
        ).all()
    )
    return {k: max(0, int(applied.get(k, 0)) - int(refunded.get(k, 0))) for k in ids}


def paid_share(amount: int, invoice_total: int, invoice_paid: int) -> int:
    """The paid part of a charge of `amount` on an invoice of `invoice_total` of which
    `invoice_paid` was paid: in proportion, rounded down to the cent."""
    if amount <= 0 or invoice_total <= 0:
        return 0
    if invoice_paid >= invoice_total:
        return amount
    return amount * invoice_paid // invoice_total


def charges_for(session: Session, infusions: Iterable[Delivered]) -> dict[int, list[Charge]]:
    """Every charge naming each infusion: lines of issued (not void) invoices, consumed
    package credits, and pending charges not yet on an issued invoice."""
    day_of = {d.infusion_id: d.day for d in infusions}
    ids = sorted(day_of)
    out: dict[int, list[Charge]] = {k: [] for k in ids}
    if not ids:
        return out
    inv, ln = table_of(Invoice), table_of(InvoiceLine)
    lines = session.execute(
        sa.select(ln, inv.c.number, inv.c.total_cents)
        .join(inv, inv.c.id == ln.c.invoice_id)
        .where(ln.c.infusion_id.in_(ids), inv.c.status == InvoiceStatus.ISSUED)
        .order_by(ln.c.id)
    ).all()
    cm, pc = table_of(CreditMovement), table_of(PackageCredit)
    credits = session.execute(
        sa.select(cm.c.infusion_id, cm.c.service_code, pc.c.allocated_cents, pc.c.invoice_id)
        .join(pc, pc.c.id == cm.c.credit_id)
        .where(cm.c.infusion_id.in_(ids), cm.c.kind == CreditMovementKind.CONSUME)
        .order_by(cm.c.id)
    ).all()
    sold = {
        row.id: (row.number, int(row.total_cents or 0))
        for row in session.execute(
            sa.select(inv.c.id, inv.c.number, inv.c.total_cents).where(
                inv.c.id.in_([c.invoice_id for c in credits] or [-1])
            )
        )
    }
    paid = invoice_paid_cents(
        session, [row.invoice_id for row in lines] + [c.invoice_id for c in credits]
    )
    billed_pending = {row.pending_charge_id for row in lines if row.pending_charge_id}
    for row in lines:
        out[row.infusion_id].append(
            Charge(
                row.infusion_id,
                "invoice",
                row.number or "",
                row.code,
                row.description,
                row.cpt,
                row.hcpcs,
                int(row.quantity),
                int(row.line_cents),
                paid_share(
                    int(row.line_cents), int(row.total_cents or 0), paid.get(row.invoice_id, 0)
                ),
            )
        )
    for c in credits:
        number, total = sold.get(c.invoice_id, ("", 0))
        # The codes of the service as priced on the infusion's day.
        item = price_on(session, c.service_code, day_of[c.infusion_id]) if c.service_code else None
        out[c.infusion_id].append(
            Charge(
                c.infusion_id,
                "credit",
                number or "",
                c.service_code,
                item.description if item else c.service_code or "prepaid session",
                item.cpt if item else None,
                item.hcpcs if item else None,
                1,
                int(c.allocated_cents),
                paid_share(int(c.allocated_cents), total, paid.get(c.invoice_id, 0)),
            )
        )
    pend = table_of(PendingCharge)
    for row in session.execute(
        sa.select(pend).where(pend.c.infusion_id.in_(ids)).order_by(pend.c.id)
    ):
        if row.id in billed_pending:
            continue
        item = session.get(PriceItem, row.price_item_id) if row.price_item_id else None
        out[row.infusion_id].append(
            Charge(
                row.infusion_id,
                "pending",
                "not yet invoiced",
                row.code,
                row.description,
                item.cpt if item else None,
                item.hcpcs if item else None,
                1,
                int(row.unit_cents),
                0,
            )
        )
    return out
