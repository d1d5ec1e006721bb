"""Who may do what. Every service checks here; the UI hiding a button is not a guard."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from ledger.errors import AccountDisabled, PermissionDenied, UnknownUser
from ledger.models import Role, User

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
    "registration.add": frozenset({A, R}),
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


def authorize(session: Session, actor: Actor, action: str) -> User:
    """Load the acting user inside the transaction and refuse unless they may act now.

    Roles and the active flag are read from the database, not from the Actor, so
    disabling a user takes effect on their very next action.
    """
    allowed = PERMISSIONS[action]
    user = session.get(User, actor.user_id)
    if user is None or user.username != actor.username:
        raise UnknownUser(f"user {actor.username!r} does not exist", subject=actor.username)
    if not user.active:
        raise AccountDisabled(f"user {user.username!r} is disabled", subject=user.username)
    if not (user.role_set() & allowed):
        need = ", ".join(sorted(r.value for r in allowed))
        raise PermissionDenied(
            f"{user.username} ({user.roles}) may not {action}; it needs one of: {need}",
            subject=user.username,
        )
    return user
