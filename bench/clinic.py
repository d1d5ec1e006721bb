"""Setting up the chain through the public services: both writers start from this.

Every actor logs in here, once and in a fixed order, because a login writes an
audit event: logging in lazily during the history would interleave those rows
differently in the two writers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from bench import history
from bench.history import Layout, Profile
from ledger import clock
from ledger.access import Actor
from ledger.auth import login
from ledger.database import Database
from ledger.identifiers import dea_check_digit
from ledger.models import Patient, Product, Registration, Supplier, User
from ledger.models.base import table_of
from ledger.services import catalogue, users
from ledger.services.patients import import_patients


@dataclass
class Chain:
    """Ids and logged-in actors of a set-up chain, as both writers need them."""

    actors: dict[str, Actor]
    user_ids: dict[str, int]
    registration_ids: dict[int, int]
    registration_deas: dict[int, str]
    supplier_ids: dict[str, int]
    supplier_deas: dict[str, str]
    product_id: int
    product_content_ug: int
    label_prefix: str
    patient_ids: dict[str, int]
    timezone: str
    bud_days: int


def _dea(prefix: str, n: int) -> str:
    six = f"{n:06d}"
    return f"{prefix}{six}{dea_check_digit(six)}"


def site_dea(site: int) -> str:
    """The DEA number set_up_chain gives a site's registration."""
    return _dea("FK", 100000 + site)


def _usernames(layout: Layout) -> list[tuple[str, str, list[str]]]:
    out = []
    for site in range(1, layout.sites + 1):
        out.append((history.registrant(site), f"Dr. Site {site} Registrant", ["registrant"]))
        for nurse in history.nurses(site):
            out.append((nurse, f"Nurse {nurse.upper()}, RN", ["nurse"]))
        out.append((history.manager(site), f"Manager of site {site}", ["manager"]))
    return out


def set_up_chain(db: Database, layout: Layout, profile: Profile, seed: int) -> Chain:
    """Clinic, staff, one DEA registration per site, suppliers, ketamine, patients."""
    start = datetime.combine(layout.first_day - timedelta(days=1), time(15, 0), tzinfo=UTC)
    clock.set_clock(lambda: start)
    users.init_clinic(
        db,
        clinic_name="Bench Ketamine Chain",
        admin_username="admin",
        admin_full_name="Chain Administrator",
        admin_password=history.password("admin"),
        timezone=history.TIMEZONE,
    )
    actors = {"admin": login(db, "admin", history.password("admin"))}
    admin = actors["admin"]
    staff = _usernames(layout)
    for username, full_name, roles in staff:
        users.add_user(
            db,
            admin,
            username=username,
            full_name=full_name,
            roles=roles,
            password=history.password(username),
        )
    for username, _, _ in staff:
        actors[username] = login(db, username, history.password(username))
    for site in range(1, layout.sites + 1):
        catalogue.add_registration(
            db,
            admin,
            dea_number=site_dea(site),
            registrant=f"Dr. Site {site} Registrant",
            address=f"{site} Pearl St, Boulder, CO 80302",
            schedules=[3, 4],
            expires=layout.last_day + timedelta(days=400),
        )
    for i, name in enumerate(history.SUPPLIERS):
        catalogue.add_supplier(
            db, admin, name=name, address=f"{i + 1} Distribution Way", dea_number=_dea("PC", i)
        )
    catalogue.add_product(
        db,
        admin,
        name="Ketamine HCl 50 mg/mL",
        ndc=history.KETAMINE_NDC,
        schedule=3,
        strength_ug_per_ml=50_000,
        volume_ul=10_000,
        label_prefix="K",
    )
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(["name", "address", "dob", "mrn", "weight"])
    for site in range(1, layout.sites + 1):
        for p in history.patients(site, profile, seed):
            out.writerow([p.name, p.address, p.dob.isoformat(), p.mrn, f"{p.weight_g // 1000}kg"])
    # Synthetic names and birth dates can repeat across a busy site's thousands of patients.
    import_patients(db, admin, buffer.getvalue().encode(), allow_duplicate=True)
    return _ids(db, actors)


def _ids(db: Database, actors: dict[str, Actor]) -> Chain:
    with db.engine.connect() as conn:
        u, r, s, p, pt = (table_of(t) for t in (User, Registration, Supplier, Product, Patient))
        user_ids = dict(conn.execute(sa.select(u.c.username, u.c.id)).all())
        regs = conn.execute(sa.select(r.c.id, r.c.dea_number).order_by(r.c.id)).all()
        product = conn.execute(sa.select(p).where(p.c.ndc == history.KETAMINE_NDC)).one()
        return Chain(
            actors=actors,
            user_ids=user_ids,
            registration_ids={site: row.id for site, row in enumerate(regs, start=1)},
            registration_deas={site: row.dea_number for site, row in enumerate(regs, start=1)},
            supplier_ids=dict(conn.execute(sa.select(s.c.name, s.c.id)).all()),
            supplier_deas=dict(conn.execute(sa.select(s.c.name, s.c.dea_number)).all()),
            product_id=product.id,
            product_content_ug=product.strength_ug_per_ml * product.volume_ul // 1000,
            label_prefix=product.label_prefix,
            patient_ids=dict(conn.execute(sa.select(pt.c.mrn, pt.c.id)).all()),
            timezone=history.TIMEZONE,
            bud_days=history.BUD_DAYS,
        )
