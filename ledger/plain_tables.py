"""The few tables that signing in and stock on hand touch, as plain SQLAlchemy Core.

A command such as `vialbook stock --json` must start like a small tool: building the
SQLModel classes (and importing pydantic for them) costs more than all its work. These
definitions name only the columns those paths read or write, on their own metadata (never
used to create or migrate anything); tests/test_plain_tables.py holds every column here
equal to the model's, so a migration that changes one fails there, not in production.
"""

from __future__ import annotations

import sqlalchemy as sa

from ledger.column_types import UTCDateTime

metadata = sa.MetaData()

app_user = sa.Table(
    "app_user",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("roles", sa.String(100), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("failed_logins", sa.Integer, nullable=False),
    sa.Column("locked_until", UTCDateTime, nullable=True),
)

audit_event = sa.Table(
    "audit_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("username", sa.String(64), nullable=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("rule", sa.String(64), nullable=True),
    sa.Column("detail", sa.String(2000), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=True),
)

clinic_settings = sa.Table(
    "clinic_settings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("timezone", sa.String(64), nullable=False),
)

registration = sa.Table(
    "registration",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dea_number", sa.String(9), nullable=False),
)

product = sa.Table(
    "product",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("ndc", sa.String(13), nullable=False),
    sa.Column("strength_ug_per_ml", sa.Integer, nullable=False),
)

vial = sa.Table(
    "vial",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(20), nullable=False),
    sa.Column("product_id", sa.Integer, nullable=False),
    sa.Column("registration_id", sa.Integer, nullable=False),
    sa.Column("lot", sa.String(64), nullable=False),
    sa.Column("expires", sa.Date, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("bud", UTCDateTime, nullable=True),
)

vial_balance = sa.Table(
    "vial_balance",
    metadata,
    sa.Column("vial_id", sa.Integer, primary_key=True),
    sa.Column("balance_ug", sa.Integer, nullable=False),
)
