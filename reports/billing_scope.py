"""What every billing document builder shares: who asked (billing or an auditor), the clinic,
the money chain's head the document is pinned to, and how cents become report values.

Billing documents are tied to the money chain (ledger/chain.py), not the drug ledger: the
footer prints the money chain's head, and `verify-export` finds it there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from ledger import clock
from ledger.access import Actor, authorize
from ledger.chain import GENESIS_HASH
from ledger.errors import InvalidDate, InvalidText
from ledger.models.base import table_of
from ledger.models.billing_money import MoneyEntry, MoneyHead
from ledger.queries.billing_parties import ClinicIdentity, clinic_identity
from reports.model import Fact, Integrity, Period
from reports.scope import Request


@dataclass(frozen=True)
class BillingRequest(Request):
    """A billing export: the period (`date_from`..`date_to`) plus the document asked for."""

    #: An invoice by id or number ("INV-2026-000123").
    invoice: str | None = None
    #: A credit note by id or number ("CN-2026-000007").
    credit_note: str | None = None
    #: A patient by MRN.
    patient: str | None = None
    payment: int | None = None
    estimate: int | None = None


def needs(request: Request, field: str, option: str) -> str:
    value = getattr(request, field, None)
    if value in (None, ""):
        raise InvalidText(f"this document needs {option}")
    return str(value)


@dataclass(frozen=True)
class BillingScope:
    request: Request
    clinic: ClinicIdentity
    head_seq: int
    head_hash: str
    generated_at: datetime
    generated_by: str

    @property
    def timezone(self) -> str:
        return self.clinic.timezone

    @property
    def period(self) -> Period:
        return Period(self.request.date_from, self.request.date_to)

    def on(self, day: date) -> Period:
        return Period(day, day)

    def local(self, instant: datetime | None) -> datetime | None:
        return instant.astimezone(ZoneInfo(self.timezone)) if instant is not None else None

    def header(self) -> tuple[Fact, ...]:
        c = self.clinic
        return (
            Fact("Clinic", c.name),
            Fact("Clinic address", c.address or "-"),
            Fact("Clinic NPI", c.npi or "-"),
            Fact("Tax ID", c.tax_id or "-"),
            Fact("Times shown in", c.timezone),
        )

    def integrity(self, first: int | None = None, last: int | None = None) -> Integrity:
        return Integrity(
            generated_at=self.local(self.generated_at) or self.generated_at,
            generated_by=self.generated_by,
            first_seq=first,
            last_seq=last,
            head_seq=self.head_seq,
            head_hash=self.head_hash,
            chain="money",
        )


def open_billing_scope(session: Session, actor: Actor, request: Request) -> BillingScope:
    """Authorize the billing export and pin the money chain's head."""
    user = authorize(session, actor, "billing.export")
    if request.date_to < request.date_from:
        raise InvalidDate(
            f"the period ends ({request.date_to}) before it starts ({request.date_from})"
        )
    h = table_of(MoneyHead)
    head = session.execute(sa.select(h.c.seq, h.c.hash).where(h.c.id == 1)).first()
    seq, digest = (int(head.seq), str(head.hash)) if head else (0, GENESIS_HASH)
    if request.head_seq is not None and request.head_seq < seq:
        m = table_of(MoneyEntry)
        pinned = session.execute(sa.select(m.c.hash).where(m.c.id == request.head_seq)).scalar()
        if pinned is not None:
            seq, digest = request.head_seq, str(pinned)
    return BillingScope(
        request=request,
        clinic=clinic_identity(session, complete=False),
        head_seq=seq,
        head_hash=digest,
        generated_at=clock.now(),
        generated_by=f"{user.full_name} ({user.username})",
    )


def money_range(
    session: Session,
    scope: BillingScope,
    *,
    patient_id: int | None = None,
    after: datetime | None = None,
    until: datetime | None = None,
) -> tuple[int | None, int | None]:
    """The first and last money entries (of one patient, in a time window) the document
    draws on, up to its pinned head."""
    m = table_of(MoneyEntry)
    stmt = sa.select(sa.func.min(m.c.id), sa.func.max(m.c.id)).where(m.c.id <= scope.head_seq)
    if patient_id is not None:
        stmt = stmt.where(m.c.patient_id == patient_id)
    if after is not None:
        stmt = stmt.where(m.c.at > after)
    if until is not None:
        stmt = stmt.where(m.c.at <= until)
    row = session.execute(stmt).one()
    return row[0], row[1]
