"""A clinic ready for billing documents: NPIs, a tax ID, a medical director, prices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ledger import clock
from ledger.services import users
from ledger.services.billing import packages, prices
from ledger.services.infusions import record_infusion
from ledger.services.settings import update_settings
from tests.support import Clinic

CLINIC_NPI = "1234567893"
DIRECTOR_NPI = "1245319599"
#: Monday 2 March 2026, 9:00 in Denver.
MONDAY = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def pin(at: datetime) -> None:
    clock.set_clock(lambda: at)


def ready_for_billing(clinic: Clinic) -> None:
    """Clinic NPI and tax ID, Dr Kim as medical director with an NPI, and a price list from
    1 February 2026: the mood infusion (96365 + J3490), a pain infusion per hour, a
    consultation, ketamine billed per mg, and a six-session series."""
    admin = clinic.actor("admin")
    users.set_npi(clinic.db, admin, "drkim", DIRECTOR_NPI)
    update_settings(
        clinic.db,
        admin,
        npi=CLINIC_NPI,
        tax_id="84-1234567",
        address="1 Pearl St, Boulder CO 80302",
        medical_director="drkim",
    )
    bella = clinic.actor("bella")
    day = date(2026, 2, 1)
    for code, text, cpt, hcpcs, cents in (
        ("MOOD", "Ketamine infusion for mood, 40 minutes", "96365", "J3490", 45_000),
        ("PAIN", "Ketamine infusion for pain, per hour", "96365", None, 30_000),
        ("CONSULT", "Consultation", "99204", None, 25_000),
        ("KETAMINE", "Ketamine HCl, per mg", None, "J3490", 100),
    ):
        prices.set_price(
            clinic.db, bella, code=code, description=text, cpt=cpt, hcpcs=hcpcs,
            price_cents=cents, effective_from=day,
        )  # fmt: skip
    packages.define_package(
        clinic.db, bella, code="SERIES6", name="Initial series", sessions=6,
        price_cents=240_000, valid_days=90, covers=["MOOD"], effective_from=day,
    )  # fmt: skip


def infusion(
    clinic: Clinic,
    *,
    patient: str = "MRN1",
    start: datetime = MONDAY,
    minutes: int = 40,
    vial: str = "K-000001",
    given_mg: int = 40,
    service: str | None = None,
) -> int:
    pin(start + timedelta(minutes=minutes))
    done = record_infusion(
        clinic.db, clinic.actor("nina"), patient=patient, vial=vial, drawn_ug=given_mg * 1000,
        given_ug=given_mg * 1000, wasted_ug=0, witness=clinic.witness("omar"),
        started_at=start, ended_at=start + timedelta(minutes=minutes), service=service,
    )  # fmt: skip
    return done.infusion_id
