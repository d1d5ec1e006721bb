"""Shared column types and the metadata naming convention used by every table."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

# Re-exported: the models declare their times with it.
from ledger.column_types import UTCDateTime  # noqa: F401

# Named constraints make Alembic's batch mode on SQLite and plain ALTERs on
# PostgreSQL produce the same, predictable names.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = SQLModel.metadata


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table behind a model, for streaming queries that skip the ORM."""
    return model.__table__  # type: ignore[attr-defined,no-any-return]
