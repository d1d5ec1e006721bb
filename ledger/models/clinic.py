"""Clinic set-up records: settings, DEA registrations, suppliers, products and patients."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ledger.models.base import UTCDateTime


class ClinicSettings(SQLModel, table=True):
    """The one row of clinic-wide settings (id is always 1)."""

    __tablename__ = "clinic_settings"

    id: int = Field(default=1, primary_key=True)
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=500)
    timezone: str = Field(default="America/New_York", max_length=64)
    npi: str = Field(default="", max_length=10)
    tax_id: str = Field(default="", max_length=20)
    #: "required": waste, breakage, destruction and adjustments need a witness.
    #: "recommended": waste may be recorded alone, and is flagged in reports.
    witness_policy: str = Field(default="required", max_length=20)
    #: Beyond-use days of a punctured multiple-dose vial (USP <797>), unless the product says.
    bud_days: int = 28
    #: Days between blind counts.
    count_interval_days: int = 7
    #: Months between full inventories (24 federally; some states want 12).
    inventory_interval_months: int = 24
    #: Records younger than this are never purged (2 federally; some states 3-5).
    retention_years: int = 2
    #: Force exact counts of opened Schedule III-V containers instead of estimates.
    exact_open_counts: bool = False
    #: Minutes an entry may trail its event before it counts as a late entry.
    late_entry_minutes: int = 15
    #: A count variance up to this many µL is accepted with a note (0.1 mL).
    count_accept_ul: int = Field(default=100, sa_column_kwargs={"server_default": "100"})
    #: Up to this many µL a registrant signs it off; beyond it is a discrepancy (1.0 mL).
    count_signoff_ul: int = Field(default=1000, sa_column_kwargs={"server_default": "1000"})
    #: The clinic's holidays as comma-separated ISO dates: not business days for DEA notices.
    holidays: str = Field(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    #: The rendering provider on superbills and estimates unless an infusion names another.
    medical_director_id: int | None = Field(default=None, foreign_key="app_user.id")
    #: Kept from a refund of unused package credits (cents).
    refund_admin_fee_cents: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    #: The price item an infusion is billed as when neither the nurse nor its protocol names
    #: one (the clinic's mood infusion).
    infusion_item_code: str = Field(
        default="MOOD", max_length=32, sa_column_kwargs={"server_default": "MOOD"}
    )


class SettingsVersion(SQLModel, table=True):
    """One version of the clinic's settings, from the moment it took effect.

    Append-only (database triggers): a record is judged under the version in force when it
    was entered, so changing a setting today never makes yesterday's lawful entry unlawful.
    `clinic_settings` holds the version in force now, for speed.
    """

    __tablename__ = "settings_version"

    id: int | None = Field(default=None, primary_key=True)
    effective_at: datetime = Field(sa_type=UTCDateTime, index=True)
    #: Who changed the settings (None for the version a migration recorded).
    changed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    #: Every setting of this version as JSON with sorted keys: later settings (count tiers,
    #: holidays, prices) join the history without changing this table.
    settings_json: str = Field(sa_type=sa.Text)


class Registration(SQLModel, table=True):
    """A registered location: it keeps its own stock and its own records."""

    __tablename__ = "registration"

    id: int | None = Field(default=None, primary_key=True)
    dea_number: str = Field(max_length=9, unique=True)
    registrant: str = Field(max_length=200)
    address: str = Field(max_length=500)
    #: Covered schedules as digits, comma-separated ("3,4").
    schedules: str = Field(max_length=20)
    expires: date

    def covers(self, schedule: int) -> bool:
        return str(schedule) in self.schedules.split(",")


class Supplier(SQLModel, table=True):
    __tablename__ = "supplier"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    address: str = Field(max_length=500)
    dea_number: str = Field(max_length=9)


class Product(SQLModel, table=True):
    """A drug presentation as it arrives: one NDC, one strength, one container size."""

    __tablename__ = "product"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    #: 11-digit NDC, 5-4-2 hyphenated.
    ndc: str = Field(max_length=13, unique=True)
    schedule: int
    #: Strength in µg per mL (50 mg/mL -> 50000).
    strength_ug_per_ml: int
    #: Container volume in µL (10 mL -> 10000).
    volume_ul: int
    multi_dose: bool = True
    #: Beyond-use days after first puncture; None uses the clinic setting.
    bud_days: int | None = None
    #: Prefix of the clinic's vial labels ("K" -> K-000123).
    label_prefix: str = Field(max_length=8)

    @property
    def content_ug(self) -> int:
        """µg in one full container; exact because volume is whole µL."""
        return self.strength_ug_per_ml * self.volume_ul // 1000


class Patient(SQLModel, table=True):
    __tablename__ = "patient"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    #: 21 CFR 1304.22(c) wants the patient's address on every administration record.
    address: str = Field(default="", max_length=500)
    dob: date
    mrn: str = Field(max_length=40, unique=True)
    weight_g: int | None = None


class PatientCorrection(SQLModel, table=True):
    """An audited change of a patient's identity: who, when, why, and the values before and after.

    Append-only. The database refuses a change of a patient's name, address or date of
    birth unless the patient's latest correction describes exactly that change, so the
    identity printed on a DEA log is either as registered or as last corrected here.
    """

    __tablename__ = "patient_correction"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    corrected_at: datetime = Field(sa_type=UTCDateTime)
    corrected_by_id: int = Field(foreign_key="app_user.id")
    reason: str = Field(max_length=500)
    old_name: str = Field(max_length=200)
    old_address: str = Field(max_length=500)
    old_dob: date
    new_name: str = Field(max_length=200)
    new_address: str = Field(max_length=500)
    new_dob: date
