"""Packages: a series of sessions sold up front, versioned like prices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import InvalidAmount, UnknownPackage
from ledger.models import Package
from ledger.money import MAX_CENTS
from ledger.services.billing.common import clean_code, clinic_day
from ledger.text import clean_text
from ledger.unit_of_work import act, look


@dataclass(frozen=True)
class PackageDefinition:
    id: int
    code: str
    name: str
    sessions: int
    price_cents: int
    valid_days: int
    covers: tuple[str, ...]
    effective_from: date


def _definition(row: Package) -> PackageDefinition:
    assert row.id is not None
    return PackageDefinition(
        id=row.id,
        code=row.code,
        name=row.name,
        sessions=row.sessions,
        price_cents=row.price_cents,
        valid_days=row.valid_days,
        covers=row.covered_codes(),
        effective_from=row.effective_from,
    )


def package_on(session: Session, code: str, day: date) -> Package | None:
    return session.exec(
        select(Package)
        .where(Package.code == code.upper(), Package.effective_from <= day)
        .order_by(col(Package.effective_from).desc(), col(Package.id).desc())
        .limit(1)
    ).first()


def require_package(session: Session, code: str, day: date) -> Package:
    found = package_on(session, code, day)
    if found is None:
        raise UnknownPackage(f"no package {code.upper()} on {day}", subject=code.upper())
    return found


def allocation(price_cents: int, sessions: int) -> list[int]:
    """Each credit's share of a package price: price ÷ sessions, the remainder cents on the
    first credit, so the credits sum exactly to the price."""
    base, remainder = divmod(price_cents, sessions)
    return [base + remainder, *([base] * (sessions - 1))]


@audited("billing.price")
def define_package(
    db: Database,
    actor: Actor,
    *,
    code: str,
    name: str,
    sessions: int,
    price_cents: int,
    valid_days: int,
    covers: list[str],
    effective_from: date | None = None,
) -> PackageDefinition:
    """Define (or redefine from a date) a package of `sessions` credits covering `covers`."""
    package = clean_code(code, "package code")
    text = clean_text(name, "package name", 200, one_line=True)
    if isinstance(sessions, bool) or not isinstance(sessions, int) or not 1 <= sessions <= 100:
        raise InvalidAmount("a package has between 1 and 100 sessions")
    if isinstance(price_cents, bool) or not isinstance(price_cents, int):
        raise InvalidAmount("a price is integer cents")
    if not 0 <= price_cents <= MAX_CENTS:
        raise InvalidAmount("a price is between 0.00 and 10000000.00")
    if (
        isinstance(valid_days, bool)
        or not isinstance(valid_days, int)
        or not 1 <= valid_days <= 3660
    ):
        raise InvalidAmount("a package is valid for between 1 and 3660 days")
    # Kept in the order typed: the first is the single infusion a refund values a used
    # session at.
    codes = list(
        dict.fromkeys(clean_code(c, "covered item code") for c in covers if str(c).strip())
    )
    if not codes:
        raise InvalidAmount("a package covers at least one item code (--covers MOOD)")
    with act(db, actor, "billing.price") as tx:
        row = Package(
            code=package,
            name=text,
            sessions=sessions,
            price_cents=price_cents,
            valid_days=valid_days,
            covers=",".join(codes),
            effective_from=effective_from or clinic_day(tx),
            created_at=tx.entered_at,
            created_by_id=tx.user_id,
        )
        tx.session.add(row)
        tx.session.flush()
        tx.audit(detail={"code": package, "sessions": sessions, "price_cents": price_cents})
        return _definition(row)


def list_packages(db: Database, actor: Actor, *, on: date | None = None) -> list[PackageDefinition]:
    """Every package's definition in force on `on` (default today), by code."""
    with look(db, actor, "billing.read") as tx:
        day = on or clinic_day(tx)
        codes = tx.session.exec(select(Package.code).distinct().order_by(Package.code)).all()
        out = [package_on(tx.session, c, day) for c in codes]
        return [_definition(p) for p in out if p is not None]
