"""The price list and package definitions as they stood on a day (versions by effective date)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from ledger.models.billing import Package, PriceItem


def price_on(session: Session, code: str, day: date) -> PriceItem | None:
    """The version of item `code` in force on `day`: the latest `effective_from` not after
    it, the newest row among equals."""
    stmt = (
        select(PriceItem)
        .where(PriceItem.code == code.strip().upper(), PriceItem.effective_from <= day)
        .order_by(col(PriceItem.effective_from).desc(), col(PriceItem.id).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def package_on(session: Session, code: str, day: date) -> Package | None:
    """The version of package `code` in force on `day`."""
    stmt = (
        select(Package)
        .where(Package.code == code.strip().upper(), Package.effective_from <= day)
        .order_by(col(Package.effective_from).desc(), col(Package.id).desc())
        .limit(1)
    )
    return session.exec(stmt).first()
