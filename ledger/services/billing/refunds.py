"""Refunding a package's unused credits by the package rule.

    refund = max(0, paid − sessions used × single-infusion list price on the sale date)
             − the admin fee in the settings, never below 0

"Paid" is what the patient paid on the selling invoice, up to the package's price; the
single infusion is the first item the package covers. The refund is given as a credit note
on the selling invoice (so it no longer asks for the sessions not delivered) and refunds of
its payments (newest first), so the patient's balance stays true; the unused credits are
closed by refund movements.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from ledger.access import Actor
from ledger.audited import audited
from ledger.database import Database
from ledger.errors import NothingToRefund, RefundTooLarge, UnknownPackage
from ledger.models import (
    CreditMovementKind,
    InvoiceLine,
    LineKind,
    Package,
    PackageRefund,
    Payment,
)
from ledger.money import cents_text
from ledger.services.billing.chain import seal
from ledger.services.billing.common import (
    clean_code,
    clinic_day,
    figures,
    invoice_label,
    reason_text,
)
from ledger.services.billing.corrections import issued_invoice, write_credit_note
from ledger.services.billing.credits import close_open_credits, used_count
from ledger.services.billing.payments import refundable_cents, write_refund
from ledger.services.billing.prices import require_price
from ledger.unit_of_work import act


@dataclass(frozen=True)
class PackageRefunded:
    package_refund_id: int
    invoice_id: int
    paid_cents: int
    sessions_used: int
    single_price_cents: int
    admin_fee_cents: int
    #: Money given back to the patient.
    amount_cents: int
    credit_note: str | None
    credits_closed: int


def refund_amount(*, paid: int, used: int, single: int, fee: int) -> int:
    """The package rule, to the cent."""
    return max(0, max(0, paid - used * single) - fee)


@audited("billing.refund")
def refund_package(
    db: Database, actor: Actor, invoice: str | int, *, reason: str, package: str | None = None
) -> PackageRefunded:
    """Refund the unused credits of a package sold on `invoice` (name the package when the
    invoice sold more than one)."""
    why = reason_text(reason, "refund reason")
    wanted = clean_code(package, "package code") if package else None
    with act(db, actor, "billing.refund") as tx:
        inv = issued_invoice(tx, invoice)
        assert inv.id is not None and inv.issued_on is not None
        label = invoice_label(inv)
        lines = tx.session.exec(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == inv.id, InvoiceLine.kind == LineKind.PACKAGE)
            .order_by(col(InvoiceLine.id))
        ).all()
        if wanted:
            lines = [x for x in lines if x.code == wanted]
        if not lines:
            raise UnknownPackage(f"invoice {label} sold no package {wanted or ''}".strip(),
                                 subject=label)  # fmt: skip
        if len(lines) > 1:
            raise UnknownPackage(
                f"invoice {label} sold several packages; name one (--package CODE)", subject=label
            )
        line = lines[0]
        assert line.id is not None
        done = tx.session.exec(
            select(PackageRefund).where(PackageRefund.invoice_line_id == line.id)
        ).first()
        if done is not None:
            raise NothingToRefund(f"the package on invoice {label} was already refunded",
                                  subject=label)  # fmt: skip
        definition = tx.session.get(Package, line.package_id)
        assert definition is not None
        used = used_count(tx.session, invoice_id=inv.id, line_id=line.id)
        if used >= definition.sessions:
            raise NothingToRefund(f"every session of the package on invoice {label} was used",
                                  subject=label)  # fmt: skip
        single = require_price(
            tx.session, definition.covered_codes()[0], inv.issued_on
        ).unit_price_cents
        f = figures(tx.session, inv)
        paid = max(0, min(line.line_cents, f.paid_cents))
        fee = tx.settings.refund_admin_fee_cents
        amount = refund_amount(paid=paid, used=used, single=single, fee=fee)
        # What the clinic keeps for the package; the invoice stops asking for the rest.
        retained = min(line.line_cents, max(paid - amount, used * single + fee))
        credit = min(line.line_cents - retained, f.total_cents - f.credited_cents)
        note = write_credit_note(tx, inv, credit, why) if credit > 0 else None
        record = PackageRefund(
            patient_id=inv.patient_id,
            invoice_id=inv.id,
            invoice_line_id=line.id,
            package_id=definition.id,  # type: ignore[arg-type]
            paid_cents=paid,
            sessions_used=used,
            single_price_cents=single,
            admin_fee_cents=fee,
            amount_cents=amount,
            credit_note_id=note.id if note else None,
            reason=why,
            refunded_at=tx.entered_at,
            refunded_on=clinic_day(tx),
            refunded_by_id=tx.user_id,
        )
        tx.session.add(record)
        tx.session.flush()
        assert record.id is not None
        seal(
            tx,
            kind="package_refund",
            amount_cents=amount,
            source_table="package_refund",
            source_id=record.id,
            document=inv.number,
            patient_id=inv.patient_id,
            reason=why,
            detail={"paid": paid, "used": used, "single": single, "fee": fee},
        )
        left = amount
        payments = tx.session.exec(
            select(Payment).where(Payment.invoice_id == inv.id).order_by(col(Payment.id).desc())
        ).all()
        for payment in payments:
            if left <= 0:
                break
            give = min(left, refundable_cents(tx.session, payment))
            if give > 0:
                write_refund(tx, payment, give, why, package_refund_id=record.id)
                left -= give
        if left:
            # The rule never refunds more than was paid; should the payments say otherwise
            # (a refund recorded by hand in between), nothing of this refund is kept.
            raise RefundTooLarge(
                f"invoice {inv.number} has {cents_text(amount - left)} left to refund on its "
                f"payments, not {cents_text(amount)}",
                subject=inv.number,
            )
        closed = close_open_credits(
            tx,
            invoice_id=inv.id,
            line_id=line.id,
            kind=CreditMovementKind.REFUND,
            package_refund_id=record.id,
            reason=why,
            document=inv.number,
        )
        tx.audit(detail={"invoice": inv.number, "refund_cents": amount, "credits": len(closed)})
        return PackageRefunded(
            package_refund_id=record.id,
            invoice_id=inv.id,
            paid_cents=paid,
            sessions_used=used,
            single_price_cents=single,
            admin_fee_cents=fee,
            amount_cents=amount,
            credit_note=note.number if note else None,
            credits_closed=len(closed),
        )
