"""Logging in, locking out, and authenticating a witness inside the action they witness."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa

from ledger import anchors, audit, clock
from ledger.access import WITNESS_ROLES, Actor
from ledger.database import Database
from ledger.errors import (
    AccountDisabled,
    AccountLocked,
    Refusal,
    SelfWitness,
    WitnessNotAuthenticated,
    WitnessNotQualified,
    WrongPassword,
)
from ledger.passwords import burn_verification_time, verify_password
from ledger.plain_tables import app_user

if TYPE_CHECKING:
    from sqlmodel import Session

    from ledger.models import User

LOCK_AFTER_FAILURES = 5
LOCK_MINUTES = 15


@dataclass(frozen=True)
class Credentials:
    """A username and password typed at this moment. The password never prints."""

    username: str
    password: str = field(repr=False)


class _Account(Protocol):
    """What signing in reads of a user: a Core row of app_user (see `_account`)."""

    @property
    def active(self) -> bool: ...
    @property
    def locked_until(self) -> datetime | None: ...


#: Signing in reads and writes the user's row with Core (ledger/plain_tables.py): a command
#: that only reads the ledger never builds the ORM models for it.
_ACCOUNT = sa.select(
    app_user.c.id,
    app_user.c.username,
    app_user.c.password_hash,
    app_user.c.active,
    app_user.c.failed_logins,
    app_user.c.locked_until,
)


def _account(conn: sa.Connection, user_id: int) -> Any:
    """The user's row under its row lock (FOR UPDATE on PostgreSQL; SQLite's writer already
    holds the database's write lock), read fresh from the database."""
    return conn.execute(_ACCOUNT.where(app_user.c.id == user_id).with_for_update()).first()


def _audit(
    session: Session | sa.Connection, username: str, action: str, outcome: str, rule: str | None
) -> None:
    audit.add(session, action=action, outcome=outcome, username=username, rule=rule)


def _audit_alone(db: Database, username: str, action: str, outcome: str, rule: str) -> None:
    with db.writing() as conn:
        _audit(conn, username, action, outcome, rule)


