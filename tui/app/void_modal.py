"""Correcting an issued document, always with a reason: void an invoice, give a credit
note against it, or refund a payment. Nothing issued is ever edited."""

from __future__ import annotations

from ledger.access import Actor
from ledger.database import Database
from tui.app import billing_desk
from tui.app.billing_desk import InvoiceRow, InvoiceView, PaymentRow, money
from tui.app.billing_form import BillingForm

REASON = ("reason", "Reason", "")
AMOUNT = ("amount", "Amount (100.00)", "")


class VoidModal(BillingForm):
    """Voids an issued invoice; refused by the ledger once a payment or credit hangs on it."""

    SAVE_LABEL = "Void"

    def __init__(self, actor: Actor, invoice: InvoiceRow | InvoiceView) -> None:
        super().__init__(f"Void {invoice.name()} ({money(invoice.total_cents)}): why?", [REASON])
        self.actor = actor
        self.invoice_id = invoice.id

    def save(self, db: Database, values: dict[str, str]) -> str:
        return billing_desk.void(db, self.actor, self.invoice_id, values["reason"])


class CreditNoteModal(BillingForm):
    """A credit note against an issued invoice: its total stays, what is owed goes down."""

    SAVE_LABEL = "Give credit note"

    def __init__(self, actor: Actor, invoice: InvoiceRow | InvoiceView) -> None:
        super().__init__(
            f"Credit note on {invoice.name()} (balance {money(invoice.balance_cents)})",
            [AMOUNT, REASON],
        )
        self.actor = actor
        self.invoice_id = invoice.id

    def save(self, db: Database, values: dict[str, str]) -> str:
        return billing_desk.credit_note(db, self.actor, self.invoice_id, values)


class RefundModal(BillingForm):
    """Money given back from a payment, with why."""

    SAVE_LABEL = "Refund"

    def __init__(self, actor: Actor, payment: PaymentRow) -> None:
        left = payment.amount_cents - payment.refunded_cents
        super().__init__(
            f"Refund from payment {payment.id} ({payment.method}, {money(left)} refundable)",
            [AMOUNT, REASON],
        )
        self.actor = actor
        self.payment_id = payment.id

    def save(self, db: Database, values: dict[str, str]) -> str:
        return billing_desk.refund(db, self.actor, self.payment_id, values)


class PackageRefundModal(BillingForm):
    """Unused prepaid sessions of a package sold on an invoice, refunded by the package rule
    (paid − sessions used × the single-infusion price on the sale date − the admin fee)."""

    SAVE_LABEL = "Refund unused credits"

    def __init__(self, actor: Actor, invoice: InvoiceRow | InvoiceView) -> None:
        super().__init__(
            f"Refund the unused credits sold on {invoice.name()}",
            [("package", "Package code (if it sold several)", ""), REASON],
        )
        self.actor = actor
        self.invoice_id = invoice.id

    def save(self, db: Database, values: dict[str, str]) -> str:
        return billing_desk.refund_package(db, self.actor, self.invoice_id, values)
