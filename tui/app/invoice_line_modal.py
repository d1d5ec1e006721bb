"""Adding one line to a draft invoice: a service item, a package, a discount or a manual line."""

from __future__ import annotations

from ledger.access import Actor
from ledger.database import Database
from tui.app import billing_desk
from tui.app.billing_form import BillingForm, Field

#: The fields each kind of line asks for.
LINE_FIELDS: dict[str, tuple[str, list[Field]]] = {
    "item": ("Add a service item", [("code", "Item code", ""), ("qty", "Quantity", "1")]),
    "package": ("Add a package", [("code", "Package code", "")]),
    "discount": (
        "Add a discount",
        [("discount", "Discount (10% or 50.00)", ""), ("reason", "Reason", "")],
    ),
    "manual": (
        "Add a manual line",
        [("text", "Description", ""), ("amount", "Amount (25.00)", ""), ("reason", "Reason", "")],
    ),
}


class InvoiceLineModal(BillingForm):
    """Dismisses with "Added ..." or None when cancelled."""

    SAVE_LABEL = "Add line"

    def __init__(self, actor: Actor, invoice_id: int, kind: str) -> None:
        title, fields = LINE_FIELDS[kind]
        super().__init__(f"{title} to draft {invoice_id}", fields)
        self.actor = actor
        self.invoice_id = invoice_id
        self.kind = kind

    def save(self, db: Database, values: dict[str, str]) -> str:
        return billing_desk.add_line(db, self.actor, self.invoice_id, self.kind, values)
