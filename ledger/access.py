"""Who may do what. Every service checks here; the UI hiding a button is not a guard."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ledger.errors import AccountDisabled, PermissionDenied, UnknownUser
from ledger.roles import Role

if TYPE_CHECKING:
    import sqlalchemy as sa
    from sqlmodel import Session

    from ledger.models import User

A, R, N, M, B, U = (
    Role.ADMIN,
    Role.REGISTRANT,
    Role.NURSE,
    Role.MANAGER,
    Role.BILLING,
    Role.AUDITOR,
)
EVERYONE = frozenset(Role)

#: action -> roles allowed to perform it.
PERMISSIONS: dict[str, frozenset[Role]] = {
    # Add, disable, enable, unlock, reset a forgotten password.
    "user.manage": frozenset({A}),
    # Everyone changes their own password (the old one is required).
    "user.password": EVERYONE,
    "settings.edit": frozenset({A}),
    # The clinic's list of dosing protocols is a prescriber's matter (and the administrator's).
    "protocol.manage": frozenset({A, R}),
    # Anyone at a shared workstation locks it when they walk away, and unlocks it again.
    "session.lock": EVERYONE,
    "registration.add": frozenset({A, R}),
    # The renewal certificate comes to the registrant; the administrator may key it in.
    "registration.renew": frozenset({A, R}),
    "supplier.add": frozenset({A, M, R}),
    "product.add": frozenset({A, M, R}),
    "patient.add": frozenset({A, R, N, M, B}),
    "patient.import": frozenset({A, R, M, B}),
    # A DEA log prints the patient's identity: correcting it is for the accountable roles.
    "patient.correct": frozenset({A, R, M}),
    "receive": frozenset({R, N, M}),
    "infusion.record": frozenset({R, N}),
    "waste": frozenset({R, N}),
    "destroy": frozenset({R, M}),
    "return": frozenset({R, M}),
    "loss": frozenset({R, M}),
    "breakage": frozenset({R, N, M}),
    "transfer": frozenset({R, M}),
    "adjust": frozenset({R, M}),
    "reverse": frozenset({R, M}),
    "quarantine": frozenset({R, M}),
    # Counting the shelf: those who handle the stock. Signing off a variance, escalating a
    # loss to the DEA and confirming it are the registrant's, whose registration it is.
    "count": frozenset({R, N, M}),
    "count.approve": frozenset({R}),
    # A signed inventory is the registrant's record (21 CFR 1304.11).
    "count.sign": frozenset({R}),
    # The registrant reads each entry made after the fact and marks it reviewed.
    "late.review": frozenset({R}),
    "discrepancy.investigate": frozenset({R, M}),
    "discrepancy.escalate": frozenset({R}),
    # A backup is every patient's name and address: not for billing or auditors.
    "backup": frozenset({A, R, M}),
    "ledger.read": EVERYONE,
    "ledger.check": EVERYONE,
    "export": frozenset({A, R, N, M, U}),
    # Who logged in, failed, was locked, refused, exported: for those who answer for the
    # clinic's records and for auditors, not for every member of staff.
    "audit.read": frozenset({A, R, U}),
    # Billing: billing staff do it all; the registrant and the manager read; an auditor reads
    # and exports; a nurse never sees a price (recording an infusion bills it without them).
    "billing.price": frozenset({B}),
    "billing.invoice": frozenset({B}),
    "billing.void": frozenset({B}),
    "billing.credit_note": frozenset({B}),
    "billing.payment": frozenset({B}),
    "billing.refund": frozenset({B}),
    "billing.estimate": frozenset({B}),
    "billing.read": frozenset({B, R, M, U}),
    "billing.export": frozenset({B, U}),
    # ICD-10 codes on the patient's record: the physician and the billing staff who code.
    "patient.diagnose": frozenset({R, B}),
}

#: Roles whose holder may witness waste, breakage, destruction and adjustments.
WITNESS_ROLES = frozenset({N, R})


@dataclass(frozen=True)
class Actor:
    """An authenticated user, as returned by `auth.login`."""

    user_id: int
    username: str


class StaffRecord(Protocol):
    """What a permission check reads of a user: a `User` model or a Core row of app_user."""

    @property
    def username(self) -> str: ...
    @property
    def active(self) -> bool: ...
    @property
    def roles(self) -> str: ...


def roles_of(roles: str) -> frozenset[Role]:
    """The stored comma-separated roles ("nurse,registrant") as a set."""
    return frozenset(Role(r) for r in roles.split(",") if r)


def permit(user: StaffRecord | None, actor: Actor, action: str) -> None:
    """Refuse unless the stored user is the actor, active, and holds a role for `action`."""
    allowed = PERMISSIONS[action]
    if user is None or user.username != actor.username:
        raise UnknownUser(f"user {actor.username!r} does not exist", subject=actor.username)
    if not user.active:
        raise AccountDisabled(f"user {user.username!r} is disabled", subject=user.username)
    if not (roles_of(user.roles) & allowed):
        need = ", ".join(sorted(r.value for r in allowed))
        raise PermissionDenied(
            f"{user.username} ({user.roles}) may not {action}; it needs one of: {need}",
            subject=user.username,
        )


def authorize(session: Session, actor: Actor, action: str) -> User:
    """Load the acting user inside the transaction and refuse unless they may act now.

    Roles and the active flag are read from the database, not from the Actor, so
    disabling a user takes effect on their very next action.
    """
    from ledger.models import User

    user = session.get(User, actor.user_id)
    permit(user, actor, action)
    assert user is not None  # permit() refused a missing user
    return user


def authorize_reader(conn: sa.Connection, actor: Actor, action: str) -> None:
    """`authorize` for a Core read (stock on hand): the same checks, without the ORM."""
    from sqlalchemy import select

    from ledger.plain_tables import app_user as u

    row = conn.execute(
        select(u.c.username, u.c.active, u.c.roles).where(u.c.id == actor.user_id)
    ).first()
    permit(row, actor, action)
