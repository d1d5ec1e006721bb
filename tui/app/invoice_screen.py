"""One invoice: its lines and totals; a draft gains lines and is issued, an issued invoice
takes payments and is corrected only by a void or a credit note, with a reason."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ledger.access import Actor
from tui.app import billing_desk
from tui.app.billing_desk import InvoiceView, money
from tui.app.messages import DatabaseFailed, Refused
from tui.app.plain import Plain
from tui.app.table import Table
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

#: Which actions fit which state of the invoice.
DRAFT_ONLY = {
    "add_item",
    "add_package",
    "add_discount",
    "add_manual",
    "add_pending",
    "remove_line",
    "issue",
}
ISSUED_ONLY = {"pay", "void", "credit_note"}


class InvoiceScreen(Screen[None]):
    # The footer says each key in a word (its tooltip, and the command palette, say it in
    # full): a draft's keys fit 80 columns, Remove and Issue among them. A manual line, the
    # rarest, is in the palette only.
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="invoice_back"),
        Binding("a", "add_item", "Item", tooltip="Add item", id="invoice_add_item"),
        Binding("k", "add_package", "Package", tooltip="Add package", id="invoice_add_package"),
        Binding("d", "add_discount", "Discount", tooltip="Add discount", id="invoice_add_discount"),
        Binding(
            "m",
            "add_manual",
            "Manual line",
            tooltip="Add manual line",
            id="invoice_add_manual",
            show=False,
        ),
        Binding(
            "g", "add_pending", "Pending", tooltip="Add pending charges", id="invoice_add_pending"
        ),
        Binding("x", "remove_line", "Remove", tooltip="Remove line", id="invoice_remove_line"),
        Binding("i", "issue", "Issue", tooltip="Issue the invoice", id="invoice_issue"),
        Binding("p", "pay", "Pay", tooltip="Take a payment", id="invoice_pay"),
        Binding("v", "void", "Void", tooltip="Void the invoice", id="invoice_void"),
        Binding("c", "credit_note", "Credit note", id="invoice_credit_note"),
        Binding("e", "print", "Print", id="invoice_print"),
        Binding("f5", "reload", "Reload", id="invoice_reload", show=False),
    ]

    def __init__(
        self, actor: Actor, invoice_id: int, *, may_write: bool, may_print: bool = False
    ) -> None:
        super().__init__()
        self.actor = actor
        self.invoice_id = invoice_id
        self.may_write = may_write
        self.may_print = may_print
        self.invoice: InvoiceView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="invoice-box"):
            yield Plain(f"Invoice {self.invoice_id}", id="invoice-title", classes="section")
            yield Plain("", id="invoice-patient", classes="card")
            yield Table(id="invoice-lines", cursor_type="row", zebra_stripes=True)
            yield Plain("", id="invoice-totals")
            yield Plain("", id="invoice-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#invoice-lines", DataTable).add_columns(
            "Kind", "Code", "Description", "Qty", "Unit", "Amount"
        )
        self.set_focus(self.query_one("#invoice-lines", DataTable))
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        status = self.invoice.status if self.invoice is not None else ""
        if action in DRAFT_ONLY:
            return self.may_write and status == "draft"
        if action in ISSUED_ONLY:
            return self.may_write and status == "issued"
        if action == "print":
            return self.may_print and status in ("issued", "void")
        return True

    def action_reload(self) -> None:
        self._read()

    @work(thread=True, exclusive=True, group="invoice", exit_on_error=False)
    def _read(self) -> None:
        try:
            view = billing_desk.invoice_view(self.app.db, self.actor, self.invoice_id)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._show, view)

    def _show(self, v: InvoiceView) -> None:
        self.invoice = v
        title = f"Invoice {v.number} · {v.status}" if v.number else f"Draft invoice {v.id}"
        self.query_one("#invoice-title", Static).update(title)
        self.query_one("#invoice-patient", Static).update(v.patient.line())
        lines = self.query_one("#invoice-lines", DataTable)
        lines.clear()
        for n, line in enumerate(v.lines):
            described = line.description + (f" ({line.reason})" if line.reason else "")
            if line.withdrawn:
                described += " · INFUSION REVERSED: remove this line (x)"
            lines.add_row(
                line.kind,
                line.code,
                described,
                str(line.quantity),
                money(line.unit_cents),
                money(line.line_cents),
                key=str(n),
            )
        self.query_one("#invoice-totals", Static).update(
            f"Total {money(v.total_cents)} · paid {money(v.paid_cents)} · "
            f"balance {money(v.balance_cents)}"
        )
        self.refresh_bindings()

    # -- a draft ---------------------------------------------------------------------------

    def _add(self, kind: str) -> None:
        from tui.app.invoice_line_modal import InvoiceLineModal

        self.app.push_screen(InvoiceLineModal(self.actor, self.invoice_id, kind), self._after)

    def action_add_item(self) -> None:
        self._add("item")

    def action_add_package(self) -> None:
        self._add("package")

    def action_add_discount(self) -> None:
        self._add("discount")

    def action_add_manual(self) -> None:
        self._add("manual")

    def action_add_pending(self) -> None:
        self._status("Adding the patient's pending charges…")
        self._write(lambda db: billing_desk.add_pending(db, self.actor, self.invoice_id))

    def action_remove_line(self) -> None:
        table = self.query_one("#invoice-lines", DataTable)
        if self.invoice is None or not self.invoice.lines:
            return
        line = self.invoice.lines[table.cursor_row]
        self._status(f"Removing {line.description}…")
        self._write(lambda db: billing_desk.remove_line(db, self.actor, self.invoice_id, line))

    def action_issue(self) -> None:
        self._status("Issuing…")
        self._write(lambda db: billing_desk.issue(db, self.actor, self.invoice_id))

    @work(thread=True, exclusive=True, group="write", exit_on_error=False)
    def _write(self, step) -> None:  # type: ignore[no-untyped-def]
        try:
            summary = step(self.app.db)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._after, str(summary))

    # -- an issued invoice -----------------------------------------------------------------

    def action_pay(self) -> None:
        from tui.app.payment_modal import PaymentModal

        if self.invoice is not None:
            v = self.invoice
            self.app.push_screen(
                PaymentModal(self.actor, v.id, v.name(), v.balance_cents), self._after
            )

    def action_void(self) -> None:
        from tui.app.void_modal import VoidModal

        if self.invoice is not None:
            self.app.push_screen(VoidModal(self.actor, self.invoice), self._after)

    def action_credit_note(self) -> None:
        from tui.app.void_modal import CreditNoteModal

        if self.invoice is not None:
            self.app.push_screen(CreditNoteModal(self.actor, self.invoice), self._after)

    def action_print(self) -> None:
        from tui.app.print_modal import PrintModal

        if self.invoice is not None:
            v = self.invoice
            self.app.push_screen(
                PrintModal(self.actor, v.patient.mrn, invoice=v.number), self._after
            )

    # -- what happened ---------------------------------------------------------------------

    def _after(self, summary: str | None) -> None:
        if summary:
            self._status(summary, ok=True)
            self.action_reload()

    def _status(self, text: str, *, ok: bool = False, error: bool = False) -> None:
        status = self.query_one("#invoice-status", Static)
        status.update(text)
        status.set_classes("success" if ok else "error" if error else "")

    def on_refused(self, message: Refused) -> None:
        self._status(message.text, error=True)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self._status(message.text, error=True)
