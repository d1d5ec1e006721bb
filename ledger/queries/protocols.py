"""The clinic's list of dosing protocols, as the infusion form and `protocol list` show it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from ledger.models import Protocol
from ledger.units import mg_text


@dataclass(frozen=True)
class ProtocolEntry:
    name: str
    #: The whole ordered dose per kg of body weight.
    ug_per_kg: int
    minutes: int
    active: bool

    def dose_text(self) -> str:
        """`0.5 mg/kg over 40 min`: how a nurse reads the order."""
        return f"{mg_text(self.ug_per_kg)} mg/kg over {self.minutes} min"

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "ug_per_kg": self.ug_per_kg,
            "mg_per_kg": mg_text(self.ug_per_kg),
            "minutes": self.minutes,
            "active": self.active,
        }


def protocol_entries(session: Session, *, retired: bool = False) -> list[ProtocolEntry]:
    """The active protocols by name (and the retired ones after them, when asked)."""
    stmt = select(Protocol).order_by(col(Protocol.active).desc(), col(Protocol.name))
    if not retired:
        stmt = stmt.where(col(Protocol.active).is_(True))
    return [ProtocolEntry(p.name, p.ug_per_kg, p.minutes, p.active) for p in session.exec(stmt)]


def protocol_named(session: Session, name: str) -> Protocol | None:
    return session.exec(select(Protocol).where(Protocol.name == name.strip().lower())).first()
