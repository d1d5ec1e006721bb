"""Taking a payment on an issued invoice: amount typed as 100.00, method, reference."""

from __future__ import annotations

from ledger.access import Actor
from ledger.database import Database
from tui.app import billing_desk
from tui.app.billing_desk import money
from tui.app.billing_form import BillingForm


class PaymentModal(BillingForm):
    """Dismisses with "Payment N of ... taken", or None when cancelled."""

    SAVE_LABEL = "Take payment"

    def __init__(self, actor: Actor, invoice_id: int, name: str, balance_cents: int) -> None:
        super().__init__(
            f"Payment on {name} · balance {money(balance_cents)}",
            [
                ("amount", "Amount (100.00)", ""),
                ("method", "Method (cash card check hsa credit)", ""),
                ("reference", "Reference (card slip, check no.)", ""),
            ],
        )
        self.actor = actor
        self.invoice_id = invoice_id

    def save(self, db: Database, values: dict[str, str]) -> str:
        return billing_desk.pay(db, self.actor, self.invoice_id, values)
