"""A billing story on the test clinic: a price list, two packages, and infusions on chosen
clinic days (the clock pinned to noon in Denver)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from ledger import clock
from ledger.access import Actor
from ledger.services.billing import packages, prices
from ledger.services.infusions import InfusionRecorded, record_infusion
from tests.support import Clinic

#: The first day of the story: the day after the test clinic opened.
DAY1 = date(2026, 1, 6)


def noon(day: date) -> datetime:
    """Noon in Denver (UTC-7 in winter, -6 in summer; 19:00 UTC is inside the day either way)."""
    return datetime(day.year, day.month, day.day, 19, 0, tzinfo=UTC)


@contextmanager
def on(day: date) -> Iterator[None]:
    clock.set_clock(lambda: noon(day))
    try:
        yield
    finally:
        clock.set_clock(None)


def billing(clinic: Clinic) -> Actor:
    return clinic.actor("bella")


def price_list(clinic: Clinic, day: date = DAY1) -> None:
    """MOOD 450.00, PAIN 600.00, BOOSTER 400.00, CONSULT 150.00; SERIES6 (6 × MOOD, 2400.00,
    90 days) and BOOST3 (3 × BOOSTER or MOOD, 1000.00: it does not divide by 3)."""
    with on(day):
        bella = billing(clinic)
        prices.set_price(clinic.db, bella, code="MOOD", description="Mood infusion (40 min)",
                         cpt="96365", hcpcs="J3490", price_cents=45_000)  # fmt: skip
        prices.set_price(clinic.db, bella, code="PAIN", description="Pain infusion (per hour)",
                         cpt="96365", price_cents=60_000)  # fmt: skip
        prices.set_price(clinic.db, bella, code="BOOSTER", description="Booster infusion",
                         cpt="96365", hcpcs="J3490", price_cents=40_000)  # fmt: skip
        prices.set_price(clinic.db, bella, code="CONSULT", description="Consultation",
                         price_cents=15_000)  # fmt: skip
        packages.define_package(clinic.db, bella, code="SERIES6", name="Initial series",
                                sessions=6, price_cents=240_000, valid_days=90,
                                covers=["MOOD"])  # fmt: skip
        packages.define_package(clinic.db, bella, code="BOOST3", name="Booster pack",
                                sessions=3, price_cents=100_000, valid_days=180,
                                covers=["BOOSTER", "MOOD"])  # fmt: skip


def infuse(
    clinic: Clinic, day: date, *, patient: str = "MRN1", vial: str = "K-000001", **kw: object
) -> InfusionRecorded:
    """A 40 mg infusion with nothing wasted, recorded by nurse Nina at noon on `day`."""
    with on(day):
        return record_infusion(
            clinic.db,
            clinic.actor("nina"),
            patient=patient,
            vial=vial,
            drawn_ug=40_000,
            given_ug=40_000,
            wasted_ug=0,
            **kw,  # type: ignore[arg-type]
        )
