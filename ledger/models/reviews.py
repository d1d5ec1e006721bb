"""A registrant's review of an entry made after the fact (a late entry). Append-only."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ledger.models.base import UTCDateTime


class LateReview(SQLModel, table=True):
    """The registrant has read a late entry and its reason. One review per movement; the
    entry itself is never touched, so the review is a row of its own."""

    __tablename__ = "late_review"

    id: int | None = Field(default=None, primary_key=True)
    movement_id: int = Field(foreign_key="movement.id", unique=True)
    reviewed_at: datetime = Field(sa_type=UTCDateTime)
    reviewed_by_id: int = Field(foreign_key="app_user.id")
    note: str | None = Field(default=None, max_length=500)
