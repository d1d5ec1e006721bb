"""Registrations, suppliers and products: what the clinic may hold and where it comes from."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, func, select

from ledger.access import Actor
from ledger.audited import audited
from ledger.clock import local_date
from ledger.database import Database
from ledger.errors import (
    DuplicateRecord,
    InvalidAmount,
    InvalidDate,
    InvalidText,
    RegistrationExpired,
    TransferNotAllowed,
    UnknownRecord,
)
from ledger.identifiers import normalize_ndc, validate_dea_number, validate_schedule
from ledger.models import Product, Registration, Supplier
from ledger.text import clean_text
from ledger.unit_of_work import act
from ledger.units import plausible_date, plausible_strength, plausible_volume_ul


def refuse_own_registration(session: Session, dea_number: str, counterparty: str) -> None:
    """A counterparty (a reverse distributor, a supplier) is another registrant, never us.

    Stock "returned" to the clinic's own DEA number would leave the books without
    leaving the building.
    """
    own = select(Registration.id).where(Registration.dea_number == dea_number)
    if session.exec(own).first() is not None:
        raise TransferNotAllowed(
            f"{dea_number} is this clinic's own registration; {counterparty} is another "
            "registrant, with its own DEA number",
            subject=dea_number,
        )


@audited("registration.add")
def add_registration(
    db: Database,
    actor: Actor,
    *,
    dea_number: str,
    registrant: str,
    address: str,
    schedules: list[int],
    expires: date,
) -> int:
    number = validate_dea_number(dea_number)
    plausible_date(expires, "registration expiry")
    covered = sorted({validate_schedule(s) for s in schedules})
    if not covered:
        raise InvalidText("a registration must cover at least one schedule")
    row = Registration(
        dea_number=number,
        registrant=clean_text(registrant, "registrant", 200, one_line=True),
        address=clean_text(address, "address", 500),
        schedules=",".join(str(s) for s in covered),
        expires=expires,
    )
    with act(db, actor, "registration.add") as tx:
        session = tx.session
        today = local_date(tx.settings.timezone, tx.entered_at)
        if expires < today:
            raise RegistrationExpired(
                f"registration {number} expired on {expires}; add it once renewed, "
                "with its new expiry",
                subject=number,
            )
        found = select(Registration).where(Registration.dea_number == number)
        if session.exec(found).first() is not None:
            raise DuplicateRecord(f"registration {number} already exists", subject=number)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


@audited("registration.renew")
def renew_registration(db: Database, actor: Actor, *, dea_number: str, expires: date) -> date:
    """The DEA renewed the registration: its new expiry, later than the one it replaces.
    Returns the expiry replaced; the audit trail keeps both, so the history is not lost.
    Records already made stay valid: they fell before the old expiry, so before the new."""
    number = validate_dea_number(dea_number)
    plausible_date(expires, "registration expiry")
    with act(db, actor, "registration.renew") as tx:
        reg = tx.session.exec(select(Registration).where(Registration.dea_number == number)).first()
        if reg is None:
            raise UnknownRecord(f"no registration {number}", subject=number)
        if expires <= reg.expires:
            raise InvalidDate(
                f"registration {number} already runs to {reg.expires}; a renewal gives a "
                "later expiry",
                subject=number,
            )
        replaced = reg.expires
        reg.expires = expires
        tx.session.add(reg)
        tx.audit(
            detail={"registration": number, "expired": replaced.isoformat(),
                    "expires": expires.isoformat()},
        )  # fmt: skip
        return replaced


@audited("supplier.add")
def add_supplier(db: Database, actor: Actor, *, name: str, address: str, dea_number: str) -> int:
    row = Supplier(
        name=clean_text(name, "supplier name", 200, one_line=True),
        address=clean_text(address, "supplier address", 500),
        dea_number=validate_dea_number(dea_number),
    )
    with act(db, actor, "supplier.add") as tx:
        session = tx.session
        # Case and inner spacing do not make another supplier on a receiving log.
        same = func.lower(Supplier.name) == row.name.lower()
        existing = session.exec(select(Supplier.name).where(same)).first()
        if existing is not None:
            raise DuplicateRecord(f"supplier {existing!r} already exists", subject=row.name)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


@audited("product.add")
def add_product(
    db: Database,
    actor: Actor,
    *,
    name: str,
    ndc: str,
    schedule: int | str,
    strength_ug_per_ml: int,
    volume_ul: int,
    multi_dose: bool = True,
    bud_days: int | None = None,
    label_prefix: str | None = None,
) -> int:
    clean_name = clean_text(name, "product name", 200, one_line=True)
    code = normalize_ndc(ndc)
    for value, what in ((strength_ug_per_ml, "strength"), (volume_ul, "container volume")):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidAmount(f"{what} must be a whole number")
    plausible_strength(strength_ug_per_ml)
    plausible_volume_ul(volume_ul)
    if (strength_ug_per_ml * volume_ul) % 1000:
        raise InvalidAmount("strength × volume is not a whole number of µg")
    if bud_days is not None and not 1 <= bud_days <= 365:
        raise InvalidAmount("beyond-use days must be between 1 and 365")
    prefix = (label_prefix or clean_name[:1]).upper()
    if not re.fullmatch(r"[A-Z]{1,8}", prefix):
        raise InvalidText(f"label prefix {prefix!r} must be 1-8 letters")
    row = Product(
        name=clean_name,
        ndc=code,
        schedule=validate_schedule(schedule),
        strength_ug_per_ml=strength_ug_per_ml,
        volume_ul=volume_ul,
        multi_dose=multi_dose,
        bud_days=bud_days,
        label_prefix=prefix,
    )
    with act(db, actor, "product.add") as tx:
        session = tx.session
        if session.exec(select(Product).where(Product.ndc == code)).first() is not None:
            raise DuplicateRecord(f"a product with NDC {code} already exists", subject=code)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id
