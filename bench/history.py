"""The plan of a clinic chain's history: which event happens when, decided from a seed alone.

Both writers (the service layer and the bulk path) consume the very same plan, so
the only thing that can make their ledgers differ is how they write it. Events
name vials as (site, k): the k-th vial that site received. The writer turns that
into a label when the receipt is written, because labels are numbered across the
whole chain in the order receipts happen.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TIMEZONE = "America/Denver"
#: The history ends here, so a seed always gives the same ledger whatever the date today.
LAST_DAY = date(2025, 6, 30)
#: A chain keeps at most this many years per site; more clinic-years means more sites.
MAX_YEARS_PER_SITE = 5
KETAMINE_NDC = "00409-2051-05"  # 50 mg/mL x 10 mL, multiple-dose: 500 mg a vial
SUPPLIERS = ("Cardinal Health", "Henry Schein")
BUD_DAYS = 28

VialRef = tuple[int, int]  # (site, k)


@dataclass(frozen=True)
class Profile:
    """How busy one clinic is. The defaults give about one clinic-year = 5,000 infusions."""

    infusions_per_day: tuple[int, int] = (16, 24)
    patients_per_site: int = 250
    vials_per_receipt: int = 25
    restock_below: int = 8
    breakages_per_working_day: float = 3 / 250
    reversals_per_infusion: float = 4 / 5000
    count_weekday: int = 4  # Friday
    #: Minutes from one infusion's start to the next, chairs taken in turn.
    minutes_between: tuple[int, int] = (18, 30)
    #: A weekly count finds the open vial this much under the book (1 µL at 50 mg/mL).
    count_shortfall_ug: int = 50


@dataclass(frozen=True)
class Layout:
    sites: int
    days: int
    last_day: date = LAST_DAY

    @property
    def first_day(self) -> date:
        return self.last_day - timedelta(days=self.days - 1)


#: One site as busy as a small chain, for logs of 10,000 to 100,000 administrations.
BUSY_SITE = Profile(
    infusions_per_day=(95, 110),
    minutes_between=(4, 5),
    patients_per_site=2000,
    vials_per_receipt=100,
    restock_below=30,
)


def layout_for(clinic_years: float) -> Layout:
    """N clinic-years as a chain: up to 5 years per site, as many sites as that needs."""
    sites = max(1, math.ceil(clinic_years / MAX_YEARS_PER_SITE))
    days = max(1, round(clinic_years * 365 / sites))
    return Layout(sites=sites, days=days)


# -- staff and patients ----------------------------------------------------------


def registrant(site: int) -> str:
    return f"dr{site:02d}"


def nurses(site: int) -> tuple[str, str]:
    return f"rn{site:02d}a", f"rn{site:02d}b"


def manager(site: int) -> str:
    return f"mgr{site:02d}"


def password(username: str) -> str:
    return f"{username}-bench-pass"


@dataclass(frozen=True)
class PlannedPatient:
    name: str
    address: str
    dob: date
    mrn: str
    weight_g: int


_FIRST = ("Avery", "Jordan", "Riley", "Casey", "Morgan", "Quinn", "Taylor", "Rowan", "Sage")
_LAST = ("Nguyen", "Garcia", "Smith", "Patel", "Okafor", "Rossi", "Silva", "Tanaka", "Cohen")
_STREETS = ("Aspen Way", "Pine St", "Canyon Rd", "Cedar Ave", "Mesa Dr", "Juniper Ln")


def patients(site: int, profile: Profile, seed: int) -> list[PlannedPatient]:
    rng = random.Random(f"patients:{seed}:{site}")
    return [
        PlannedPatient(
            name=f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            address=f"{rng.randint(10, 9999)} {rng.choice(_STREETS)}, Boulder, CO 80302",
            dob=date(rng.randint(1950, 2003), rng.randint(1, 12), rng.randint(1, 28)),
            mrn=f"S{site:02d}-{i:05d}",
            weight_g=rng.randint(55, 115) * 1000,
        )
        for i in range(1, profile.patients_per_site + 1)
    ]


# -- events ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    when: datetime
    site: int
    seq: int


@dataclass(frozen=True, slots=True)
class Receive(Event):
    vials: int
    first_k: int
    lot: str
    expires: date
    invoice: str
    supplier: str
    actor: str


@dataclass(frozen=True, slots=True)
class Infuse(Event):
    key: int
    nurse: str
    witness: str
    mrn: str
    weight_g: int
    vial: VialRef
    drawn_ug: int
    given_ug: int
    wasted_ug: int
    protocol: str


@dataclass(frozen=True, slots=True)
class WasteResidue(Event):
    nurse: str
    witness: str
    vial: VialRef
    reason: str
    method: str


@dataclass(frozen=True, slots=True)
class Breakage(Event):
    nurse: str
    witness: str
    vial: VialRef
    reason: str
    method: str


@dataclass(frozen=True, slots=True)
class CountAdjustment(Event):
    """A weekly count that found a shortfall; vialbook has no count record yet."""

    actor: str
    witness: str
    vial: VialRef
    amount_ug: int
    reason: str


@dataclass(frozen=True, slots=True)
class Reverse(Event):
    actor: str
    witness: str
    infusion: tuple[int, int]  # (site, Infuse.key)
    reason: str


def _at(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz).astimezone(UTC)


class _Site:
    """One clinic's shelf as the plan sees it: sealed vials, the open vial, its balance."""

    def __init__(self, site: int, profile: Profile, seed: int) -> None:
        self.site, self.profile = site, profile
        self.rng = random.Random(f"history:{seed}:{site}")
        self.tz = ZoneInfo(TIMEZONE)
        self.patients = patients(site, profile, seed)
        self.sealed: deque[int] = deque()
        self.open: int | None = None
        self.open_ug = 0
        self.opened: datetime | None = None
        self.next_k = 0
        self.seq = 0
        self.infusions = 0
        self.invoice = 0

    def _seq(self) -> int:
        self.seq += 1
        return self.seq

    def receive(self, when: datetime) -> Receive:
        n = self.profile.vials_per_receipt
        self.invoice += 1
        event = Receive(
            when=when,
            site=self.site,
            seq=self._seq(),
            vials=n,
            first_k=self.next_k,
            lot=f"L{self.rng.randint(10000, 99999)}",
            expires=when.date() + timedelta(days=540),
            invoice=f"INV-{self.site:02d}-{self.invoice:05d}",
            supplier=self.rng.choice(SUPPLIERS),
            actor=manager(self.site),
        )
        self.sealed.extend(range(self.next_k, self.next_k + n))
        self.next_k += n
        return event

    def infusion(self, when: datetime) -> Iterator[Event]:
        rng = self.rng
        nurse, witness = nurses(self.site)
        if rng.random() < 0.5:
            nurse, witness = witness, nurse
        patient = rng.choice(self.patients)
        protocol, per_kg = ("depression", 500) if rng.random() < 0.85 else ("0.75mg/kg", 750)
        given = patient.weight_g // 1000 * per_kg
        drawn = -(-given // 5000) * 5000  # round the draw up to 0.1 mL of 50 mg/mL
        stale = self.opened is not None and when - self.opened >= timedelta(days=BUD_DAYS - 1)
        if self.open is not None and (self.open_ug < drawn or stale):
            yield WasteResidue(
                when=when,
                site=self.site,
                seq=self._seq(),
                nurse=nurse,
                witness=witness,
                vial=(self.site, self.open),
                reason="past beyond-use date" if stale else "residue too small for the next dose",
                method="drug-disposal container",
            )
            self.open = None
        if self.open is None:
            if not self.sealed:
                yield self.receive(when)
            self.open = self.sealed.popleft()
            self.open_ug = 500_000
            self.opened = when
        self.infusions += 1
        yield Infuse(
            when=when,
            site=self.site,
            seq=self._seq(),
            key=self.infusions,
            nurse=nurse,
            witness=witness,
            mrn=patient.mrn,
            weight_g=patient.weight_g,
            vial=(self.site, self.open),
            drawn_ug=drawn,
            given_ug=given,
            wasted_ug=drawn - given,
            protocol=protocol,
        )
        self.open_ug -= drawn
        if self.open_ug == 0:
            self.open = None
        elif rng.random() < self.profile.reversals_per_infusion:
            # The nurse picked the wrong chart: the registrant voids the whole entry.
            self.open_ug += drawn
            yield Reverse(
                when=when + timedelta(minutes=2),
                site=self.site,
                seq=self._seq(),
                actor=registrant(self.site),
                witness=nurses(self.site)[1],
                infusion=(self.site, self.infusions),
                reason="recorded against the wrong patient",
            )

    def end_of_day(self, day: date) -> Iterator[Event]:
        p = self.profile
        if self.sealed and self.rng.random() < p.breakages_per_working_day:
            nurse, witness = nurses(self.site)
            yield Breakage(
                when=_at(day, 17 * 60 + 30, self.tz),
                site=self.site,
                seq=self._seq(),
                nurse=nurse,
                witness=witness,
                vial=(self.site, self.sealed.pop()),
                reason="vial dropped while restocking the cart",
                method="spill kit; glass to sharps",
            )
        if day.weekday() == p.count_weekday and self.open is not None:
            if self.open_ug > p.count_shortfall_ug:
                self.open_ug -= p.count_shortfall_ug
                yield CountAdjustment(
                    when=_at(day, 17 * 60 + 45, self.tz),
                    site=self.site,
                    seq=self._seq(),
                    actor=manager(self.site),
                    witness=nurses(self.site)[0],
                    vial=(self.site, self.open),
                    amount_ug=-p.count_shortfall_ug,
                    reason="weekly count: open vial 1 µL under the book",
                )


def site_events(site: int, layout: Layout, profile: Profile, seed: int) -> Iterator[Event]:
    """One site's working days in time order: receipts, infusions, breakages, counts."""
    s = _Site(site, profile, seed)
    day = layout.first_day
    while day <= layout.last_day:
        if day.weekday() < 5:
            if len(s.sealed) < profile.restock_below:
                yield s.receive(_at(day, 7 * 60 + 30, s.tz))
            minute = 8 * 60
            for _ in range(s.rng.randint(*profile.infusions_per_day)):
                minute += s.rng.randint(*profile.minutes_between)
                if minute > 17 * 60:
                    break
                yield from s.infusion(_at(day, minute, s.tz))
            yield from s.end_of_day(day)
        day += timedelta(days=1)


def plan(layout: Layout, profile: Profile, seed: int) -> Iterator[Event]:
    """Every site's events merged into the one order the chain records them in."""
    streams = [site_events(s, layout, profile, seed) for s in range(1, layout.sites + 1)]
    return heapq.merge(*streams, key=lambda e: (e.when, e.site, e.seq))
