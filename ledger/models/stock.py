"""Receipts, vials and their balance cache, and infusions."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ledger.models.base import UTCDateTime
from ledger.vial_state import VialState


class Receipt(SQLModel, table=True):
    """One receipt record (21 CFR 1304.22(c)): what arrived, from whom, on which invoice."""

    __tablename__ = "receipt"

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id")
    supplier_id: int = Field(foreign_key="supplier.id")
    product_id: int = Field(foreign_key="product.id")
    invoice_number: str = Field(max_length=64)
    #: The date the stock actually arrived (not when it was typed in).
    received_at: datetime = Field(sa_type=UTCDateTime)
    entered_at: datetime = Field(sa_type=UTCDateTime)
    lot: str = Field(max_length=64)
    expires: date
    containers: int
    received_by_id: int = Field(foreign_key="app_user.id")


class Vial(SQLModel, table=True):
    """One physical container, with the clinic's own label."""

    __tablename__ = "vial"

    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(max_length=20, unique=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    receipt_id: int = Field(foreign_key="receipt.id")
    lot: str = Field(max_length=64)
    expires: date
    state: str = Field(default=VialState.SEALED, max_length=16)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: Beyond-use instant: earlier of expiry and puncture + BUD days.
    bud: datetime | None = Field(default=None, sa_type=UTCDateTime)
    #: A single-dose vial serves one patient; this is that patient once drawn.
    first_patient_id: int | None = Field(default=None, foreign_key="patient.id")
    received_ug: int


class VialBalance(SQLModel, table=True):
    """Cached balance per vial, written in the same transaction as each movement.

    `check` proves it equals the sum of the vial's movements.
    """

    __tablename__ = "vial_balance"
    __table_args__ = (sa.Index("ix_vial_balance_on_hand", "balance_ug"),)

    vial_id: int = Field(primary_key=True, foreign_key="vial.id")
    balance_ug: int
    last_movement_id: int


class Infusion(SQLModel, table=True):
    """One administration at the chair: drawn = given + wasted, exactly."""

    __tablename__ = "infusion"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    vial_id: int = Field(foreign_key="vial.id", index=True)
    registration_id: int = Field(foreign_key="registration.id")
    drawn_ug: int
    given_ug: int
    wasted_ug: int
    weight_g: int | None = None
    protocol: str | None = Field(default=None, max_length=64)
    #: Ordered dose in µg per kg, when the protocol is weight-based.
    dose_ug_per_kg: int | None = None
    ordered_ug: int | None = None
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    event_at: datetime = Field(sa_type=UTCDateTime)
    entered_at: datetime = Field(sa_type=UTCDateTime)
    actor_id: int = Field(foreign_key="app_user.id")
    witness_id: int | None = Field(default=None, foreign_key="app_user.id")
    late: bool = False
    reason: str | None = Field(default=None, max_length=500)
    #: Given more than 10% above the ordered dose, confirmed by the nurse with a reason.
    over_order: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    over_order_reason: str | None = Field(default=None, max_length=500)
    #: The clinician who rendered the service, when not the clinic's medical director (the
    #: superbill's rendering provider; None names the director).
    rendering_provider_id: int | None = Field(default=None, foreign_key="app_user.id")
