"""The demo clinic: six months of realistic, witnessed activity, deterministic from a seed.

Everything is written through the public services with the clock pinned to each
event's time, so the demo ledger is exactly what real use would have produced.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ledger import audit, clock, demo_billing, passwords, schema
from ledger.access import Actor
from ledger.auth import Credentials, login
from ledger.database import Database
from ledger.errors import Refusal
from ledger.identifiers import dea_check_digit
from ledger.services import catalogue, corrections, disposal, infusions, receiving, users
from ledger.services.patients import NewPatient, add_patient
from ledger.services.settings import update_settings

TIMEZONE = "America/Denver"
DEMO_PASSWORD_SUFFIX = "-demo-pass"
#: The audit action `build_demo` writes once the demo is built: the only thing that makes a
#: database the demo. A clinic's name proves nothing (a real clinic may share the demo's).
DEMO_BUILT = "demo.build"

STAFF = [
    # username, full name, roles
    ("drkim", "Dr. Helen Kim", ["registrant"]),
    ("nina", "Nina Alvarez, RN", ["nurse"]),
    ("omar", "Omar Haddad, RN", ["nurse"]),
    ("maria", "Maria Lopez", ["manager"]),
    ("bella", "Bella Chen", ["billing"]),
    ("audrey", "Audrey Park", ["auditor"]),
]

FIRST = [
    "Avery",
    "Jordan",
    "Riley",
    "Casey",
    "Morgan",
    "Quinn",
    "Taylor",
    "Jamie",
    "Rowan",
    "Skyler",
    "Drew",
    "Emerson",
    "Harper",
    "Logan",
    "Parker",
    "Reese",
    "Sage",
    "Blake",
    "Cameron",
    "Dakota",
]
LAST = [
    "Nguyen",
    "Garcia",
    "Smith",
    "Patel",
    "Johnson",
    "Okafor",
    "Rossi",
    "Kowalski",
    "Silva",
    "Brown",
    "Hughes",
    "Murphy",
    "Cohen",
    "Tanaka",
    "Moreau",
    "Larsen",
]
STREETS = ["Aspen Way", "Pine St", "Canyon Rd", "Cedar Ave", "Mesa Dr", "Juniper Ln", "Ridge Rd"]
TOWNS = ["Boulder, CO 80302", "Denver, CO 80205", "Golden, CO 80401", "Louisville, CO 80027"]

KETAMINE_50 = "00409-2051-05"
KETAMINE_100 = "00409-2053-10"
MIDAZOLAM = "00641-6057-10"


def is_demo(db: Database) -> bool:
    """True only for a database `build_demo` built (its audit trail holds DEMO_BUILT)."""
    from sqlmodel import select

    from ledger.models import AuditEvent

    with db.read() as session:
        stmt = select(AuditEvent.id).where(AuditEvent.action == DEMO_BUILT).limit(1)
        return session.exec(stmt).first() is not None


def password(username: str) -> str:
    return f"{username}{DEMO_PASSWORD_SUFFIX}"


@dataclass
class DemoSummary:
    clinic: str
    logins: list[tuple[str, str, str]]
    infusions: int = 0
    receipts: int = 0
    movements: int = 0
    notes: list[str] = field(default_factory=list)


def _dea(rng: random.Random, letters: str) -> str:
    six = "".join(str(rng.randint(0, 9)) for _ in range(6))
    return f"{letters}{six}{dea_check_digit(six)}"


class _Clinic:
    """The demo's moving parts: who is on shift, which vial is open, what time it is."""

    def __init__(self, db: Database, rng: random.Random, tz: ZoneInfo) -> None:
        self.db, self.rng, self.tz = db, rng, tz
        self.actors: dict[str, Actor] = {}
        self.open_vial: str | None = None
        self.stock: list[str] = []
        self.mida: list[str] = []
        self.summary_infusions = 0

    def at(self, day: date, hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz).astimezone(UTC)

    def act(self, when: datetime) -> None:
        clock.set_clock(lambda: when)

    def actor(self, username: str) -> Actor:
        if username not in self.actors:
            self.actors[username] = login(self.db, username, password(username))
        return self.actors[username]

    def witness(self, nurse: str) -> Credentials:
        other = "omar" if nurse == "nina" else "nina"
        return Credentials(other, password(other))


