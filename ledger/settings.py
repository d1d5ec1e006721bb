"""The clinic's settings: the version in force now, and the history of versions by the moment
each took effect, so that a record is judged under the settings in force when it was entered."""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ledger.database import Database
from ledger.errors import DatabaseNotInitialised
from ledger.models import ClinicSettings, SettingsVersion
from ledger.models.base import table_of


def clinic_settings(session: Session) -> ClinicSettings:
    """The settings in force now."""
    row = session.get(ClinicSettings, 1)
    if row is None:
        raise DatabaseNotInitialised("the clinic is not set up yet; run `vialbook init`")
    return row


def clinic_timezone(db: Database) -> str:
    """The clinic's IANA zone, for showing UTC ledger times on the clinic's clock."""
    with db.read() as session:
        return clinic_settings(session).timezone


def snapshot(row: ClinicSettings) -> str:
    """Every setting of `row` as the JSON a version keeps."""
    values = row.model_dump()
    values.pop("id", None)
    return json.dumps(values, sort_keys=True, default=str)


def record_version(
    session: Session, row: ClinicSettings, *, at: datetime, by_id: int | None
) -> None:
    """Append the version `row` now holds, in force from `at`, in the caller's transaction."""
    session.add(SettingsVersion(effective_at=at, changed_by_id=by_id, settings_json=snapshot(row)))


@dataclass(frozen=True)
class SettingsHistory:
    """Every version, oldest first, to look up the one in force at a moment."""

    starts: Sequence[datetime]
    versions: Sequence[dict[str, Any]]

    def at(self, moment: datetime) -> dict[str, Any]:
        """The settings in force at `moment` (the oldest version for anything earlier)."""
        i = bisect.bisect_right(self.starts, moment) - 1
        return self.versions[max(i, 0)]


def settings_history(conn: sa.Connection) -> SettingsHistory:
    v = table_of(SettingsVersion)
    rows = conn.execute(
        sa.select(v.c.effective_at, v.c.settings_json).order_by(v.c.effective_at, v.c.id)
    ).all()
    starts, versions = [], []
    for effective_at, text in rows:
        try:
            values = json.loads(text)
        except (TypeError, ValueError):
            values = {}
        starts.append(effective_at)
        versions.append(values if isinstance(values, dict) else {})
    return SettingsHistory(starts=starts, versions=versions)
