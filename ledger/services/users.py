"""The clinic set-up and its staff: the first admin, accounts, their locks and passwords."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlmodel import Session, select

from ledger import audit, clock
from ledger.access import Actor
from ledger.audited import audited
from ledger.clock import valid_timezone
from ledger.database import Database
from ledger.errors import (
    DuplicateRecord,
    InvalidText,
    PermissionDenied,
    UnknownUser,
    WrongPassword,
)
from ledger.models import ClinicSettings, Role, User
from ledger.npi import valid_npi
from ledger.passwords import hash_password, verify_password
from ledger.settings import record_version
from ledger.text import clean_text, shown
from ledger.unit_of_work import act, look

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


def normalize_username(value: str) -> str:
    """A username as stored and signed in with: trimmed, lower-case (`Omar.Two` is `omar.two`)."""
    name = (value or "").strip().lower() if isinstance(value, str) else ""
    if not _USERNAME.fullmatch(name):
        given = shown(value) if isinstance(value, str) else repr(value)
        raise InvalidText(
            f"username {given} must be 2-64 lower-case letters, digits, dots, dashes or underscores"
        )
    return name


def _roles(values: Iterable[str | Role]) -> str:
    roles = set()
    for v in values:
        try:
            roles.add(Role(str(v).strip().lower()))
        except ValueError:
            names = ", ".join(r.value for r in Role)
            raise InvalidText(f"role {v!r} is not one of: {names}") from None
    if not roles:
        raise InvalidText("a user needs at least one role")
    return ",".join(sorted(r.value for r in roles))


def init_clinic(
    db: Database,
    *,
    clinic_name: str,
    admin_username: str,
    admin_full_name: str,
    admin_password: str,
    timezone: str = "America/New_York",
) -> int:
    """Create the settings row and the first admin. Refused once the clinic exists."""
    name = clean_text(clinic_name, "clinic name", 200, one_line=True)
    username = normalize_username(admin_username)
    full_name = clean_text(admin_full_name, "full name", 200, one_line=True)
    tz = valid_timezone(timezone)
    password_hash = hash_password(admin_password)
    with db.write() as session:
        if session.get(ClinicSettings, 1) is not None:
            raise DuplicateRecord("this database already holds a clinic")
        settings = ClinicSettings(id=1, name=name, timezone=tz)
        session.add(settings)
        admin = User(
            username=username,
            full_name=full_name,
            password_hash=password_hash,
            roles=Role.ADMIN.value,
            created_at=clock.now(),
        )
        session.add(admin)
        session.flush()
        assert admin.id is not None
        record_version(session, settings, at=clock.now(), by_id=admin.id)
        return admin.id


@audited("user.add")
def add_user(
    db: Database,
    actor: Actor,
    *,
    username: str,
    full_name: str,
    roles: Iterable[str | Role],
    password: str,
    npi: str | None = None,
) -> int:
    name = normalize_username(username)
    full = clean_text(full_name, "full name", 200, one_line=True)
    role_text = _roles(roles)
    npi_text = valid_npi(npi) if npi else None
    with act(db, actor, "user.manage") as tx:
        session = tx.session
        if session.exec(select(User).where(User.username == name)).first() is not None:
            raise DuplicateRecord(f"user {name!r} already exists", subject=name)
        user = User(
            username=name,
            full_name=full,
            password_hash=hash_password(password),
            roles=role_text,
            created_at=clock.now(),
            npi=npi_text,
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        return user.id


def list_users(db: Database, actor: Actor) -> list[dict[str, object]]:
    with look(db, actor, "ledger.read") as tx:
        session = tx.session
        users = session.exec(select(User).order_by(User.username)).all()
        now = clock.now()
        return [
            {
                "id": u.id,
                "username": u.username,
                "full_name": u.full_name,
                "roles": u.roles.split(","),
                "active": u.active,
                "locked": u.locked_until is not None and u.locked_until > now,
            }
            for u in users
        ]


@audited("user.disable")
def disable_user(db: Database, actor: Actor, username: str) -> int:
    with act(db, actor, "user.manage") as tx:
        session = tx.session
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None or user.id is None:
            raise UnknownUser(f"user {username!r} does not exist", subject=username)
        if user.id == actor.user_id:
            raise PermissionDenied("an admin cannot disable their own account")
        user.active = False
        session.add(user)
        return user.id


def _user_named(session: Session, username: str) -> User:
    name = normalize_username(username)
    user = session.exec(select(User).where(User.username == name)).first()
    if user is None or user.id is None:
        raise UnknownUser(f"user {name!r} does not exist", subject=name)
    return user


def _done(session: Session, actor: Actor, action: str, user: User) -> None:
    """The success in the audit trail, in the same transaction (never the password)."""
    audit.add(
        session,
        action=action,
        outcome="ok",
        username=actor.username,
        detail={"user": user.username},
    )


@audited("user.unlock")
def unlock_user(db: Database, actor: Actor, username: str) -> int:
    """Lift a lock left by failed logins now, instead of in fifteen minutes (admin only)."""
    with act(db, actor, "user.manage") as tx:
        session = tx.session
        user = _user_named(session, username)
        user.failed_logins = 0
        user.locked_until = None
        session.add(user)
        _done(session, actor, "user.unlock", user)
        assert user.id is not None
        return user.id


@audited("user.enable")
def enable_user(db: Database, actor: Actor, username: str) -> int:
    """Let a disabled account log in, act and witness again (admin only)."""
    with act(db, actor, "user.manage") as tx:
        session = tx.session
        user = _user_named(session, username)
        user.active = True
        session.add(user)
        _done(session, actor, "user.enable", user)
        assert user.id is not None
        return user.id


@audited("user.reset-password")
def reset_password(db: Database, actor: Actor, username: str, new_password: str) -> int:
    """Give a user who forgot theirs a new password (admin only); it also lifts a lock."""
    password_hash = hash_password(new_password)
    with act(db, actor, "user.manage") as tx:
        session = tx.session
        user = _user_named(session, username)
        user.password_hash = password_hash
        user.failed_logins = 0
        user.locked_until = None
        session.add(user)
        _done(session, actor, "user.reset-password", user)
        assert user.id is not None
        return user.id


@audited("user.password")
def change_password(db: Database, actor: Actor, old_password: str, new_password: str) -> int:
    """Any user changes their own password; the old one proves it is them at the keyboard."""
    password_hash = hash_password(new_password)
    with act(db, actor, "user.password") as tx:
        session, user = tx.session, tx.user
        if not verify_password(user.password_hash, old_password):
            raise WrongPassword("the current password is not right", subject=user.username)
        user.password_hash = password_hash
        session.add(user)
        _done(session, actor, "user.password", user)
        assert user.id is not None
        return user.id


@audited("user.npi")
def set_npi(db: Database, actor: Actor, username: str, npi: str | None) -> int:
    """Record (or, with None, clear) a provider's NPI, check digit verified (admin only): the
    superbill and the good faith estimate print it beside the provider's name."""
    npi_text = valid_npi(npi) if npi else None
    with act(db, actor, "user.manage") as tx:
        session = tx.session
        user = _user_named(session, username)
        before = user.npi
        user.npi = npi_text
        session.add(user)
        audit.add(
            session,
            action="user.npi",
            outcome="ok",
            username=actor.username,
            detail={"user": user.username, "before": before, "after": npi_text},
        )
        assert user.id is not None
        return user.id
