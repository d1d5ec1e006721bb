"""What every report builder shares: who asked, for which registration and period, up to
which ledger entry, and how ledger values become report values.

A report is pinned to the chain head read when it is built: every row query adds
`movement.id <= head_seq`, so entries appended while a long export streams never
leak into it, and the head hash printed on it describes exactly what it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from ledger import clock, units
from ledger.access import Actor, authorize
from ledger.chain import GENESIS_HASH
from ledger.clock import end_of_day
from ledger.database import Database
from ledger.errors import InvalidDate, UnknownRecord
from ledger.identifiers import validate_schedule
from ledger.models import ChainHead, Movement
from ledger.models.base import table_of
from ledger.queries.registrations import registration_for
from ledger.settings import clinic_settings
from ledger.units import mg_decimal
from reports.model import Fact, Integrity, Period, Row

#: Rows fetched per round trip: big enough to be quick, small enough to keep memory flat.
BATCH = 1000


@dataclass(frozen=True)
class Request:
    """What the person exporting asked for."""

    date_from: date
    date_to: date
    registration: str | None = None
    vial: str | None = None
    #: Inventories only: taken at the "opening" or the "close" of business.
    taken: str = "close"
    #: Pin the report to this chain entry (a bundle pins all its reports to one head).
    head_seq: int | None = None
    #: Only products of this DEA schedule (3 for Schedule III), so that Schedule III-V
    #: records can be handed over apart from the others.
    schedule: int | None = None


@dataclass(frozen=True)
class Scope:
    """The facts a builder needs, read once in the builder's transaction."""

    request: Request
    clinic_name: str
    clinic_address: str
    timezone: str
    registration_id: int
    dea_number: str
    registrant: str
    registration_address: str
    schedules: str
    #: Movements with after < event_at <= until fall in the period.
    after: datetime
    until: datetime
    head_seq: int
    head_hash: str
    generated_at: datetime
    generated_by: str

    @property
    def period(self) -> Period:
        return Period(self.request.date_from, self.request.date_to)

    def local(self, instant: datetime | None) -> datetime | None:
        """A stored UTC instant on the clinic's wall clock (still tz-aware)."""
        return instant.astimezone(ZoneInfo(self.timezone)) if instant is not None else None

    def end_of(self, day: date) -> datetime:
        """The last instant of a day on the clinic's calendar."""
        tz = ZoneInfo(self.timezone)
        midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        return midnight.astimezone(UTC) - timedelta(microseconds=1)

    def in_period(self, m: sa.Table) -> sa.ColumnElement[bool]:
        return sa.and_(
            m.c.registration_id == self.registration_id,
            m.c.event_at > self.after,
            m.c.event_at <= self.until,
            m.c.id <= self.head_seq,
        )

    def header(self) -> tuple[Fact, ...]:
        return (
            Fact("Clinic", self.clinic_name),
            Fact("Clinic address", self.clinic_address or "-"),
            Fact("DEA registration", self.dea_number),
            Fact("Registrant", self.registrant),
            Fact("Registered address", self.registration_address),
            Fact("Schedules", self.schedules.replace(",", ", ")),
            Fact("Times shown in", self.timezone),
        )

    def filters(self) -> tuple[Fact, ...]:
        """The narrowing every movement log shares: one vial, one schedule."""
        r = self.request
        found = []
        if r.vial:
            found.append(Fact("Vial", r.vial.upper()))
        if r.schedule is not None:
            found.append(Fact("Schedule", schedule_text(r.schedule)))
        return tuple(found)

    def integrity(self, first_seq: int | None, last_seq: int | None) -> Integrity:
        return Integrity(
            generated_at=self.local(self.generated_at) or self.generated_at,
            generated_by=self.generated_by,
            first_seq=first_seq,
            last_seq=last_seq,
            head_seq=self.head_seq,
            head_hash=self.head_hash,
        )


