"""Test support: a small clinic built through the services, and a logical dump of the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from ledger import clock
from ledger.access import Actor
from ledger.auth import Credentials, login
from ledger.database import Database
from ledger.models import metadata
from ledger.services import catalogue, receiving, users
from ledger.services.patients import NewPatient, add_patient

KETAMINE = "00409-2051-05"  # 50 mg/mL x 10 mL, multiple-dose
KETAMINE_100 = "00409-2053-10"  # 100 mg/mL x 5 mL, multiple-dose
MIDAZOLAM = "00641-6057-10"  # 1 mg/mL x 2 mL, single-dose, schedule IV
DEA = "FK1234563"
SECOND_DEA = "BK7654329"
SUPPLIER_DEA = "PH7654329"
STAFF = {
    # username: roles
    "admin": ["admin"],
    "drkim": ["registrant"],
    "nina": ["nurse"],
    "omar": ["nurse"],
    "maria": ["manager"],
    "bella": ["billing"],
    "audrey": ["auditor"],
}


def pw(username: str) -> str:
    return f"{username}-secret-pw"


@dataclass
class Clinic:
    """A set-up clinic: one registration, a supplier, three products, patients, ten vials."""

    db: Database

    def actor(self, username: str) -> Actor:
        return login(self.db, username, pw(username))

    def witness(self, username: str) -> Credentials:
        return Credentials(username, pw(username))


#: When the test clinic set itself up and took its first deliveries: a Monday morning in
#: Denver, early enough that tests may pin the clock to any later day of their story.
CLINIC_OPENED = datetime(2026, 1, 5, 16, 0, tzinfo=UTC)


def build_clinic(db: Database, at: datetime = CLINIC_OPENED) -> None:
    """Everything through the public services, as a clinic would set itself up, at `at`."""
    clock.set_clock(lambda: at)
    try:
        _build_clinic(db)
    finally:
        clock.set_clock(None)


def _build_clinic(db: Database) -> None:
    users.init_clinic(
        db,
        clinic_name="Test Clinic",
        admin_username="admin",
        admin_full_name="Ada Admin",
        admin_password=pw("admin"),
        timezone="America/Denver",
    )
    admin = login(db, "admin", pw("admin"))
    for name, roles in STAFF.items():
        if name != "admin":
            users.add_user(
                db, admin, username=name, full_name=name.title(), roles=roles, password=pw(name)
            )
    catalogue.add_registration(
        db,
        admin,
        dea_number=DEA,
        registrant="Dr Kim",
        address="1 Pearl St, Boulder CO",
        schedules=[3, 4],
        expires=date(2035, 1, 1),
    )
    catalogue.add_supplier(
        db, admin, name="Henry Schein", address="135 Duryea Rd", dea_number=SUPPLIER_DEA
    )
    catalogue.add_product(
        db,
        admin,
        name="Ketamine 50 mg/mL",
        ndc=KETAMINE,
        schedule=3,
        strength_ug_per_ml=50_000,
        volume_ul=10_000,
        label_prefix="K",
    )
    catalogue.add_product(
        db,
        admin,
        name="Ketamine 100 mg/mL",
        ndc=KETAMINE_100,
        schedule=3,
        strength_ug_per_ml=100_000,
        volume_ul=5_000,
        label_prefix="KH",
    )
    catalogue.add_product(
        db,
        admin,
        name="Midazolam 1 mg/mL",
        ndc=MIDAZOLAM,
        schedule=4,
        strength_ug_per_ml=1_000,
        volume_ul=2_000,
        multi_dose=False,
        label_prefix="M",
    )
    nurse = login(db, "nina", pw("nina"))
    add_patient(
        db, nurse, NewPatient("Pat One", "3 Elm St, Boulder", date(1980, 1, 1), "MRN1", 80_000)
    )
    add_patient(
        db, nurse, NewPatient("Sam Two", "4 Oak St, Denver", date(1975, 5, 5), "MRN2", 64_000)
    )
    add_patient(db, nurse, NewPatient("No Address", "", date(1990, 2, 2), "MRN3"))
    manager = login(db, "maria", pw("maria"))
    receiving.receive(
        db,
        manager,
        supplier="Henry Schein",
        invoice_number="INV-1",
        ndc=KETAMINE,
        lot="LOT-A",
        expires=date(2034, 6, 30),
        vials=5,
    )  # K-000001..K-000005
    receiving.receive(
        db,
        manager,
        supplier="Henry Schein",
        invoice_number="INV-2",
        ndc=MIDAZOLAM,
        lot="LOT-M",
        expires=date(2034, 6, 30),
        vials=3,
    )  # M-000001..M-000003


#: Columns that a refused login legitimately changes: the lock-out counters.
SECURITY_COUNTERS = {"app_user": {"failed_logins", "locked_until"}}


def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every ledger table, ordered, for before/after comparisons.

    The audit trail is left out on purpose: a refusal must leave the ledger as it
    was, and must also be written to the audit trail.
    """
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name == "audit_event":
                continue
            skip = SECURITY_COUNTERS.get(table.name, set())
            cols = [c for c in table.columns if c.name not in skip]
            order = list(table.primary_key.columns)
            rows = conn.execute(sa.select(*cols).order_by(*order)).all()
            out[table.name] = [tuple(r) for r in rows]
    return out


def audit_rows(db: Database) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        t = metadata.tables["audit_event"]
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(t.c.username, t.c.action, t.c.outcome, t.c.rule).order_by(t.c.id)
            )
        ]
