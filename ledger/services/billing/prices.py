"""The price list: service items whose price changes only by a new version from a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import InvalidAmount, UnknownPrice
from ledger.models import PriceItem
from ledger.money import MAX_CENTS
from ledger.services.billing.common import clean_billing_code, clean_code, clinic_day
from ledger.text import clean_text
from ledger.unit_of_work import act, look


@dataclass(frozen=True)
class Price:
    """A service item as priced on one day."""

    id: int
    code: str
    description: str
    cpt: str | None
    hcpcs: str | None
    other_code: str | None
    unit_price_cents: int
    effective_from: date


def _price(row: PriceItem) -> Price:
    assert row.id is not None
    return Price(
        id=row.id,
        code=row.code,
        description=row.description,
        cpt=row.cpt,
        hcpcs=row.hcpcs,
        other_code=row.other_code,
        unit_price_cents=row.unit_price_cents,
        effective_from=row.effective_from,
    )


def price_on(session: Session, code: str, day: date) -> Price | None:
    """The version of `code` in force on `day` (the newest row among equal dates)."""
    row = session.exec(
        select(PriceItem)
        .where(PriceItem.code == code.upper(), PriceItem.effective_from <= day)
        .order_by(col(PriceItem.effective_from).desc(), col(PriceItem.id).desc())
        .limit(1)
    ).first()
    return _price(row) if row is not None else None


def require_price(session: Session, code: str, day: date) -> Price:
    found = price_on(session, code, day)
    if found is None:
        raise UnknownPrice(f"no price for item {code.upper()} on {day}", subject=code.upper())
    return found


@audited("billing.price")
def set_price(
    db: Database,
    actor: Actor,
    *,
    code: str,
    description: str,
    price_cents: int,
    cpt: str | None = None,
    hcpcs: str | None = None,
    other_code: str | None = None,
    effective_from: date | None = None,
) -> Price:
    """Price a service item from a date (default: today on the clinic's clock).

    A new version never touches an issued invoice or a sold package: they keep the price
    they were made with.
    """
    item = clean_code(code, "item code")
    text = clean_text(description, "description", 200, one_line=True)
    if isinstance(price_cents, bool) or not isinstance(price_cents, int):
        raise InvalidAmount("a price is integer cents")
    if not 0 <= price_cents <= MAX_CENTS:
        raise InvalidAmount("a price is between 0.00 and 10000000.00")
    with act(db, actor, "billing.price") as tx:
        row = PriceItem(
            code=item,
            description=text,
            cpt=clean_billing_code(cpt, "CPT code"),
            hcpcs=clean_billing_code(hcpcs, "HCPCS code"),
            other_code=clean_text(other_code, "billing code", 32, required=False, one_line=True)
            or None,
            unit_price_cents=price_cents,
            effective_from=effective_from or clinic_day(tx),
            created_at=tx.entered_at,
            created_by_id=tx.user_id,
        )
        tx.session.add(row)
        tx.session.flush()
        tx.audit(detail={"code": item, "price_cents": price_cents, "from": str(row.effective_from)})
        return _price(row)


def list_prices(db: Database, actor: Actor, *, on: date | None = None) -> list[Price]:
    """Every item's price in force on `on` (default today), by code."""
    with look(db, actor, "billing.read") as tx:
        day = on or clinic_day(tx)
        codes = tx.session.exec(select(PriceItem.code).distinct().order_by(PriceItem.code)).all()
        out = [price_on(tx.session, c, day) for c in codes]
        return [p for p in out if p is not None]
