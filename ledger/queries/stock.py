"""Stock on hand, from the balance cache: its cost depends on vials on the shelf, not history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from ledger import clock
from ledger import plain_tables as t
from ledger.access import Actor, authorize_reader
from ledger.clock import local_date
from ledger.database import Database
from ledger.errors import DatabaseNotInitialised
from ledger.units import mg_text, ml_text
from ledger.vial_state import VialState


@dataclass(frozen=True)
class VialStock:
    label: str
    product: str
    ndc: str
    registration: str
    lot: str
    expires: date
    state: str
    bud: datetime | None
    balance_ug: int
    strength_ug_per_ml: int
    expired: bool
    past_bud: bool

    def as_json(self) -> dict[str, object]:
        return {
            "label": self.label,
            "product": self.product,
            "ndc": self.ndc,
            "registration": self.registration,
            "lot": self.lot,
            "expires": self.expires.isoformat(),
            "state": self.state,
            "bud": self.bud.isoformat() if self.bud else None,
            "expired": self.expired,
            "past_bud": self.past_bud,
            "balance_ug": self.balance_ug,
            "balance_mg": mg_text(self.balance_ug),
            "balance_ml": ml_text(self.balance_ug, self.strength_ug_per_ml),
        }


@dataclass(frozen=True)
class ProductStock:
    ndc: str
    name: str
    strength_ug_per_ml: int
    balance_ug: int
    sealed: int
    open: int

    def as_json(self) -> dict[str, object]:
        return {
            "ndc": self.ndc,
            "name": self.name,
            "balance_ug": self.balance_ug,
            "balance_mg": mg_text(self.balance_ug),
            "balance_ml": ml_text(self.balance_ug, self.strength_ug_per_ml),
            "sealed": self.sealed,
            "open": self.open,
        }


@dataclass(frozen=True)
class StockOnHand:
    vials: list[VialStock]
    products: list[ProductStock]

    def as_json(self) -> dict[str, object]:
        return {
            "vials": [v.as_json() for v in self.vials],
            "products": [p.as_json() for p in self.products],
        }


def _vials_on_hand(registration: str | None) -> sa.Select:  # type: ignore[type-arg]
    # Plain Core tables: `vialbook stock` starts without building the SQLModel classes.
    v, b, p, r = t.vial, t.vial_balance, t.product, t.registration
    stmt = (
        sa.select(
            v.c.label,
            v.c.lot,
            v.c.expires,
            v.c.state,
            v.c.bud,
            b.c.balance_ug,
            p.c.name,
            p.c.ndc,
            p.c.strength_ug_per_ml,
            r.c.dea_number,
        )
        .select_from(
            b.join(v, v.c.id == b.c.vial_id)
            .join(p, p.c.id == v.c.product_id)
            .join(r, r.c.id == v.c.registration_id)
        )
        .where(b.c.balance_ug > 0)
        .order_by(p.c.name, v.c.label)
    )
    if registration:
        stmt = stmt.where(r.c.dea_number == registration.strip().upper())
    return stmt


def _clinic_timezone(conn: sa.Connection) -> str:
    """The clinic's zone, as `settings.clinic_settings` refuses a clinic not set up yet."""
    zone = conn.execute(
        sa.select(t.clinic_settings.c.timezone).where(t.clinic_settings.c.id == 1)
    ).scalar()
    if zone is None:
        raise DatabaseNotInitialised("the clinic is not set up yet; run `vialbook init`")
    return str(zone)


def stock_on_hand(db: Database, actor: Actor, registration: str | None = None) -> StockOnHand:
    # `unit_of_work.look`'s checks (the authorized user, the settings, one instant) in one
    # Core read transaction.
    with db.reading() as conn:
        authorize_reader(conn, actor, "ledger.read")
        now = clock.now()
        today = local_date(_clinic_timezone(conn), now)
        vials: list[VialStock] = []
        products: dict[str, dict[str, int | str]] = {}
        for row in conn.execute(_vials_on_hand(registration)):
            vials.append(
                VialStock(
                    label=row.label,
                    product=row.name,
                    ndc=row.ndc,
                    registration=row.dea_number,
                    lot=row.lot,
                    expires=row.expires,
                    state=row.state,
                    bud=row.bud,
                    balance_ug=row.balance_ug,
                    strength_ug_per_ml=row.strength_ug_per_ml,
                    expired=today > row.expires,
                    past_bud=row.bud is not None and now > row.bud,
                )
            )
            agg = products.setdefault(
                row.ndc,
                {
                    "name": row.name,
                    "strength": row.strength_ug_per_ml,
                    "ug": 0,
                    "sealed": 0,
                    "open": 0,
                },
            )
            agg["ug"] = int(agg["ug"]) + row.balance_ug
            if row.state == VialState.SEALED:
                agg["sealed"] = int(agg["sealed"]) + 1
            elif row.state == VialState.OPEN:
                agg["open"] = int(agg["open"]) + 1
        return StockOnHand(
            vials=vials,
            products=[
                ProductStock(
                    ndc=ndc,
                    name=str(a["name"]),
                    strength_ug_per_ml=int(a["strength"]),
                    balance_ug=int(a["ug"]),
                    sealed=int(a["sealed"]),
                    open=int(a["open"]),
                )
                for ndc, a in sorted(products.items(), key=lambda kv: str(kv[1]["name"]))
            ],
        )
