"""Blind counts of the shelf, their lines and results, approvals, and discrepancies."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ledger.models.base import UTCDateTime


class CountKind(enum.StrEnum):
    ROUTINE = "routine"
    INITIAL = "initial"
    BIENNIAL = "biennial"
    ADHOC = "adhoc"


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"
    NEEDS_SIGNOFF = "needs_signoff"
    DISCREPANCY = "discrepancy"
    RECOUNT = "recount"
    NOT_COUNTED = "not_counted"


class DiscrepancyStatus(enum.StrEnum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    ESCALATED = "escalated"


class Count(SQLModel, table=True):
    """One count of a registration's shelf. Its lines and results are history; the count row
    only moves on from started to submitted (and signed, for an inventory)."""

    __tablename__ = "count"

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    kind: str = Field(default=CountKind.ROUTINE, max_length=16)
    #: "opening" or "close" of business (21 CFR 1304.11), or None for a routine count.
    at: str | None = Field(default=None, max_length=8)
    started_at: datetime = Field(sa_type=UTCDateTime)
    started_by_id: int = Field(foreign_key="app_user.id")
    witness_id: int | None = Field(default=None, foreign_key="app_user.id")
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    signed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    signed_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class CountLine(SQLModel, table=True):
    """What the counter found for one vial. Append-only: recording a vial again adds a line
    that replaces this one for the submission, and this one stays as its history."""

    __tablename__ = "count_line"

    id: int | None = Field(default=None, primary_key=True)
    count_id: int = Field(foreign_key="count.id", index=True)
    vial_id: int = Field(foreign_key="vial.id")
    #: "present" or "missing" (a sealed vial), or "ml" (an open vial read off its graduations).
    reading: str = Field(max_length=8)
    #: The mL read, in whole µL; None for a sealed vial.
    counted_ul: int | None = None
    #: What the vial holds by this count, in µg (exact through the product's strength).
    counted_ug: int
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by_id: int = Field(foreign_key="app_user.id")
    #: The vial's last movement when it was counted: a later movement means recount.
    vial_last_movement_id: int | None = None


class CountResult(SQLModel, table=True):
    """One vial's judgement at submission: book against count. Append-only."""

    __tablename__ = "count_result"

    id: int | None = Field(default=None, primary_key=True)
    count_id: int = Field(foreign_key="count.id", index=True)
    vial_id: int = Field(foreign_key="vial.id")
    #: The line judged; None for a vial on the book the count left out.
    line_id: int | None = Field(default=None, foreign_key="count_line.id")
    book_ug: int
    counted_ug: int | None = None
    variance_ug: int | None = None
    outcome: str = Field(max_length=16)


class CountApproval(SQLModel, table=True):
    """A registrant's sign-off of a variance, with the adjustment it wrote. Append-only."""

    __tablename__ = "count_approval"

    id: int | None = Field(default=None, primary_key=True)
    result_id: int = Field(foreign_key="count_result.id", unique=True)
    movement_id: int = Field(foreign_key="movement.id")
    approved_at: datetime = Field(sa_type=UTCDateTime)
    approved_by_id: int = Field(foreign_key="app_user.id")
    witness_id: int = Field(foreign_key="app_user.id")
    reason: str = Field(max_length=500)


class Discrepancy(SQLModel, table=True):
    """A loss to investigate: open, investigating, then resolved or escalated (Form 106)."""

    __tablename__ = "discrepancy"

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id")
    vial_id: int = Field(foreign_key="vial.id", index=True)
    #: The count result that found it, or None for a loss recorded outside a count.
    result_id: int | None = Field(default=None, foreign_key="count_result.id")
    #: µg the shelf is short of the book (positive) or over it (negative).
    short_ug: int
    discovered_on: date
    opened_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=DiscrepancyStatus.OPEN, max_length=16)
    explanation: str | None = Field(default=None, max_length=2000)
    #: A correcting entry that explains it (a late-charted infusion, say).
    resolving_movement_id: int | None = Field(default=None, foreign_key="movement.id")
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: theft, significant-loss or in-transit-loss, once escalated.
    loss_type: str | None = Field(default=None, max_length=20)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notice_due: date | None = None
    form_due: date | None = None
    #: The `loss` movement: recorded by a confirmed Form 106, or by `vialbook loss` itself
    #: when the loss was found outside a count (the discrepancy then opened with it).
    loss_movement_id: int | None = Field(default=None, foreign_key="movement.id")
    #: When the registrant confirmed the Form 106 draft; until then both DEA deadlines stand.
    form_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DiscrepancyNote(SQLModel, table=True):
    """One investigation note. Append-only."""

    __tablename__ = "discrepancy_note"

    id: int | None = Field(default=None, primary_key=True)
    discrepancy_id: int = Field(foreign_key="discrepancy.id", index=True)
    written_at: datetime = Field(sa_type=UTCDateTime)
    author_id: int = Field(foreign_key="app_user.id")
    text: str = Field(sa_type=sa.Text)