def open_scope(session: Session, actor: Actor, request: Request) -> Scope:
    """Authorize the export and pin the registration, the period and the chain head."""
    user = authorize(session, actor, "export")
    if request.date_to < request.date_from:
        raise InvalidDate(
            f"the period ends ({request.date_to}) before it starts ({request.date_from})"
        )
    if request.taken not in ("opening", "close"):
        raise InvalidDate("an inventory is taken at the 'opening' or the 'close' of business")
    if request.schedule is not None:
        validate_schedule(request.schedule)
    settings = clinic_settings(session)
    reg = registration_for(session, request.registration)
    assert reg.id is not None
    head_seq, head_hash = pinned_head(session, request.head_seq)
    return Scope(
        request=request,
        clinic_name=settings.name,
        clinic_address=settings.address,
        timezone=settings.timezone,
        registration_id=reg.id,
        dea_number=reg.dea_number,
        registrant=reg.registrant,
        registration_address=reg.address,
        schedules=reg.schedules,
        after=end_of_day(settings.timezone, request.date_from - timedelta(days=1)),
        until=end_of_day(settings.timezone, request.date_to),
        head_seq=head_seq,
        head_hash=head_hash,
        generated_at=clock.now(),
        generated_by=f"{user.full_name} ({user.username})",
    )


def pinned_head(session: Session, seq: int | None = None) -> tuple[int, str]:
    """The chain head now, or the entry `seq` when a caller pinned one."""
    if seq is None:
        h = table_of(ChainHead)
        head = session.execute(sa.select(h.c.seq, h.c.hash).where(h.c.id == 1)).first()
        return (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if seq == 0:
        return 0, GENESIS_HASH
    m = table_of(Movement)
    found = session.execute(sa.select(m.c.hash).where(m.c.id == seq)).scalar()
    if found is None:
        raise UnknownRecord(f"no movement {seq} to pin the report to", subject=str(seq))
    return seq, str(found)


def movement_range(
    session: Session, scope: Scope, where: sa.ColumnElement[bool] | None = None
) -> tuple[int | None, int | None]:
    """First and last sequence numbers of the period's movements (optionally narrowed)."""
    m = table_of(Movement)
    stmt = sa.select(sa.func.min(m.c.id), sa.func.max(m.c.id)).where(scope.in_period(m))
    if where is not None:
        stmt = stmt.where(where)
    row = session.execute(stmt).one()
    return row[0], row[1]


def schedule_text(schedule: int) -> str:
    """A DEA schedule as it is written: III, IV."""
    return {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V"}.get(int(schedule), str(schedule))


def mg(ug: int | None) -> Decimal | None:
    """A report cell's mg (None stays an empty cell)."""
    return None if ug is None else mg_decimal(int(ug))


def syringe_ml(ug: int | None, strength_ug_per_ml: int) -> Decimal | None:
    """A report cell's mL, to the syringe's 0.01 mL (None stays an empty cell)."""
    return None if ug is None else units.syringe_ml(int(ug), strength_ug_per_ml)


class RowSource:
    """A row source over one query: each call opens a read transaction and streams the query
    in batches; `count()` asks the database how many rows a call would give (a screen's
    progress bar says "rows done of rows total" before the first row is written)."""

    def __init__(self, db: Database, stmt: sa.Select, convert: Callable[[sa.Row], Row]) -> None:  # type: ignore[type-arg]
        self.db, self.stmt, self.convert = db, stmt, convert

    def __call__(self) -> Iterator[Row]:
        with self.db.read() as session:
            result = session.execute(self.stmt.execution_options(yield_per=BATCH))
            for row in result:
                yield self.convert(row)

    def count(self) -> int:
        counted = sa.select(sa.func.count()).select_from(self.stmt.order_by(None).subquery())
        with self.db.read() as session:
            return int(session.execute(counted).scalar() or 0)


def stream(
    db: Database,
    stmt: sa.Select,
    convert: Callable[[sa.Row], Row],  # type: ignore[type-arg]
) -> RowSource:
    """A row source: each call opens a read transaction and streams the query in batches."""
    return RowSource(db, stmt, convert)
