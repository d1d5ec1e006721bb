"""mg administered per week on the clinic's calendar, for the dashboard's chart.

One grouped query over the movement log's event-time index: the weeks are cut on the
clinic's clock (Monday 00:00 local) and handed to the database as instants, so SQLite and
PostgreSQL bucket the same way and only the last twelve weeks are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ledger.access import Actor
from ledger.clock import local_date
from ledger.database import Database
from ledger.models import Movement, MovementKind
from ledger.models.base import table_of
from ledger.unit_of_work import look


@dataclass(frozen=True)
class WeekGiven:
    #: The week's Monday on the clinic's calendar.
    monday: date
    #: µg administered in the week, as charted (a later reversal is not netted here).
    given_ug: int


def _start_of(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))


def weekly_administered(db: Database, actor: Actor, weeks: int = 12) -> list[WeekGiven]:
    """The last `weeks` weeks, oldest first, this week last (so far); empty weeks are 0."""
    with look(db, actor) as tx:
        zone = tx.settings.timezone
        today = local_date(zone, tx.entered_at)
        this_monday = today - timedelta(days=today.weekday())
        mondays = [this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
        starts = [_start_of(d, zone) for d in mondays]
        end = _start_of(this_monday + timedelta(weeks=1), zone)
        m = table_of(Movement)
        week = sa.case(
            *((m.c.event_at >= starts[i], i) for i in reversed(range(1, weeks))), else_=0
        )
        # The kind is picked inside the sum, not in WHERE: given `kind = ?` the planner walks
        # the (kind, id) index through every administration ever recorded (half the ledger)
        # instead of the twelve weeks' slice of the event-time index.
        given_ug = sa.case((m.c.kind == MovementKind.ADMINISTER, m.c.amount_ug), else_=0)
        rows = tx.session.execute(
            sa.select(week.label("week"), sa.func.sum(given_ug))
            .where(m.c.event_at >= starts[0], m.c.event_at < end)
            .group_by(week)
        ).all()
    given = {int(w): -int(total or 0) for w, total in rows}
    return [WeekGiven(monday, given.get(i, 0)) for i, monday in enumerate(mondays)]
