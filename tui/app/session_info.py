"""Who is at the workstation: their roles, the registration in use and the clinic's zone.

The app's own small query over the ledger's tables (users, registrations, settings), for the
title bar and for hiding what a user may not do. The services still refuse on their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from ledger.access import PERMISSIONS, Actor
from ledger.database import Database
from ledger.models import Registration, User
from ledger.settings import clinic_settings


@dataclass(frozen=True)
class SessionInfo:
    username: str
    roles: frozenset[str]
    registration: str
    timezone: str

    def may(self, action: str) -> bool:
        """Whether the roles allow `action` (a key of ledger.access.PERMISSIONS)."""
        return bool({str(r) for r in PERMISSIONS[action]} & self.roles)

    def roles_text(self) -> str:
        return ", ".join(sorted(self.roles))


def session_info(db: Database, actor: Actor) -> SessionInfo:
    with db.read() as session:
        user = session.get(User, actor.user_id)
        roles = frozenset(str(r) for r in user.role_set()) if user is not None else frozenset()
        regs = session.exec(select(Registration).order_by(col(Registration.id)).limit(2)).all()
        registration = (
            "no registration"
            if not regs
            else regs[0].dea_number
            if len(regs) == 1
            else "several registrations"
        )
        return SessionInfo(actor.username, roles, registration, clinic_settings(session).timezone)
