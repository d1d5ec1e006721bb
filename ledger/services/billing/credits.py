"""Package credits: granted when the invoice selling a package is issued, consumed one per
infusion (oldest valid first), expired by date, refunded or cancelled by a movement, and
given back (as a fresh credit of the same sale) when the infusion that used one is reversed.

A credit is open until a movement closes it (`closes_credit_id`, unique): the database
itself refuses to use one credit twice. Expiry is read from `expires_on` against the clinic's
date, so no job has to run for a credit to stop counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from ledger.models import (
    CreditMovement,
    CreditMovementKind,
    Invoice,
    InvoiceLine,
    LineKind,
    Package,
    PackageCredit,
)
from ledger.models.base import table_of
from ledger.services.billing.chain import seal
from ledger.services.billing.packages import allocation
from ledger.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Credit:
    """One prepaid session and where it stands on a day."""

    id: int
    patient_id: int
    package_code: str
    package_name: str
    invoice_id: int
    seq: int
    allocated_cents: int
    sold_on: date
    expires_on: date
    #: unused, used, expired, refunded, void, or returned (its infusion was reversed and a
    #: fresh credit of the same sale given back).
    state: str
    infusion_id: int | None


def _closing(credit_id_col: sa.ColumnElement[int]) -> sa.Select[tuple[int]]:
    m = table_of(CreditMovement)
    return sa.select(m.c.id).where(m.c.closes_credit_id == credit_id_col)


def grant_credits(tx: UnitOfWork, invoice: Invoice) -> list[int]:
    """Step of issuing: each package line grants its sessions as credits to the patient."""
    assert invoice.id is not None and invoice.issued_on is not None
    line = table_of(InvoiceLine)
    rows = tx.session.execute(
        sa.select(line.c.id, line.c.package_id, line.c.unit_cents)
        .where(line.c.invoice_id == invoice.id, line.c.kind == LineKind.PACKAGE)
        .order_by(line.c.id)
    ).all()
    granted: list[int] = []
    for line_id, package_id, price in rows:
        package = tx.session.get(Package, package_id)
        assert package is not None
        expires = date.fromordinal(invoice.issued_on.toordinal() + package.valid_days)
        for seq, share in enumerate(allocation(price, package.sessions), start=1):
            credit = PackageCredit(
                patient_id=invoice.patient_id,
                package_id=package_id,
                invoice_id=invoice.id,
                invoice_line_id=line_id,
                seq=seq,
                allocated_cents=share,
                sold_on=invoice.issued_on,
                expires_on=expires,
                granted_at=tx.entered_at,
            )
            tx.session.add(credit)
            tx.session.flush()
            assert credit.id is not None
            _move(tx, credit, CreditMovementKind.GRANT, closes=False, document=invoice.number)
            granted.append(credit.id)
    return granted


class _Sealable(NamedTuple):
    """What a credit movement needs of its credit."""

    id: int
    patient_id: int
    allocated_cents: int


def _move(
    tx: UnitOfWork,
    credit: _Sealable | PackageCredit,
    kind: str,
    *,
    closes: bool,
    infusion_id: int | None = None,
    service_code: str | None = None,
    package_refund_id: int | None = None,
    document: str | None = None,
    reason: str | None = None,
) -> int:
    """Append one credit movement and seal it; a Core insert, since an infusion waits on it."""
    from ledger.services.billing.common import clinic_day

    assert credit.id is not None
    movement_id = tx.session.execute(
        sa.insert(table_of(CreditMovement))
        .values(
            credit_id=credit.id,
            kind=str(kind),
            closes_credit_id=credit.id if closes else None,
            infusion_id=infusion_id,
            service_code=service_code,
            package_refund_id=package_refund_id,
            at=tx.entered_at,
            moved_on=clinic_day(tx),
            actor_id=tx.user_id,
        )
        .returning(table_of(CreditMovement).c.id)
    ).scalar_one()
    seal(
        tx,
        kind=f"credit_{kind}",
        amount_cents=credit.allocated_cents,
        source_table="credit_movement",
        source_id=int(movement_id),
        document=document,
        patient_id=credit.patient_id,
        reason=reason,
        detail={"credit": credit.id, "infusion": infusion_id},
    )
    return int(movement_id)


def consume_credit(
    tx: UnitOfWork, *, patient_id: int, infusion_id: int, code: str, day: date
) -> int | None:
    """Step of recording an infusion: use the oldest open credit valid on `day` whose package
    covers `code`. Returns the credit used, or None when no credit covers it."""
    pc, pkg = table_of(PackageCredit), table_of(Package)
    candidates = tx.session.execute(
        sa.select(pc.c.id, pc.c.allocated_cents, pkg.c.covers)
        .select_from(pc.join(pkg, pkg.c.id == pc.c.package_id))
        .where(
            pc.c.patient_id == patient_id,
            pc.c.expires_on >= day,
            ~sa.exists(_closing(pc.c.id)),
        )
        .order_by(pc.c.sold_on, pc.c.id)
    ).all()
    postgresql = tx.session.get_bind().dialect.name == "postgresql"
    for credit_id, allocated, covers in candidates:
        if code not in covers.split(","):
            continue
        if postgresql:
            # Lock it, then look again: another workstation may have used it meanwhile.
            # (SQLite's BEGIN IMMEDIATE already keeps every other writer out.)
            tx.session.execute(
                sa.select(pc.c.id).where(pc.c.id == credit_id).with_for_update()
            ).one()
            if tx.session.execute(_closing(sa.literal(credit_id))).first() is not None:
                continue
        _move(
            tx,
            _Sealable(credit_id, patient_id, allocated),
            CreditMovementKind.CONSUME,
            closes=True,
            infusion_id=infusion_id,
            service_code=code,
        )
        return int(credit_id)
    return None


def _returned(infusion_id: sa.ColumnElement[int | None]) -> sa.Exists:
    """A credit was already given back for this infusion."""
    m = table_of(CreditMovement).alias("given_back")
    return sa.exists(
        sa.select(m.c.id).where(
            m.c.infusion_id == infusion_id, m.c.kind == CreditMovementKind.RETURN
        )
    )


def return_credit(tx: UnitOfWork, *, infusion_id: int, reason: str) -> int | None:
    """Step of reversing an infusion: give back the credit it used, if any.

    The used credit stays closed by its consume (the database allows one closing per
    credit), so the patient gets a fresh credit of the same sale, line, share and expiry,
    opened by a `return` movement naming the reversed infusion. It is unused again while its
    expiry allows. Returns the new credit, or None when the infusion used no credit.
    """
    pc, m = table_of(PackageCredit), table_of(CreditMovement)
    used = tx.session.execute(
        sa.select(pc)
        .select_from(pc.join(m, m.c.credit_id == pc.c.id))
        .where(
            m.c.infusion_id == infusion_id,
            m.c.kind == CreditMovementKind.CONSUME,
            ~_returned(sa.literal(infusion_id)),
        )
    ).first()
    if used is None:
        return None
    credit = PackageCredit(
        patient_id=used.patient_id,
        package_id=used.package_id,
        invoice_id=used.invoice_id,
        invoice_line_id=used.invoice_line_id,
        seq=used.seq,
        allocated_cents=used.allocated_cents,
        sold_on=used.sold_on,
        expires_on=used.expires_on,
        granted_at=tx.entered_at,
    )
    tx.session.add(credit)
    tx.session.flush()
    assert credit.id is not None
    _move(
        tx,
        credit,
        CreditMovementKind.RETURN,
        closes=False,
        infusion_id=infusion_id,
        reason=reason,
    )
    return credit.id


def close_open_credits(
    tx: UnitOfWork,
    *,
    invoice_id: int,
    kind: str,
    line_id: int | None = None,
    package_refund_id: int | None = None,
    reason: str | None = None,
    document: str | None = None,
) -> list[int]:
    """Close every open credit an invoice (or one of its lines) granted: refund or void."""
    pc = table_of(PackageCredit)
    stmt = sa.select(pc.c.id).where(pc.c.invoice_id == invoice_id, ~sa.exists(_closing(pc.c.id)))
    if line_id is not None:
        stmt = stmt.where(pc.c.invoice_line_id == line_id)
    closed = []
    for (credit_id,) in tx.session.execute(stmt.order_by(pc.c.id)).all():
        credit = tx.session.get(PackageCredit, credit_id, with_for_update=True)
        assert credit is not None
        _move(
            tx,
            credit,
            kind,
            closes=True,
            package_refund_id=package_refund_id,
            reason=reason,
            document=document,
        )
        closed.append(credit_id)
    return closed


def used_count(session: Session, *, invoice_id: int, line_id: int | None = None) -> int:
    """Credits of an invoice (or line) consumed by an infusion that was not reversed."""
    pc, m = table_of(PackageCredit), table_of(CreditMovement)
    stmt = (
        sa.select(sa.func.count())
        .select_from(m.join(pc, pc.c.id == m.c.credit_id))
        .where(
            pc.c.invoice_id == invoice_id,
            m.c.kind == CreditMovementKind.CONSUME,
            ~_returned(m.c.infusion_id),
        )
    )
    if line_id is not None:
        stmt = stmt.where(pc.c.invoice_line_id == line_id)
    return int(session.execute(stmt).scalar_one() or 0)


def patient_credits(session: Session, patient_id: int, day: date) -> list[Credit]:
    """Every credit of a patient and its state on `day`, oldest first."""
    pc, pkg, m = table_of(PackageCredit), table_of(Package), table_of(CreditMovement)
    closing = m.alias("closing")
    rows = session.execute(
        sa.select(pc, pkg.c.code, pkg.c.name, closing.c.kind.label("closed_by"),
                  closing.c.infusion_id.label("used_by"))
        .select_from(
            pc.join(pkg, pkg.c.id == pc.c.package_id).outerjoin(
                closing, closing.c.closes_credit_id == pc.c.id
            )
        )
        .where(pc.c.patient_id == patient_id)
        .order_by(pc.c.sold_on, pc.c.id)
    ).all()  # fmt: skip
    used_by = [r.used_by for r in rows if r.used_by is not None]
    given_back = sa.select(m.c.infusion_id).where(
        m.c.kind == CreditMovementKind.RETURN, m.c.infusion_id.in_(used_by)
    )
    returned = {int(i) for (i,) in session.execute(given_back)} if used_by else set()
    out = []
    for r in rows:
        if r.closed_by == CreditMovementKind.CONSUME and r.used_by in returned:
            # Its infusion was reversed; a fresh credit of the same sale stands for it.
            state = "returned"
        elif r.closed_by == CreditMovementKind.CONSUME:
            state = "used"
        elif r.closed_by is not None:
            state = "refunded" if r.closed_by == CreditMovementKind.REFUND else str(r.closed_by)
        elif r.expires_on < day:
            state = "expired"
        else:
            state = "unused"
        out.append(
            Credit(
                id=r.id,
                patient_id=r.patient_id,
                package_code=r.code,
                package_name=r.name,
                invoice_id=r.invoice_id,
                seq=r.seq,
                allocated_cents=r.allocated_cents,
                sold_on=r.sold_on,
                expires_on=r.expires_on,
                state=state,
                infusion_id=r.used_by,
            )
        )
    return out
