"""Reading the clinic's settings row inside a transaction."""

from __future__ import annotations

from sqlmodel import Session

from ledger.errors import DatabaseNotInitialised
from ledger.models import ClinicSettings


def clinic_settings(session: Session) -> ClinicSettings:
    row = session.get(ClinicSettings, 1)
    if row is None:
        raise DatabaseNotInitialised("the clinic is not set up yet; run `vialbook init`")
    return row