def build_demo(
    db: Database,
    *,
    seed: int = 7,
    days: int = 182,
    until: date | None = None,
    per_day: tuple[int, int] = (6, 14),
) -> DemoSummary:
    """Create the demo clinic on an empty database. Refused if it already holds a clinic."""
    passwords.use_cheap_hashing_for_tests_and_demo()
    schema.upgrade(db)
    rng = random.Random(seed)
    tz = ZoneInfo(TIMEZONE)
    # The history ends yesterday: nothing in the demo may be dated after the moment it is built.
    last_day = until or clock.now().astimezone(tz).date() - timedelta(days=1)
    first_day = last_day - timedelta(days=days)
    c = _Clinic(db, rng, tz)
    summary = DemoSummary(
        clinic="Front Range Ketamine Clinic", logins=[("admin", password("admin"), "admin")]
    )
    try:
        c.act(c.at(first_day - timedelta(days=1), 8, 0))
        users.init_clinic(
            db,
            clinic_name=summary.clinic,
            admin_username="admin",
            admin_full_name="Clinic Administrator",
            admin_password=password("admin"),
            timezone=TIMEZONE,
        )
        admin = c.actor("admin")
        update_settings(
            db,
            admin,
            address="1200 Pearl St, Suite 4, Boulder, CO 80302",
            npi="1234567893",
            tax_id="84-1234567",
        )
        for username, name, roles in STAFF:
            users.add_user(
                db,
                admin,
                username=username,
                full_name=name,
                roles=roles,
                password=password(username),
            )
            summary.logins.append((username, password(username), ",".join(roles)))
        catalogue.add_registration(
            db,
            admin,
            dea_number=_dea(rng, "FK"),
            registrant="Dr. Helen Kim",
            address="1200 Pearl St, Suite 4, Boulder, CO 80302",
            schedules=[3, 4],
            expires=last_day + timedelta(days=400),
        )
        for name, address, letters in (
            ("Cardinal Health", "7000 Cardinal Pl, Dublin, OH 43017", "PC"),
            ("Henry Schein", "135 Duryea Rd, Melville, NY 11747", "PH"),
        ):
            catalogue.add_supplier(
                db, admin, name=name, address=address, dea_number=_dea(rng, letters)
            )
        manager = c.actor("maria")
        catalogue.add_product(
            db,
            manager,
            name="Ketamine HCl 50 mg/mL",
            ndc=KETAMINE_50,
            schedule=3,
            strength_ug_per_ml=50_000,
            volume_ul=10_000,
            label_prefix="K",
        )
        catalogue.add_product(
            db,
            manager,
            name="Ketamine HCl 100 mg/mL",
            ndc=KETAMINE_100,
            schedule=3,
            strength_ug_per_ml=100_000,
            volume_ul=5_000,
            label_prefix="KH",
        )
        catalogue.add_product(
            db,
            manager,
            name="Midazolam 1 mg/mL",
            ndc=MIDAZOLAM,
            schedule=4,
            strength_ug_per_ml=1_000,
            volume_ul=2_000,
            multi_dose=False,
            label_prefix="M",
        )
        patient_mrns = []
        for _i in range(40):
            p = add_patient(
                db,
                c.actor("bella"),
                NewPatient(
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    address=f"{rng.randint(10, 9999)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}",
                    dob=date(rng.randint(1950, 2003), rng.randint(1, 12), rng.randint(1, 28)),
                    weight_g=rng.randint(52, 118) * 1000,
                ),
            )
            patient_mrns.append(p.mrn)
        _run_days(c, first_day, last_day, patient_mrns, per_day, summary)
    finally:
        clock.set_clock(None)
    summary.infusions = c.summary_infusions
    # The one mark that this database is the demo (no schema change: the audit trail is
    # append-only and ships with every backup). Only a demo shows its logins on screen.
    audit.record(
        db,
        action=DEMO_BUILT,
        outcome="ok",
        username="admin",
        detail={"seed": seed, "days": days, "clinic": summary.clinic},
    )
    with db.read() as session:
        from sqlmodel import func, select

        from ledger.models import Movement, Receipt

        summary.movements = session.exec(select(func.count()).select_from(Movement)).one()
        summary.receipts = session.exec(select(func.count()).select_from(Receipt)).one()
    return summary


def _receive(
    c: _Clinic, when: datetime, ndc: str, n: int, expires: date, invoice: str
) -> list[str]:
    c.act(when)
    supplier = c.rng.choice(["Cardinal Health", "Henry Schein"])
    lot = f"L{c.rng.randint(10000, 99999)}"
    return receiving.receive(
        c.db,
        c.actor("maria"),
        supplier=supplier,
        invoice_number=invoice,
        ndc=ndc,
        lot=lot,
        expires=expires,
        vials=n,
    ).vials


