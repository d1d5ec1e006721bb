"""Physical inventories (21 CFR 1304.11): the signed initial, biennial or ad-hoc counts, and
when the next biennial one is due."""

from __future__ import annotations

import calendar
from datetime import date

from sqlmodel import Session, col, select

from ledger.clock import local_date
from ledger.models import ClinicSettings, Count, CountKind

#: Kinds of count that are an inventory once submitted and signed.
INVENTORY_KINDS = (CountKind.INITIAL, CountKind.BIENNIAL, CountKind.ADHOC)
#: Kinds that start the interval to the next biennial inventory.
INTERVAL_KINDS = (CountKind.INITIAL, CountKind.BIENNIAL)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the 29th-31st fall back to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def inventory_day(count: Count, timezone: str) -> date:
    """The day an inventory describes: the day it was taken, on the clinic's calendar."""
    return local_date(timezone, count.started_at)


def last_inventory(session: Session, registration_id: int | None = None) -> Count | None:
    """The latest signed initial or biennial inventory (of one registration, if named)."""
    stmt = select(Count).where(
        col(Count.kind).in_([str(k) for k in INTERVAL_KINDS]),
        col(Count.signed_at).is_not(None),
    )
    if registration_id is not None:
        stmt = stmt.where(Count.registration_id == registration_id)
    return session.exec(stmt.order_by(col(Count.started_at).desc(), col(Count.id).desc())).first()


def next_inventory_due(
    session: Session, settings: ClinicSettings, registration_id: int | None = None
) -> date | None:
    """The configured interval (24 months federally) after the last initial or biennial
    inventory; None while no initial inventory was ever signed (it is due at once)."""
    last = last_inventory(session, registration_id)
    if last is None:
        return None
    return add_months(inventory_day(last, settings.timezone), settings.inventory_interval_months)
