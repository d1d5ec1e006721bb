"""Today's infusions for the dashboard: who was given what, from which vial, by whom.

"Today" is the clinic's calendar day. The infusions are found through the movement log's
event-time index (today's slice only), never by scanning the infusion table, so the list
costs the same on a ledger of a million movements as on a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ledger.access import Actor
from ledger.clock import local_date
from ledger.database import Database
from ledger.models import Infusion, Movement, Patient, User, Vial
from ledger.models.base import table_of
from ledger.queries.reversals import reversed_infusion
from ledger.unit_of_work import look


@dataclass(frozen=True)
class TodaysInfusion:
    id: int
    #: When it started (or, charted without a start, when it was given), on the clinic's clock.
    at: datetime
    patient: str
    mrn: str
    vial: str
    given_ug: int
    wasted_ug: int
    nurse: str
    witness: str | None
    late: bool
    over_order: bool
    #: Reversed since (charted in error): shown, struck through in words.
    reversed: bool


def todays_infusions(db: Database, actor: Actor, limit: int = 200) -> list[TodaysInfusion]:
    """Infusions given on the clinic's today, latest first."""
    with look(db, actor) as tx:
        zone = ZoneInfo(tx.settings.timezone)
        today = local_date(tx.settings.timezone, tx.entered_at)
        start = datetime.combine(today, time(0), tzinfo=zone)
        end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
        m, i, p, v = table_of(Movement), table_of(Infusion), table_of(Patient), table_of(Vial)
        nurse, witness = table_of(User).alias("nurse"), table_of(User).alias("witness")
        # Today's movements of any infusion (the event-time index); the infusion's own time
        # then keeps those given today, not yesterday's reversed this morning.
        touched = (
            sa.select(m.c.infusion_id)
            .where(m.c.event_at >= start, m.c.event_at < end, m.c.infusion_id.is_not(None))
            .scalar_subquery()
        )
        rows = tx.session.execute(
            sa.select(
                i.c.id,
                sa.func.coalesce(i.c.started_at, i.c.event_at).label("at"),
                p.c.name,
                p.c.mrn,
                v.c.label,
                i.c.given_ug,
                i.c.wasted_ug,
                nurse.c.username.label("nurse"),
                witness.c.username.label("witness"),
                i.c.late,
                i.c.over_order,
                reversed_infusion(i.c.id).label("reversed"),
            )
            .select_from(
                i.join(p, p.c.id == i.c.patient_id)
                .join(v, v.c.id == i.c.vial_id)
                .join(nurse, nurse.c.id == i.c.actor_id)
                .outerjoin(witness, witness.c.id == i.c.witness_id)
            )
            .where(i.c.id.in_(touched), i.c.event_at >= start, i.c.event_at < end)
            .order_by(i.c.event_at.desc(), i.c.id.desc())
            .limit(limit)
        ).all()
    return [
        TodaysInfusion(
            id=int(r.id),
            at=r.at.astimezone(zone),
            patient=r.name,
            mrn=r.mrn,
            vial=r.label,
            given_ug=int(r.given_ug),
            wasted_ug=int(r.wasted_ug),
            nurse=r.nurse,
            witness=r.witness,
            late=bool(r.late),
            over_order=bool(r.over_order),
            reversed=bool(r.reversed),
        )
        for r in rows
    ]
