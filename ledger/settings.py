"""Reading the clinic's settings row inside a transaction."""

from __future__ import annotations

from sqlmodel import Session

from ledger.database import Database
from ledger.errors import DatabaseNotInitialised
from ledger.models import ClinicSettings


def clinic_settings(session: Session) -> ClinicSettings:
    row = session.get(ClinicSettings, 1)
    if row is None:
        raise DatabaseNotInitialised("the clinic is not set up yet; run `vialbook init`")
    return row


def clinic_timezone(db: Database) -> str:
    """The clinic's IANA zone, for showing UTC ledger times on the clinic's clock."""
    with db.read() as session:
        return clinic_settings(session).timezone
