"""Billing an infusion as it is recorded, inside the infusion's own transaction.

Which service an infusion is: the code the nurse names (`service`); otherwise the item whose
code is the protocol's name ("pain" -> PAIN) when the price list has one; otherwise the
clinic's `infusion_item_code` setting (the mood infusion, MOOD by default).

One session a day: a patient's second and later infusion records on the same clinic day (an
adjunct such as midazolam given with their ketamine, or a top-up from a second vial) are
billed as the day's one session, so they consume no second credit and leave no second
pending charge, unless the nurse names the `service` explicitly (a second, separately
billed service). Earlier infusions that were reversed do not count. The schema's product
could tell ketamine from an adjunct, but a top-up from a second ketamine vial is not a second
session either, and the clinic's words are "one chair visit, one session"; the day is the
rule, and naming the service is the way out of it.

An infusion billed separately consumes the patient's oldest valid credit covering that
service; with none, it becomes a pending charge at the list price of its day (a clinic that
has priced nothing and sold no package does not bill through vialbook, and gets no charges).
Billing runs in a savepoint: if it fails for any reason, the savepoint is undone, the
charge is left pending with the reason, and the infusion records all the same.
The clinical record never waits on billing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import select

from ledger.clock import end_of_day, local_date
from ledger.models import Infusion, Package, PendingCharge, PriceItem
from ledger.models.base import table_of
from ledger.queries.reversals import reversed_infusion
from ledger.services.billing import chain
from ledger.services.billing.common import clean_code
from ledger.services.billing.credits import consume_credit
from ledger.services.billing.prices import price_on
from ledger.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def service_code(tx: UnitOfWork, *, service: str | None, protocol: str | None) -> str:
    """The item an infusion is billed as (see the module's rule)."""
    if service:
        return clean_code(service, "service code")
    if protocol:
        name = protocol.strip().upper()
        if tx.session.exec(select(PriceItem.id).where(PriceItem.code == name).limit(1)).first():
            return name
    return tx.settings.infusion_item_code.upper()


def _billing_in_use(tx: UnitOfWork) -> bool:
    """A clinic that has priced nothing and sold nothing keeps no billing records."""
    priced = sa.exists(sa.select(table_of(PriceItem).c.id))
    sold = sa.exists(sa.select(table_of(Package).c.id))
    return bool(tx.session.execute(sa.select(sa.or_(priced, sold))).scalar())


def same_day_session(tx: UnitOfWork, *, infusion_id: int, patient_id: int, day: date) -> int | None:
    """The patient's earlier infusion on this clinic day (not reversed), whose session this
    one belongs to; None when this is the day's first."""
    i = table_of(Infusion)
    tz = tx.settings.timezone
    found = tx.session.execute(
        sa.select(i.c.id)
        .where(
            i.c.patient_id == patient_id,
            i.c.id != infusion_id,
            i.c.event_at > end_of_day(tz, day - timedelta(days=1)),
            i.c.event_at <= end_of_day(tz, day),
            ~reversed_infusion(i.c.id),
        )
        .order_by(i.c.event_at, i.c.id)
        .limit(1)
    ).scalar()
    return int(found) if found is not None else None


def _leave_pending(
    tx: UnitOfWork, *, infusion_id: int, patient_id: int, code: str, day: date, note: str
) -> None:
    price = price_on(tx.session, code, day)
    if price is None:
        note = (note + "; " if note else "") + f"no price for {code} on {day}"
    tx.session.add(
        PendingCharge(
            infusion_id=infusion_id,
            patient_id=patient_id,
            code=code,
            price_item_id=price.id if price else None,
            description=price.description if price else code,
            unit_cents=price.unit_price_cents if price else 0,
            service_on=day,
            note=note[:500],
            created_at=tx.entered_at,
        )
    )
    tx.session.flush()


def bill_infusion(
    tx: UnitOfWork,
    *,
    infusion_id: int,
    patient_id: int,
    event_at: datetime,
    protocol: str | None = None,
    service: str | None = None,
) -> str:
    """Step of recording an infusion: consume a credit or leave a pending charge.

    Returns "credit", "pending", "session" (billed with the patient's earlier infusion that
    day: see the module's rule), "failed" (billing refused; the charge is pending with the
    reason, or, if even that failed, left for the billing cross-check to find), or "" when
    the clinic does not bill through vialbook (no price and no package defined yet).
    """
    if not _billing_in_use(tx):
        return ""
    day = local_date(tx.settings.timezone, event_at)
    if not service and same_day_session(
        tx, infusion_id=infusion_id, patient_id=patient_id, day=day
    ):
        return "session"
    default = tx.settings.infusion_item_code.upper()
    try:
        with tx.session.begin_nested():
            code = service_code(tx, service=service, protocol=protocol)
            used = consume_credit(
                tx, patient_id=patient_id, infusion_id=infusion_id, code=code, day=day
            )
            if used is not None:
                return "credit"
            _leave_pending(
                tx,
                infusion_id=infusion_id,
                patient_id=patient_id,
                code=code,
                day=day,
                note=f"no valid credit covers {code}",
            )
            return "pending"
    except Exception as exc:  # noqa: BLE001 - billing must never stop the clinical record
        chain.forget(tx.session)
        why = f"billing refused: {exc}"
        log.warning("infusion %s: %s", infusion_id, why)
    try:
        with tx.session.begin_nested():
            _leave_pending(
                tx,
                infusion_id=infusion_id,
                patient_id=patient_id,
                code=default,
                day=day,
                note=why,
            )
    except Exception as exc:  # noqa: BLE001
        log.error("infusion %s: no pending charge could be left: %s", infusion_id, exc)
    return "failed"
