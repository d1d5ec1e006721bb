"""The append-only movement chain: every change to a vial's content, hash-linked."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ledger.models.base import UTCDateTime


class MovementKind(enum.StrEnum):
    RECEIVE = "receive"
    ADMINISTER = "administer"
    WASTE = "waste"
    DESTROY = "destroy"
    RETURN = "return"
    LOSS = "loss"
    BREAKAGE = "breakage"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    ADJUSTMENT = "adjustment"
    REVERSAL = "reversal"


class Movement(SQLModel, table=True):
    """One entry of the ledger. Never updated or deleted (database triggers refuse it).

    `id` is the gapless sequence number, assigned under the chain-head lock.
    """

    __tablename__ = "movement"
    __table_args__ = (
        sa.Index("ix_movement_vial_seq", "vial_id", "id"),
        sa.Index("ix_movement_event_at", "event_at"),
        # The ledger browser pages newest first by id under a filter: by kind, by who recorded
        # or witnessed. Without these a rare kind walks the whole history (revision 0010).
        sa.Index("ix_movement_kind_seq", "kind", "id"),
        sa.Index("ix_movement_actor_seq", "actor_id", "id"),
        sa.Index("ix_movement_witness_seq", "witness_id", "id"),
        # The late entries awaiting review, for the dashboard's alerts: a handful among
        # millions, found without scanning the table (revision 0011).
        sa.Index(
            "ix_movement_late",
            "id",
            sqlite_where=sa.text("late IS 1"),
            postgresql_where=sa.text("late IS true"),
        ),
    )

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    event_at: datetime = Field(sa_type=UTCDateTime)
    entered_at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(max_length=16)
    registration_id: int = Field(foreign_key="registration.id")
    vial_id: int = Field(foreign_key="vial.id")
    #: Signed change to the vial, in µg.
    amount_ug: int
    actor_id: int = Field(foreign_key="app_user.id")
    witness_id: int | None = Field(default=None, foreign_key="app_user.id")
    witness2_id: int | None = Field(default=None, foreign_key="app_user.id")
    patient_id: int | None = Field(default=None, foreign_key="patient.id", index=True)
    infusion_id: int | None = Field(default=None, foreign_key="infusion.id", index=True)
    #: The movement this one reverses or answers.
    original_id: int | None = Field(default=None, foreign_key="movement.id", index=True)
    late: bool = False
    reason: str | None = Field(default=None, max_length=500)
    method: str | None = Field(default=None, max_length=200)
    #: Extra record data as JSON text (Form 41, reverse distributor, counterparty).
    detail: str | None = Field(default=None, max_length=4000)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class ChainHead(SQLModel, table=True):
    """The single row naming the last movement. Writers lock it to append."""

    __tablename__ = "chain_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(max_length=64)
