"""Users, their roles, and the audit trail of logins and refusals."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ledger.models.base import UTCDateTime
from ledger.roles import Role

__all__ = ["AuditEvent", "Role", "User"]


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    full_name: str = Field(max_length=200)
    #: argon2id hash (parameters inside the hash string).
    password_hash: str = Field(max_length=255)
    #: Roles, comma-separated and sorted ("nurse,registrant").
    roles: str = Field(max_length=100)
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    #: National Provider Identifier (10 digits, Luhn check digit), for superbills.
    npi: str | None = Field(default=None, max_length=10)

    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(r) for r in self.roles.split(",") if r)


class AuditEvent(SQLModel, table=True):
    """Who did or tried what, when. Logins, failed logins, locks, refusals, exports."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    username: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=64)
    #: "ok", "refused", "failed", "locked".
    outcome: str = Field(max_length=16)
    rule: str | None = Field(default=None, max_length=64)
    detail: str = Field(default="", max_length=2000)
    #: SHA-256 of the file an export wrote (a bundle's: its MANIFEST.json), matched exactly
    #: by `verify-export`; never searched for inside `detail`, which holds a chosen file name.
    sha256: str | None = Field(default=None, max_length=64, index=True)