def _run_days(
    c: _Clinic,
    first_day: date,
    last_day: date,
    mrns: list[str],
    per_day: tuple[int, int],
    summary: DemoSummary,
) -> None:
    rng = c.rng
    from ledger.demo_counts import DemoCounts

    shelf_counts = DemoCounts(c, first_day, last_day, mrns)
    day = first_day
    invoice_no = 5000
    broke = False
    stale_done = False
    short_dated = False
    while day <= last_day:
        if day.weekday() >= 5:
            day += timedelta(days=1)
            continue
        demo_billing.open_day(c, day, first_day, last_day, mrns)
        if len(c.stock) < 6:
            invoice_no += 1
            c.stock += _receive(
                c, c.at(day, 7, 30), KETAMINE_50, 20, day + timedelta(days=540), f"INV-{invoice_no}"
            )
        if len(c.mida) < 3:
            invoice_no += 1
            c.mida += _receive(
                c, c.at(day, 7, 40), MIDAZOLAM, 10, day + timedelta(days=365), f"INV-{invoice_no}"
            )
        if not short_dated:
            # A short-dated 100 mg/mL lot the clinic never used: expired stock awaiting disposal.
            short_dated = True
            invoice_no += 1
            _receive(
                c, c.at(day, 7, 50), KETAMINE_100, 2, day + timedelta(days=60), f"INV-{invoice_no}"
            )
        minute = 8 * 60
        for _ in range(rng.randint(*per_day)):
            minute += rng.randint(25, 45)
            if minute > 17 * 60:
                break
            when = c.at(day, minute // 60, minute % 60)
            _one_infusion(c, when, rng.choice(mrns))
        if not broke and day >= first_day + timedelta(days=40) and c.stock:
            broke = True
            vial = c.stock.pop(0)
            c.act(c.at(day, 17, 30))
            disposal.record_breakage(
                c.db,
                c.actor("nina"),
                vial=vial,
                amount_ug=None,
                reason="vial dropped while restocking the cart",
                method="spill kit; glass to sharps",
                witness=c.witness("nina"),
            )
            summary.notes.append(f"{vial} broken on {day}")
        if not stale_done and day >= last_day - timedelta(days=35) and c.stock:
            # One vial opened and then forgotten: past its beyond-use date, residue unwasted.
            stale_done = True
            stale = c.stock.pop()
            c.act(c.at(day, 17, 45))
            infusions.record_infusion(
                c.db,
                c.actor("nina"),
                patient=mrns[0],
                vial=stale,
                drawn_ug=30_000,
                given_ug=25_000,
                wasted_ug=5_000,
                witness=c.witness("nina"),
                protocol="depression",
            )
            summary.notes.append(f"{stale} left open past its beyond-use date")
        shelf_counts.after_day(day)
        day += timedelta(days=1)
    summary.notes += shelf_counts.notes


def _one_infusion(c: _Clinic, when: datetime, mrn: str) -> None:
    rng = c.rng
    nurse = rng.choice(["nina", "omar"])
    c.act(when)
    weight_kg = rng.randint(55, 115)
    protocol = "depression" if rng.random() < 0.85 else "0.75mg/kg"
    per_kg = 500 if protocol == "depression" else 750
    given = weight_kg * per_kg
    drawn = -(-given // 5000) * 5000  # round the draw up to 0.1 mL of 50 mg/mL
    # A patient's visits after their series are boosters (the nurse names the item).
    service = demo_billing.service_for(c, mrn, when.astimezone(c.tz).date())
    for _attempt in range(3):
        if c.open_vial is None:
            if not c.stock:
                return
            c.open_vial = c.stock.pop(0)
        try:
            infusions.record_infusion(
                c.db,
                c.actor(nurse),
                patient=mrn,
                vial=c.open_vial,
                drawn_ug=drawn,
                given_ug=given,
                wasted_ug=drawn - given,
                witness=c.witness(nurse),
                weight_g=weight_kg * 1000,
                protocol=protocol,
                started_at=when,
                ended_at=when + timedelta(minutes=40),
                service=service,
            )
            c.summary_infusions += 1
            break
        except Refusal as exc:
            # Not enough left, or past its BUD: waste the residue, witnessed, and open a new vial.
            if exc.rule not in ("InsufficientBalance", "VialPastBeyondUseDate", "VialNotUsable"):
                raise
            try:
                disposal.waste(
                    c.db,
                    c.actor(nurse),
                    vial=c.open_vial,
                    amount_ug=None,
                    reason="residue too small for the next dose"
                    if exc.rule == "InsufficientBalance"
                    else "past beyond-use date",
                    method="drug-disposal container",
                    witness=c.witness(nurse),
                )
            except Refusal:
                pass
            c.open_vial = None
    if rng.random() < 0.08 and c.mida:
        vial = c.mida.pop(0)
        try:
            infusions.record_infusion(
                c.db,
                c.actor(nurse),
                patient=mrn,
                vial=vial,
                drawn_ug=2000,
                given_ug=1000,
                wasted_ug=1000,
                witness=c.witness(nurse),
                drawn_at=when + timedelta(minutes=1),
            )
        except Refusal:
            pass
    if rng.random() < 0.004:
        # A nurse picked the wrong chart: the registrant reverses the entry, witnessed.
        from sqlmodel import col, select

        from ledger.models import Movement

        with c.db.read() as session:
            newest = select(Movement.id).order_by(col(Movement.id).desc()).limit(1)
            last = session.exec(newest).first()
        if last:
            c.act(when + timedelta(minutes=2))
            corrections.reverse(
                c.db,
                c.actor("drkim"),
                movement_id=last,
                reason="recorded against the wrong patient",
                witness=c.witness("omar"),
            )
