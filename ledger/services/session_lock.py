"""A shared workstation's idle lock: locking, the same user's unlock, and a hand-over.

The app covers its screen after the clinic's idle minutes. Each step is audited: who was
locked out and after how long, who came back (their own password, counted like a login),
and whose unsaved work was discarded when someone else logged in over the lock.
"""

from __future__ import annotations

from ledger import audit
from ledger.access import Actor
from ledger.audited import audited
from ledger.auth import login
from ledger.database import Database
from ledger.errors import WrongPassword
from ledger.unit_of_work import act


@audited("session.lock")
def lock_session(db: Database, actor: Actor, *, idle_minutes: int | None) -> None:
    """Audit a lock: after `idle_minutes` without a key, or by the user's hand (None)."""
    with act(db, actor, "session.lock") as tx:
        tx.audit(detail={"idle_minutes": idle_minutes} if idle_minutes else {"by_hand": True})


def unlock_session(db: Database, actor: Actor, password: str) -> Actor:
    """The locked user's own password; a wrong one counts towards their lock-out."""
    back = login(db, actor.username, password, action="session.unlock")
    if back.user_id != actor.user_id:  # the account was replaced under the same name
        raise WrongPassword("wrong username or password", subject=actor.username)
    return back


def hand_over(db: Database, locked: Actor, new: Actor) -> None:
    """Another user logged in over the lock: the locked user's unsaved form is gone."""
    audit.record(
        db,
        action="session.discard",
        outcome="ok",
        username=locked.username,
        detail={"taken_over_by": new.username},
    )
