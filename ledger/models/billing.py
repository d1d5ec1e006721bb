"""Billing records: the price list, packages, invoices and their lines, document numbers.

Money is integer cents everywhere. A price or a package definition is never edited: a change
is a new version row with the date it takes effect. An invoice is a draft (its row and lines
may change) until it is issued; from then on the database refuses any change to its lines and
totals, and the only change its row may see is becoming void (with an `invoice_void` row).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ledger.models.base import UTCDateTime


class InvoiceStatus(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    VOID = "void"


class LineKind(enum.StrEnum):
    ITEM = "item"
    PACKAGE = "package"
    INFUSION = "infusion"
    DISCOUNT = "discount"
    MANUAL = "manual"


class PriceItem(SQLModel, table=True):
    """One version of a service item's price, in force from `effective_from` (clinic date).

    Append-only: the price of a code on a day is the version with the latest
    `effective_from` not after that day (the newest row among equals).
    """

    __tablename__ = "price_item"
    __table_args__ = (sa.Index("ix_price_item_code_from", "code", "effective_from"),)

    id: int | None = Field(default=None, primary_key=True)
    #: The clinic's own short code ("MOOD", "BOOSTER").
    code: str = Field(max_length=32)
    description: str = Field(max_length=200)
    #: CPT code (96365 first hour of an IV infusion, 96366 each additional hour).
    cpt: str | None = Field(default=None, max_length=16)
    #: HCPCS code (J3490, the unclassified drug).
    hcpcs: str | None = Field(default=None, max_length=16)
    #: Any other billing code, as free text.
    other_code: str | None = Field(default=None, max_length=32)
    unit_price_cents: int
    effective_from: date
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int = Field(foreign_key="app_user.id")


class Package(SQLModel, table=True):
    """One version of a package definition (a series of N sessions sold up front).

    Append-only, versioned like prices. A sold package keeps the version it was sold at.
    """

    __tablename__ = "package"
    __table_args__ = (sa.Index("ix_package_code_from", "code", "effective_from"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    sessions: int
    price_cents: int
    #: Days a credit stays valid after the sale (the clinic's sale date).
    valid_days: int
    #: The item codes a credit may pay for, comma-separated ("MOOD,BOOSTER").
    covers: str = Field(max_length=500)
    effective_from: date
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int = Field(foreign_key="app_user.id")

    def covered_codes(self) -> tuple[str, ...]:
        return tuple(c for c in self.covers.split(",") if c)


class DocumentCounter(SQLModel, table=True):
    """The last number given in a series ("INV", "CN") and year. Locked to allocate the next,
    so numbers are gapless and never duplicated; it only moves forward (database trigger)."""

    __tablename__ = "document_counter"
    __table_args__ = (sa.UniqueConstraint("series", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    series: str = Field(max_length=8)
    year: int
    last_number: int = 0


class Invoice(SQLModel, table=True):
    """An invoice: draft -> issued -> void. Totals and number are set at issue and then fixed."""

    __tablename__ = "invoice"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    status: str = Field(default=InvoiceStatus.DRAFT, max_length=8)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int = Field(foreign_key="app_user.id")
    #: "INV-2026-000123", allocated at issue.
    number: str | None = Field(default=None, max_length=20, unique=True)
    issued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    issued_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    #: The clinic's date of issue (aging and statements count from it).
    issued_on: date | None = None
    total_cents: int | None = None


class InvoiceLine(SQLModel, table=True):
    """One line of an invoice. Editable while the invoice is a draft; the database refuses
    any insert, change or removal once the invoice is issued."""

    __tablename__ = "invoice_line"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    kind: str = Field(max_length=10)
    #: Item or package code, for item, package and infusion lines.
    code: str | None = Field(default=None, max_length=32)
    price_item_id: int | None = Field(default=None, foreign_key="price_item.id")
    package_id: int | None = Field(default=None, foreign_key="package.id")
    infusion_id: int | None = Field(default=None, foreign_key="infusion.id", index=True)
    pending_charge_id: int | None = Field(default=None, foreign_key="pending_charge.id")
    description: str = Field(max_length=200)
    cpt: str | None = Field(default=None, max_length=16)
    hcpcs: str | None = Field(default=None, max_length=16)
    quantity: int = 1
    unit_cents: int
    #: A percent discount in basis points (10% -> 1000); None for a fixed amount.
    discount_bp: int | None = None
    #: Why a discount or manual line was given ("veteran discount").
    reason: str | None = Field(default=None, max_length=500)
    #: quantity × unit, or the (negative) discount, exact to the cent.
    line_cents: int
    added_at: datetime = Field(sa_type=UTCDateTime)
    added_by_id: int = Field(foreign_key="app_user.id")


class InvoiceVoid(SQLModel, table=True):
    """The voiding of an issued invoice, with its reason. Append-only; one per invoice."""

    __tablename__ = "invoice_void"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", unique=True)
    reason: str = Field(max_length=500)
    voided_at: datetime = Field(sa_type=UTCDateTime)
    voided_on: date
    voided_by_id: int = Field(foreign_key="app_user.id")


class CreditNote(SQLModel, table=True):
    """A credit against an issued invoice, in its own gapless series. Append-only.

    The invoice's own total never changes; what the patient owes is reduced by the note.
    """

    __tablename__ = "credit_note"

    id: int | None = Field(default=None, primary_key=True)
    #: "CN-2026-000007".
    number: str = Field(max_length=20, unique=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    amount_cents: int
    reason: str = Field(max_length=500)
    issued_at: datetime = Field(sa_type=UTCDateTime)
    issued_on: date
    issued_by_id: int = Field(foreign_key="app_user.id")
