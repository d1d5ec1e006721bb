"""Finding a patient at a desk by MRN or by part of their name (read-only)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ledger.models import Patient

#: More than this many matches means the name typed is too short to pick from a list.
MATCHES = 20


def find_patients(session: Session, text: str, limit: int = MATCHES) -> list[Patient]:
    """The patient whose MRN is `text` (any case); else those whose name holds it, by name."""
    typed = " ".join(text.split())
    if not typed:
        return []
    exact = session.exec(
        select(Patient).where(sa.func.upper(col(Patient.mrn)) == typed.upper())
    ).first()
    if exact is not None:
        return [exact]
    # LIKE wildcards typed by the person are taken as themselves.
    pattern = typed.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stmt = (
        select(Patient)
        .where(sa.func.lower(col(Patient.name)).like(f"%{pattern}%", escape="\\"))
        .order_by(col(Patient.name), col(Patient.mrn))
        .limit(limit)
    )
    return list(session.exec(stmt).all())
