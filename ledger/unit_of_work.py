"""One unit of work per business action: the transaction, the user, the settings, the clock.

    with act(db, actor, "adjust") as tx:
        step_one(tx, ...)
        step_two(tx, ...)   # a refusal here leaves nothing of step_one either

`act` opens one write transaction, authorizes the acting user for the action, reads the
clinic's settings and fixes the entry time once, so every step of the action sees the same
"now". The chain posting (the chain-head lock, then the vials it touches) is opened by the
first step that moves stock. Steps are small functions that take the unit of work; they never
commit. The transaction commits when the `with` block ends without a refusal, after the
posting has written its movements; any exception rolls everything back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from ledger import audit, clock
from ledger.access import PERMISSIONS, Actor, authorize
from ledger.database import Database
from ledger.errors import PermissionDenied
from ledger.models import ChainHead, ClinicSettings, User
from ledger.models.base import table_of
from ledger.posting import Posting
from ledger.settings import clinic_settings


@dataclass
class UnitOfWork:
    """Everything one business action needs, inside its one transaction."""

    session: Session
    actor: Actor
    user: User
    action: str
    settings: ClinicSettings
    #: When the action is entered: one instant for every step of it.
    entered_at: datetime
    _posting: Posting | None = field(default=None, repr=False)
    #: Rows read ahead with the acting user (a witness's), held so the session keeps them.
    _read_ahead: list[Any] = field(default_factory=list, repr=False)

    @property
    def user_id(self) -> int:
        assert self.user.id is not None  # authorize() returned a stored row
        return self.user.id

    @property
    def posting(self) -> Posting:
        """The chain posting, opened (and the chain head locked) on first use."""
        if self._posting is None:
            self._posting = Posting(self.session, entered_at=self.entered_at)
        return self._posting

    def require(self, action: str) -> None:
        """A step that belongs to another action checks that action's roles too."""
        if action != self.action and not (self.user.role_set() & PERMISSIONS[action]):
            raise PermissionDenied(
                f"{self.user.username} ({self.user.roles}) may not {action}",
                subject=self.user.username,
            )

    def audit(self, *, action: str | None = None, detail: dict[str, Any] | str = "") -> None:
        """Record the action in the audit trail, in this same transaction."""
        audit.add(
            self.session,
            action=action or self.action,
            outcome="ok",
            username=self.actor.username,
            detail=detail,
        )


def _server_clock(session: Session) -> bool:
    """On PostgreSQL an entry's moment is the database server's clock, so a workstation
    whose clock is wrong cannot decide what counts as a late entry; a pinned clock (tests,
    the demo) is used as it is."""
    return not clock.is_pinned() and session.get_bind().dialect.name == "postgresql"


def entry_time(session: Session) -> datetime:
    """The moment an entry is made (see `_server_clock`)."""
    if _server_clock(session):
        return clock.as_utc(session.execute(sa.text("SELECT statement_timestamp()")).scalar_one())
    return clock.now()


@dataclass(frozen=True)
class _ReadAhead:
    held: list[Any]
    now: datetime | None
    head: tuple[int, str] | None


def _read_ahead(
    session: Session, actor: Actor, witnesses: Sequence[int], *, posts: bool
) -> _ReadAhead:
    """The acting user, the action's witnesses and the settings row in one statement
    (with the server's clock on PostgreSQL, and the chain head under its lock when the
    action posts movements), read in this transaction.

    `authorize`, `clinic_settings` and `confirm_witness` then find these rows in the
    session instead of each sending its own SELECT, and still judge what the database
    holds now: a user disabled or a setting changed a moment ago counts. Nothing is
    cached across transactions. If a row is missing, nothing is read here and those
    steps read (and refuse) as they always did.
    """
    h = table_of(ChainHead)
    columns: list[Any] = [User, ClinicSettings]
    server = _server_clock(session)
    if posts:
        columns += [h.c.seq, h.c.hash]
    if server:
        columns.append(sa.func.statement_timestamp())
    stmt = (
        sa.select(*columns)
        .select_from(User)
        .join(ClinicSettings, ClinicSettings.id == 1)  # type: ignore[arg-type]
        .where(User.id.in_([actor.user_id, *witnesses]))  # type: ignore[union-attr]
    )
    if posts:
        # The chain head is the first lock a posting takes, as `Posting()` would take it;
        # only its row is locked (FOR UPDATE OF chain_head).
        stmt = stmt.join(h, h.c.id == 1).with_for_update(of=h)
    rows = session.execute(stmt).all()
    if not rows:
        return _ReadAhead([], None, None)
    first = rows[0]
    return _ReadAhead(
        held=[x for row in rows for x in row[:2]],
        now=clock.as_utc(first[-1]) if server else None,
        head=(int(first[2]), str(first[3])) if posts else None,
    )


@contextmanager
def act(
    db: Database,
    actor: Actor,
    action: str,
    *,
    witnesses: Sequence[int] = (),
    posts: bool = False,
) -> Iterator[UnitOfWork]:
    """One write transaction for `actor` doing `action`; commits only if no step refused.

    `witnesses` are the user ids of witnesses already authenticated for this action: their
    rows are read with the actor's, so confirming them costs no statement of its own.
    `posts` says the action will move stock: the chain head is locked in that same first
    statement and the posting opened at once.
    """
    with db.write() as session:
        ahead = _read_ahead(session, actor, witnesses, posts=posts)
        user = authorize(session, actor, action)
        tx = UnitOfWork(
            session=session,
            actor=actor,
            user=user,
            action=action,
            settings=clinic_settings(session),
            entered_at=ahead.now or entry_time(session),
            _read_ahead=ahead.held,
        )
        if ahead.head is not None:
            tx._posting = Posting(session, entered_at=tx.entered_at, locked_head=ahead.head)
        yield tx
        if tx._posting is not None:
            tx._posting.finish()


@contextmanager
def look(db: Database, actor: Actor, action: str = "ledger.read") -> Iterator[UnitOfWork]:
    """A read transaction with the same checks: authorized user, settings, one instant."""
    with db.read() as session:
        user = authorize(session, actor, action)
        yield UnitOfWork(
            session=session,
            actor=actor,
            user=user,
            action=action,
            settings=clinic_settings(session),
            entered_at=clock.now(),
        )
