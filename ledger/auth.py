"""Logging in, locking out, and authenticating a witness inside the action they witness."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import Session, select

from ledger import clock
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
from ledger.models import AuditEvent, User
from ledger.passwords import verify_password

LOCK_AFTER_FAILURES = 5
LOCK_MINUTES = 15


@dataclass(frozen=True)
class Credentials:
    """A username and password typed at this moment. The password never prints."""

    username: str
    password: str = field(repr=False)


def _audit(session: Session, username: str, action: str, outcome: str, rule: str | None) -> None:
    session.add(
        AuditEvent(
            at=clock.now(), username=username[:64], action=action, outcome=outcome, rule=rule
        )
    )


def login(db: Database, username: str, password: str, *, action: str = "login") -> Actor:
    """Check a password, counting failures; the fifth failure in a row locks for 15 minutes.

    The failure counter and the audit event are committed even when the login is
    refused, so the refusal is raised only after the transaction ends.
    """
    refusal: Refusal | None = None
    actor: Actor | None = None
    with db.write() as session:
        now = clock.now()
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None or user.id is None:
            _audit(session, username, action, "failed", "WrongPassword")
            # Same words as a wrong password: no hint which usernames exist.
            refusal = WrongPassword("wrong username or password", subject=username)
        elif not user.active:
            _audit(session, username, action, "refused", "AccountDisabled")
            refusal = AccountDisabled(f"user {username!r} is disabled", subject=username)
        elif user.locked_until is not None and user.locked_until > now:
            _audit(session, username, action, "refused", "AccountLocked")
            minutes = int((user.locked_until - now).total_seconds() // 60) + 1
            refusal = AccountLocked(
                f"user {username!r} is locked after {LOCK_AFTER_FAILURES} failed logins; "
                f"try again in {minutes} min",
                subject=username,
            )
        elif not verify_password(user.password_hash, password):
            user.failed_logins += 1
            _audit(session, username, action, "failed", "WrongPassword")
            if user.failed_logins >= LOCK_AFTER_FAILURES:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_logins = 0
                _audit(session, username, action, "locked", "AccountLocked")
            session.add(user)
            refusal = WrongPassword("wrong username or password", subject=username)
        else:
            if user.failed_logins or user.locked_until is not None:
                user.failed_logins = 0
                user.locked_until = None
                session.add(user)
            _audit(session, username, action, "ok", None)
            actor = Actor(user_id=user.id, username=user.username)
    if refusal is not None:
        raise refusal
    assert actor is not None
    return actor


def authenticate_witness(db: Database, actor: Actor, creds: Credentials | None) -> Actor:
    """The second person re-enters their own password for this one action."""
    if creds is None:
        raise WitnessNotAuthenticated("no witness was given")
    if creds.username == actor.username:
        raise SelfWitness(f"{actor.username} cannot witness their own entry")
    try:
        return login(db, creds.username, creds.password, action="witness")
    except Refusal as exc:
        raise WitnessNotAuthenticated(
            f"witness {creds.username!r} was not authenticated ({exc.rule}: {exc.message})",
            subject=creds.username,
        ) from None


def confirm_witness(session: Session, actor: Actor, witness: Actor) -> User:
    """Inside the action's transaction: the witness is someone else, active and clinical."""
    if witness.user_id == actor.user_id:
        raise SelfWitness(f"{actor.username} cannot witness their own entry")
    user = session.get(User, witness.user_id)
    if user is None or not user.active:
        raise WitnessNotQualified(f"witness {witness.username!r} is not an active user")
    if not (user.role_set() & WITNESS_ROLES):
        raise WitnessNotQualified(
            f"{user.username} ({user.roles}) cannot witness; a witness must be a nurse or "
            "the registrant",
            subject=user.username,
        )
    return user
