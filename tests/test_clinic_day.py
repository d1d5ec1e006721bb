"""The clinic's day is Denver's day: work done near midnight UTC and across a daylight-saving
change lands on the right clinic day in the log, the administration export, stock and the demo.

Each moment below is written out by hand with the Denver day it falls on, so the expectations
do not come from the code under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import sqlalchemy as sa

from ledger import clock, schema
from ledger.database import Database, open_database
from ledger.demo import build_demo
from ledger.queries.history import movement_log
from ledger.queries.stock import stock_on_hand
from ledger.services.infusions import record_infusion
from ledger.services.receiving import receive
from reports import administration_log, xlsx
from reports.scope import Request
from tests.conftest import PgDatabases, require_pg
from tests.reliability.cli import vialbook
from tests.support import KETAMINE, Clinic, build_clinic

DENVER = ZoneInfo("America/Denver")

#: When the test clinic was set up: before every moment below.
SET_UP_AT = datetime(2026, 1, 5, 16, 0, tzinfo=UTC)

#: (the instant, in UTC; the day it is at the clinic in Denver)
MOMENTS = [
    pytest.param(datetime(2026, 6, 15, 0, 30, tzinfo=UTC), date(2026, 6, 14), id="00:30UTC"),
    pytest.param(datetime(2026, 6, 15, 23, 30, tzinfo=UTC), date(2026, 6, 15), id="23:30UTC"),
    # Spring forward, Sunday 2026-03-08: 02:00 MST becomes 03:00 MDT; the day has 23 hours.
    pytest.param(datetime(2026, 3, 8, 0, 30, tzinfo=UTC), date(2026, 3, 7), id="spring-00:30UTC"),
    pytest.param(datetime(2026, 3, 8, 7, 30, tzinfo=UTC), date(2026, 3, 8), id="spring-00:30MST"),
    pytest.param(datetime(2026, 3, 8, 23, 30, tzinfo=UTC), date(2026, 3, 8), id="spring-23:30UTC"),
    pytest.param(datetime(2026, 3, 9, 5, 30, tzinfo=UTC), date(2026, 3, 8), id="spring-23:30MDT"),
    # Fall back, Sunday 2026-11-01: 02:00 MDT becomes 01:00 MST; 01:30 happens twice.
    pytest.param(datetime(2026, 11, 1, 0, 30, tzinfo=UTC), date(2026, 10, 31), id="fall-00:30UTC"),
    pytest.param(datetime(2026, 11, 1, 6, 30, tzinfo=UTC), date(2026, 11, 1), id="fall-00:30MDT"),
    pytest.param(datetime(2026, 11, 1, 7, 30, tzinfo=UTC), date(2026, 11, 1), id="fall-01:30MDT"),
    pytest.param(datetime(2026, 11, 1, 8, 30, tzinfo=UTC), date(2026, 11, 1), id="fall-01:30MST"),
    pytest.param(datetime(2026, 11, 1, 23, 30, tzinfo=UTC), date(2026, 11, 1), id="fall-23:30UTC"),
    pytest.param(datetime(2026, 11, 2, 6, 30, tzinfo=UTC), date(2026, 11, 1), id="fall-23:30MST"),
]


def _pin(instant: datetime) -> None:
    clock.set_clock(lambda: instant)


def _set_up(db: Database) -> None:
    _pin(SET_UP_AT)
    try:
        schema.upgrade(db)
        build_clinic(db)
    finally:
        clock.set_clock(None)
        db.dispose()


@pytest.fixture(scope="session")
def january_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("january") / "clinic.db"
    _set_up(open_database(str(path)))
    return path


@pytest.fixture(scope="session")
def january_pg_template(pg_databases: PgDatabases) -> str:
    name = pg_databases.create()
    _set_up(open_database(pg_databases.url(name)))
    return name


@pytest.fixture(params=["sqlite", "postgresql"])
def january_clinic(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Clinic]:
    """A clinic set up in January, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "clinic.db"
        target.write_bytes(request.getfixturevalue("january_sqlite_template").read_bytes())
        db = open_database(str(target))
        yield Clinic(db)
        db.dispose()
    else:
        require_pg()
        pgs: PgDatabases = request.getfixturevalue("pg_databases")
        name = pgs.create(template=request.getfixturevalue("january_pg_template"))
        db = open_database(pgs.url(name))
        yield Clinic(db)
        db.dispose()
        pgs.drop(name)


def _logged(clinic: Clinic, first: date, last: date) -> list[tuple[str, str]]:
    """`vialbook log --from --to`, as the clinic manager types it."""
    result = vialbook(
        clinic.db.url, "log", "--from", str(first), "--to", str(last), "--json", user="audrey"
    )
    assert result.exit_code == 0, result.output
    return [(m["kind"], m["vial"]) for m in json.loads(result.output)["movements"]]


def _days_log(clinic: Clinic, day: date) -> list[int]:
    """The movement log for one day, straight from the query behind `vialbook log`."""
    lines = movement_log(clinic.db, clinic.actor("audrey"), date_from=day, date_to=day)
    return [line.id for line in lines]


