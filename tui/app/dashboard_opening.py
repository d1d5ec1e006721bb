"""What the dashboard shows, read in one go: by its own worker, and first by the login's.

Right after the password is verified, the login's worker reads the dashboard's sections
and who is at the workstation, one query after another, before the dashboard is on
screen. The screen is then drawn once, filled, and no worker reads the ledger while
Textual lays the new screen out: the two used to take turns at the interpreter, and the
reads then took three to five times as long as they do alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.access import Actor
from ledger.database import Database
from ledger.queries.alerts import Alert, alerts
from ledger.queries.stock import StockOnHand, stock_on_hand
from ledger.queries.todays_infusions import TodaysInfusion, todays_infusions
from ledger.queries.weekly import WeekGiven, weekly_administered
from tui.app.session_info import SessionInfo, session_info
from tui.app.worker_failures import LEDGER_FAILURES


@dataclass(frozen=True)
class Sections:
    """The dashboard's four sections, as the ledger had them at one moment."""

    stock: StockOnHand
    given: list[TodaysInfusion]
    weeks: list[WeekGiven]
    found: list[Alert]


def read_sections(db: Database, actor: Actor) -> Sections:
    return Sections(
        stock_on_hand(db, actor),
        todays_infusions(db, actor),
        weekly_administered(db, actor),
        alerts(db, actor),
    )


@dataclass(frozen=True)
class Opening:
    """The dashboard as it first opens: its sections and who is signed in."""

    sections: Sections
    info: SessionInfo


def read_opening(db: Database, actor: Actor) -> Opening | None:
    """None when the ledger refuses or fails: the dashboard then reads for itself and says
    why on its own line, as it does on every later refresh."""
    try:
        return Opening(read_sections(db, actor), session_info(db, actor))
    except LEDGER_FAILURES:
        return None


@dataclass(frozen=True)
class SignedIn:
    """What the login screen ends with: who signed in, and the dashboard read for them."""

    actor: Actor
    opening: Opening | None = None
