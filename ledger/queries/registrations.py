"""Finding the DEA registration an action or a report is about."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ledger.errors import UnknownRecord
from ledger.models import Registration


def registration_for(session: Session, dea_number: str | None) -> Registration:
    """The named registration, or the clinic's only one when none is named."""
    if dea_number:
        stmt = select(Registration).where(Registration.dea_number == dea_number.strip().upper())
        reg = session.exec(stmt).first()
        if reg is None:
            raise UnknownRecord(f"no registration {dea_number!r}", subject=dea_number)
        return reg
    regs = session.exec(select(Registration).order_by(col(Registration.id)).limit(2)).all()
    if not regs:
        raise UnknownRecord("the clinic has no DEA registration yet; add one first")
    if len(regs) > 1:
        raise UnknownRecord("this clinic has several registrations; name one with --registration")
    return regs[0]
