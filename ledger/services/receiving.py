"""Receiving stock: one receipt record and one sealed, labelled vial per container."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import func, select

from ledger.access import Actor
from ledger.audited import audited
from ledger.clock import local_date
from ledger.database import Database
from ledger.details import ReceiptFacts
from ledger.errors import InvalidAmount, LotExpired, UnknownRecord
from ledger.identifiers import normalize_ndc
from ledger.models import MovementKind, Product, Receipt, Supplier, Vial, VialState
from ledger.posting import Posting
from ledger.queries.registrations import registration_for
from ledger.services.rules import check_registration, event_time
from ledger.text import clean_text
from ledger.unit_of_work import act
from ledger.units import plausible_date

MAX_VIALS_PER_RECEIPT = 1000


@dataclass(frozen=True)
class Received:
    receipt_id: int
    vials: list[str]
    movement_ids: list[int]


def _next_label_number(posting: Posting, prefix: str) -> int:
    stmt = (
        select(Vial.label)
        .where(Vial.label.like(f"{prefix}-%"))  # type: ignore[attr-defined]
        .order_by(Vial.label.desc())  # type: ignore[attr-defined]
        .limit(1)
    )
    last = posting.session.exec(stmt).first()
    return int(last.split("-")[1]) + 1 if last else 1


@audited("receive")
def receive(
    db: Database,
    actor: Actor,
    *,
    supplier: str,
    invoice_number: str,
    ndc: str,
    lot: str,
    expires: date,
    vials: int,
    received_at: datetime | None = None,
    registration: str | None = None,
    reason: str | None = None,
) -> Received:
    invoice = clean_text(invoice_number, "invoice number", 64, one_line=True)
    lot_text = clean_text(lot, "lot", 64, one_line=True)
    code = normalize_ndc(ndc)
    plausible_date(expires, f"lot {lot_text} expiry")
    if (
        not isinstance(vials, int)
        or isinstance(vials, bool)
        or not 0 < vials <= MAX_VIALS_PER_RECEIPT
    ):
        raise InvalidAmount(f"number of vials must be between 1 and {MAX_VIALS_PER_RECEIPT}")
    with act(db, actor, "receive") as tx:
        session, user, settings, posting = tx.session, tx.user, tx.settings, tx.posting
        when, late, why = event_time(settings, tx.entered_at, received_at, reason)
        by_name = func.lower(Supplier.name) == (supplier or "").strip().lower()
        found = session.exec(select(Supplier).where(by_name)).first()
        if found is None or found.id is None:
            raise UnknownRecord(f"no supplier named {supplier!r}", subject=supplier)
        product = session.exec(select(Product).where(Product.ndc == code)).first()
        if product is None or product.id is None:
            raise UnknownRecord(f"no product with NDC {code}", subject=code)
        reg = registration_for(session, registration)
        day = local_date(settings.timezone, when)
        check_registration(reg, product, day)
        if expires < day:
            raise LotExpired(f"lot {lot_text} expired on {expires}; an expired lot is not received")
        assert reg.id is not None and user.id is not None
        receipt = Receipt(
            registration_id=reg.id,
            supplier_id=found.id,
            product_id=product.id,
            invoice_number=invoice,
            received_at=when,
            entered_at=tx.entered_at,
            lot=lot_text,
            expires=expires,
            containers=vials,
            received_by_id=user.id,
        )
        session.add(receipt)
        session.flush()
        assert receipt.id is not None
        first = _next_label_number(posting, product.label_prefix)
        new_vials = [
            Vial(
                label=f"{product.label_prefix}-{first + i:06d}",
                product_id=product.id,
                registration_id=reg.id,
                receipt_id=receipt.id,
                lot=lot_text,
                expires=expires,
                state=VialState.SEALED,
                received_ug=product.content_ug,
            )
            for i in range(vials)
        ]
        session.add_all(new_vials)
        session.flush()
        # The receipt's own facts ride in each receive movement's hashed detail, so a receipt
        # rewritten behind vialbook's back no longer matches its chain (check: ReceiptMismatch).
        facts = ReceiptFacts(
            invoice_number=invoice,
            supplier=found.name,
            supplier_dea=found.dea_number,
            ndc=product.ndc,
            lot=lot_text,
            expires=expires.isoformat(),
        ).to_detail()
        for vial in new_vials:
            posting.move(
                kind=MovementKind.RECEIVE,
                vial=vial,
                amount_ug=product.content_ug,
                actor_id=user.id,
                event_at=when,
                late=late,
                reason=why,
                detail=facts,
            )
        return Received(
            receipt_id=receipt.id,
            vials=[v.label for v in new_vials],
            movement_ids=[m.id for m in posting.movements],
        )