def _locked(user: _Account, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _count_failure(db: Database, user_id: int, username: str, action: str, now: datetime) -> None:
    """Count one wrong password under the user's row lock, so parallel guesses all count.

    On PostgreSQL the row is locked FOR UPDATE; on SQLite the writer already holds the
    database's write lock (BEGIN IMMEDIATE). Either way the count read here is the one
    every earlier guess left, never a stale copy read before the password was checked.
    A wrong password while the account is disabled or locked is audited with that real
    reason and does not count again (the lock is not extended by the guesser).
    """
    with db.writing() as conn:
        user = _account(conn, user_id)
        if user is None:
            _audit(conn, username, action, "failed", "UnknownUser")
        elif not user.active:
            _audit(conn, username, action, "failed", "AccountDisabled")
        elif _locked(user, now):
            _audit(conn, username, action, "failed", "AccountLocked")
        else:
            failures = user.failed_logins + 1
            change: dict[str, Any] = {"failed_logins": failures}
            _audit(conn, username, action, "failed", "WrongPassword")
            if failures >= LOCK_AFTER_FAILURES:
                change = {
                    "failed_logins": 0,
                    "locked_until": now + timedelta(minutes=LOCK_MINUTES),
                }
                _audit(conn, username, action, "locked", "AccountLocked")
            conn.execute(sa.update(app_user).where(app_user.c.id == user_id).values(**change))


def _why_not(user: _Account, username: str, now: datetime) -> Refusal | None:
    """Why a right password still does not let this user in (said only after it was right)."""
    if not user.active:
        return AccountDisabled(f"user {username!r} is disabled", subject=username)
    if user.locked_until is not None and _locked(user, now):
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        return AccountLocked(
            f"user {username!r} is locked after {LOCK_AFTER_FAILURES} failed logins; "
            f"try again in {minutes} min",
            subject=username,
        )
    return None


def _wrong(username: str) -> WrongPassword:
    # The same words for an unknown user, a wrong password, and a disabled or locked
    # account with a wrong password: nothing tells a guesser which usernames exist.
    return WrongPassword("wrong username or password", subject=username)


def login(
    db: Database,
    username: str,
    password: str,
    *,
    action: str = "login",
    record_success: bool = True,
) -> Actor:
    """Check a password, counting failures; the fifth failure in a row locks for 15 minutes.

    The password is verified outside any transaction (argon2 is slow by design and
    must not hold the write lock), and it is verified for every attempt, an unknown
    user included, so neither the words nor the time taken tell which usernames exist.
    Only after the right password does the user learn that the account is disabled or
    locked. A failure's counter and audit event are committed on their own, before the
    refusal is raised. With `record_success=False` the caller writes the success into
    its own transaction (see `confirm_witness`), so a witnessed action costs one
    commit, not two.
    """
    name = username.strip().lower() if isinstance(username, str) else ""
    if not name.isprintable() or len(name) > 64:
        name = ""  # no username holds such text; PostgreSQL refuses a NUL byte in a query
    user = None
    if name:
        with db.reading() as conn:
            user = conn.execute(_ACCOUNT.where(app_user.c.username == name)).first()
    if user is None or user.id is None:
        burn_verification_time(password)
        _audit_alone(db, username, action, "failed", "UnknownUser")
        raise _wrong(username)
    now = clock.now()
    if not verify_password(user.password_hash, password):
        _count_failure(db, user.id, user.username, action, now)
        raise _wrong(username)
    clean = not user.failed_logins and user.locked_until is None
    if not record_success and clean and not _why_not(user, user.username, now):
        # A clean witness sign-in: the action's own transaction re-checks and audits it.
        return Actor(user_id=user.id, username=user.username)
    refusal: Refusal | None = None
    with db.writing() as conn:
        # Re-read under the row lock: a lock set by parallel guesses while this
        # password was being checked must hold, not be reset by this success.
        fresh = _account(conn, user.id)
        assert fresh is not None
        refusal = _why_not(fresh, fresh.username, clock.now())
        if refusal is not None:
            _audit(conn, fresh.username, action, "refused", refusal.rule)
        else:
            if fresh.failed_logins or fresh.locked_until is not None:
                conn.execute(
                    sa.update(app_user)
                    .where(app_user.c.id == fresh.id)
                    .values(failed_logins=0, locked_until=None)
                )
            if record_success:
                _audit(conn, fresh.username, action, "ok", None)
    if refusal is not None:
        raise refusal
    actor = Actor(user_id=user.id, username=user.username)
    if action == "login":
        _note_anchor(db, user.username)
    return actor


def _note_anchor(db: Database, username: str) -> None:
    """The day's first login appends the ledger head to the anchor file, when one is set.

    An unwritable anchor file must not keep a nurse from the chair; it is audited instead.
    """
    try:
        anchors.note_login(db)
    except OSError as exc:
        audit.record(
            db,
            action="anchor",
            outcome="failed",
            username=username,
            rule="AnchorFileUnwritable",
            detail=f"anchor file not written: {exc.strerror}",
        )


def authenticate_witness(db: Database, actor: Actor, creds: Credentials | None) -> Actor:
    """The second person re-enters their own password for this one action."""
    if creds is None:
        raise WitnessNotAuthenticated("no witness was given")
    if creds.username == actor.username:
        raise SelfWitness(f"{actor.username} cannot witness their own entry")
    try:
        return login(db, creds.username, creds.password, action="witness", record_success=False)
    except Refusal as exc:
        raise WitnessNotAuthenticated(
            f"witness {creds.username!r} was not authenticated ({exc.rule}: {exc.message})",
            subject=creds.username,
        ) from None


def confirm_witness(session: Session, actor: Actor, witness: Actor) -> User:
    """Inside the action's transaction: the witness is someone else, active and clinical."""
    if witness.user_id == actor.user_id:
        raise SelfWitness(f"{actor.username} cannot witness their own entry")
    from ledger.models import User

    user = session.get(User, witness.user_id)
    if user is None or not user.active:
        raise WitnessNotQualified(f"witness {witness.username!r} is not an active user")
    if not (user.role_set() & WITNESS_ROLES):
        raise WitnessNotQualified(
            f"{user.username} ({user.roles}) cannot witness; a witness must be a nurse or "
            "the registrant",
            subject=user.username,
        )
    # The witness's successful sign-in is audited in the very transaction it witnesses
    # (a Core insert: it runs at every infusion).
    audit.add(session, action="witness", outcome="ok", username=user.username)
    return user