def _exported(clinic: Clinic, day: date, out: Path) -> list[tuple[date, str]]:
    """(clinic day, vial) of each administration in the XLSX administration log for one day."""
    report = administration_log.build(clinic.db, clinic.actor("audrey"), Request(day, day))
    xlsx.render(report, out)
    sheet = openpyxl.load_workbook(out)["Administrations"]
    head = [c.value for c in sheet[1]]
    when, vial = head.index("Date and time"), head.index("Vial")
    return [
        (row[when].date(), row[vial])
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if isinstance(row[when], datetime)
    ]


def _expired(clinic: Clinic, vial: str) -> bool:
    stock = stock_on_hand(clinic.db, clinic.actor("maria"))
    return next(v for v in stock.vials if v.label == vial).expired


@pytest.mark.parametrize(("instant", "day"), MOMENTS)
def test_an_infusion_lands_on_the_clinic_day_in_the_log_the_export_and_stock(
    january_clinic: Clinic, instant: datetime, day: date, tmp_path: Path
) -> None:
    clinic = january_clinic
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    _pin(instant)
    # A lot that expires on the clinic's day is still good all that day.
    (vial,) = receive(
        clinic.db,
        clinic.actor("maria"),
        supplier="Henry Schein",
        invoice_number="INV-DAY",
        ndc=KETAMINE,
        lot="LOT-DAY",
        expires=day,
        vials=1,
    ).vials
    record_infusion(
        clinic.db,
        clinic.actor("nina"),
        patient="MRN1",
        vial=vial,
        drawn_ug=30_000,
        given_ug=30_000,
        wasted_ug=0,
    )

    assert _logged(clinic, day, day) == [("receive", vial), ("administer", vial)]
    assert _days_log(clinic, before) == _days_log(clinic, after) == []

    assert _exported(clinic, day, tmp_path / "day.xlsx") == [(day, vial)]
    assert _exported(clinic, before, tmp_path / "before.xlsx") == []
    assert _exported(clinic, after, tmp_path / "after.xlsx") == []

    assert not _expired(clinic, vial)
    # The clinic's next midnight: now the lot is past its expiry.
    _pin(datetime.combine(after, time(0), tzinfo=DENVER).astimezone(UTC))
    assert _expired(clinic, vial)


#: (the instant the demo is built; the clinic's day then, a weekday after a weekday)
DEMO_MOMENTS = [
    pytest.param(datetime(2026, 6, 18, 0, 30, tzinfo=UTC), date(2026, 6, 17), id="00:30UTC"),
    pytest.param(datetime(2026, 6, 17, 23, 30, tzinfo=UTC), date(2026, 6, 17), id="23:30UTC"),
    pytest.param(datetime(2026, 3, 11, 0, 30, tzinfo=UTC), date(2026, 3, 10), id="after-spring"),
    pytest.param(datetime(2026, 11, 4, 0, 30, tzinfo=UTC), date(2026, 11, 3), id="after-fall"),
]


@pytest.mark.parametrize(("instant", "day"), DEMO_MOMENTS)
def test_the_demo_history_ends_on_the_clinic_yesterday_in_opening_hours(
    instant: datetime, day: date, tmp_path: Path
) -> None:
    _pin(instant)
    db = open_database(str(tmp_path / "demo.db"))
    try:
        build_demo(db, days=5, per_day=(2, 3))
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT event_at, kind FROM movement")).all()
    finally:
        db.dispose()
    local = [(_instant(at).astimezone(DENVER), kind) for at, kind in rows]
    # The history ends yesterday on the clinic's calendar, never on its today.
    assert max(at.date() for at, _ in local) == day - timedelta(days=1)
    # Infusions happen in opening hours on the clinic's wall clock, both sides of a change.
    infusions = [at for at, kind in local if kind == "administer"]
    assert infusions
    assert all(time(8) <= at.time() <= time(17, 45) for at in infusions), infusions


def _instant(value: datetime | str) -> datetime:
    """A stored time as SQLite hands it back (text) or as a datetime; stored in UTC."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def test_a_birth_tomorrow_on_the_clinic_calendar_is_refused_while_utc_is_already_there(
    january_clinic: Clinic,
) -> None:
    """At 01:30 UTC on 15 June it is still 14 June in Denver: a date of birth of 15 June is
    in the clinic's future. Judged on the UTC date it passed; judged on the clinic's it must not.
    Both the single add and the CSV import are judged the same way."""
    from ledger.errors import Refusal
    from ledger.services.patients import NewPatient, add_patient, import_patients
    from tests.support import dump

    _pin(datetime(2026, 6, 15, 1, 30, tzinfo=UTC))
    try:
        before = dump(january_clinic.db)
        nurse = january_clinic.actor("nina")
        with pytest.raises(Refusal, match="date of birth 2026-06-15 is not plausible"):
            add_patient(
                january_clinic.db, nurse, NewPatient("Born Tomorrow", "1 Elm", date(2026, 6, 15))
            )
        manager = january_clinic.actor("maria")
        csv_text = b"name,address,dob\nBorn Tomorrow,1 Elm,2026-06-15\n"
        with pytest.raises(Refusal, match="line 2: date of birth 2026-06-15 is not plausible"):
            import_patients(january_clinic.db, manager, csv_text)
        assert dump(january_clinic.db) == before
        born_today = add_patient(
            january_clinic.db, nurse, NewPatient("Born Today", "1 Elm", date(2026, 6, 14))
        )
        assert born_today.dob == date(2026, 6, 14)
    finally:
        clock.set_clock(None)
