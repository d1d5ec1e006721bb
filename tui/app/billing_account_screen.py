"""A patient's account at the billing desk: balance, invoices, payments, prepaid credits left
and when they expire, and the infusions still waiting to be billed."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from ledger.access import Actor
from tui.app import billing_desk
from tui.app.billing_desk import Account, InvoiceRow, PatientFound, PaymentRow, money
from tui.app.messages import DatabaseFailed, Refused
from tui.app.plain import Plain
from tui.app.table import Table
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

#: Actions that write: offered only to those who may bill (the services refuse all the same).
WRITES = {"new_invoice", "pay", "void", "credit_note", "refund", "refund_package"}


class BillingAccountScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="billing_back"),
        Binding("f", "find", "Find", id="billing_find"),
        # One word a key, so the footer fits 80 columns; the tooltip and the palette say it all.
        Binding("n", "new_invoice", "New", tooltip="New invoice", id="billing_new_invoice"),
        Binding("o", "open_invoice", "Open invoice", id="billing_open_invoice", show=False),
        Binding("p", "pay", "Pay", id="billing_pay"),
        Binding("v", "void", "Void", id="billing_void"),
        Binding(
            "c",
            "credit_note",
            "Credit",
            tooltip="Credit note on an invoice",
            id="billing_credit_note",
        ),
        Binding("r", "refund", "Refund", tooltip="Refund a payment", id="billing_refund"),
        Binding(
            "u", "refund_package", "Refund unused credits", id="billing_refund_package", show=False
        ),
        Binding("e", "print", "Print", id="billing_print"),
        Binding("f5", "reload", "Reload", id="billing_reload", show=False),
    ]

    def __init__(self, actor: Actor, *, may_write: bool, may_print: bool, mrn: str = "") -> None:
        super().__init__()
        self.actor = actor
        self.may_write = may_write
        self.may_print = may_print
        self.mrn = mrn
        self.account: Account | None = None
        self.matches: list[PatientFound] = []
        #: The status line says "Looking…": the account, once shown, clears it.
        self._looking = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Patient MRN or name, then Enter", id="patient-find")
        yield Table(id="patient-matches", cursor_type="row")
        with VerticalScroll(id="account"):
            yield Plain("", id="account-card", classes="card")
            yield Plain("", id="account-summary")
            yield Plain("", id="account-estimates")
            yield Plain("Invoices", classes="section")
            yield Table(id="invoices", cursor_type="row", zebra_stripes=True)
            yield Plain("Payments", classes="section")
            yield Table(id="payments", cursor_type="row", zebra_stripes=True)
            yield Plain("Prepaid credits", classes="section")
            yield Table(id="credits", cursor_type="row", zebra_stripes=True)
            yield Plain("Pending charges (infusions not yet billed)", classes="section")
            yield Table(id="pending", cursor_type="row", zebra_stripes=True)
        yield Plain("", id="billing-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#patient-matches", DataTable).add_columns("MRN", "Name", "Born")
        self.query_one("#patient-matches", DataTable).display = False
        self.query_one("#invoices", DataTable).add_columns(
            "Invoice", "Status", "Issued", "Total", "Paid", "Balance"
        )
        self.query_one("#payments", DataTable).add_columns(
            "Payment", "Invoice", "Method", "Reference", "Received", "Amount", "Refunded"
        )
        self.query_one("#credits", DataTable).add_columns(
            "Package", "Session", "Value", "Sold", "Expires", "State"
        )
        self.query_one("#pending", DataTable).add_columns(
            "Infusion", "Date", "Item", "Description", "Price", "On draft"
        )
        if self.mrn:
            self.query_one("#patient-find", Input).value = self.mrn
            self._load(self.mrn)
        else:
            self.set_focus(self.query_one("#patient-find", Input))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITES:
            return self.may_write
        if action == "print":
            return self.may_print
        return True

    # -- finding the patient ---------------------------------------------------------------

    def action_find(self) -> None:
        self.set_focus(self.query_one("#patient-find", Input))

    @on(Input.Submitted, "#patient-find")
    def _find(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._status("Looking…")
            self._looking = True
            self._search(event.value.strip())

    @work(thread=True, exclusive=True, group="find", exit_on_error=False)
    def _search(self, text: str) -> None:
        try:
            found = billing_desk.find_patients(self.app.db, self.actor, text)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._found, text, found)

    def _found(self, text: str, found: list[PatientFound]) -> None:
        matches = self.query_one("#patient-matches", DataTable)
        matches.clear()
        self.matches = found
        if not found:
            matches.display = False
            self._status(f"No patient matches {text!r}", error=True)
        elif len(found) == 1:
            matches.display = False
            self._load(found[0].mrn)
        else:
            for p in found:
                matches.add_row(p.mrn, p.name, p.dob.isoformat(), key=p.mrn)
            matches.display = True
            self.set_focus(matches)
            self._status(f"{len(found)} patients match {text!r}: pick one with Enter")

    @on(DataTable.RowSelected, "#patient-matches")
    def _picked(self, event: DataTable.RowSelected) -> None:
        self.query_one("#patient-matches", DataTable).display = False
        self._load(str(event.row_key.value))

    # -- the account -----------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        # Back from an invoice or a form: what was written there shows here at once.
        if self.account is not None:
            self.action_reload()

    def action_reload(self) -> None:
        if self.mrn:
            self._load(self.mrn)

    def _load(self, mrn: str) -> None:
        self.mrn = mrn
        self._read(mrn)

    @work(thread=True, exclusive=True, group="account", exit_on_error=False)
    def _read(self, mrn: str) -> None:
        try:
            account = billing_desk.patient_account(self.app.db, self.actor, mrn)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._show, account)

    def _show(self, a: Account) -> None:
        if a.patient.mrn != self.mrn:
            return  # another patient was asked for since
        self.account = a
        self.query_one("#account-card", Static).update(a.patient.line())
        left = [c for c in a.credits if c.state == "unused"]
        soonest = min((c.expires_on for c in left), default=None)
        credits = f"{len(left)} prepaid sessions left" + (
            f" (first expires {soonest.isoformat()})" if soonest else ""
        )
        self.query_one("#account-summary", Static).update(
            f"Balance due {money(a.balance_cents)} · "
            + (f"owed to patient {money(a.owed_back_cents)} · " if a.owed_back_cents else "")
            + f"patient credit {money(a.patient_credit_cents)} · {credits} · "
            f"{len(a.pending)} pending charges"
        )
        estimates = self.query_one("#account-estimates", Static)
        estimates.update(
            "Good faith estimates (print with e, estimate, its id): "
            + ", ".join(f"id {n} for {money(cents)}" for n, cents in a.estimates)
        )
        estimates.display = bool(a.estimates)
        invoices = self.query_one("#invoices", DataTable)
        invoices.clear()
        for i in a.invoices:
            invoices.add_row(
                i.name(),
                i.status,
                i.issued_on.isoformat() if i.issued_on else "",
                money(i.total_cents),
                money(i.paid_cents),
                # Below zero the clinic owes the patient: say so rather than print "-100.00".
                money(i.balance_cents)
                if i.balance_cents >= 0
                else f"{money(-i.balance_cents)} owed back",
                key=str(i.id),
            )
        payments = self.query_one("#payments", DataTable)
        payments.clear()
        for p in a.payments:
            payments.add_row(
                str(p.id),
                p.invoice,
                p.method,
                p.reference,
                p.received_on.isoformat(),
                money(p.amount_cents),
                money(p.refunded_cents),
                key=str(p.id),
            )
        credits_table = self.query_one("#credits", DataTable)
        credits_table.clear()
        for c in a.credits:
            credits_table.add_row(
                c.package,
                str(c.seq),
                money(c.allocated_cents),
                c.sold_on.isoformat(),
                c.expires_on.isoformat(),
                c.state,
            )
        pending = self.query_one("#pending", DataTable)
        pending.clear()
        for charge in a.pending:
            pending.add_row(
                str(charge.infusion_id),
                charge.service_on.isoformat(),
                charge.code,
                charge.description,
                money(charge.unit_cents),
                str(charge.draft_id or ""),
                key=str(charge.id),
            )
        if self._looking:
            self._status("")
        if self.focused is None or self.focused.id in ("patient-find", "patient-matches"):
            self.set_focus(invoices)

    def _selected_invoice(self) -> InvoiceRow | None:
        table = self.query_one("#invoices", DataTable)
        if self.account is None or table.row_count == 0:
            return None
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        return next((i for i in self.account.invoices if str(i.id) == key), None)

    def _selected_payment(self) -> PaymentRow | None:
        table = self.query_one("#payments", DataTable)
        if self.account is None or table.row_count == 0:
            return None
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        return next((p for p in self.account.payments if str(p.id) == key), None)

    # -- what billing staff do from here ---------------------------------------------------

    def action_new_invoice(self) -> None:
        if self.account is None:
            self._status("Find the patient first (f)", error=True)
            return
        self._status("Writing a draft invoice…")
        waiting = any(c.draft_id is None for c in self.account.pending)
        self._new_invoice(self.account.patient.mrn, waiting)

    @work(thread=True, exclusive=True, group="write", exit_on_error=False)
    def _new_invoice(self, mrn: str, with_pending: bool) -> None:
        try:
            invoice_id = billing_desk.new_invoice(
                self.app.db,  # type: ignore[attr-defined]
                self.actor,
                mrn,
                with_pending=with_pending,
            )
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._open, invoice_id)

    @on(DataTable.RowSelected, "#invoices")
    def action_open_invoice(self) -> None:
        invoice = self._selected_invoice()
        if invoice is not None:
            self._open(invoice.id)

    def _open(self, invoice_id: int) -> None:
        from tui.app.invoice_screen import InvoiceScreen

        self._status("")
        self.app.push_screen(
            InvoiceScreen(
                self.actor, invoice_id, may_write=self.may_write, may_print=self.may_print
            )
        )

    def _after(self, summary: str | None) -> None:
        if summary:
            self._status(summary, ok=True)
            self.action_reload()

    def action_pay(self) -> None:
        from tui.app.payment_modal import PaymentModal

        invoice = self._selected_invoice()
        if invoice is None or invoice.status != "issued":
            self._status("Pick an issued invoice in the list to take a payment", error=True)
            return
        self.app.push_screen(
            PaymentModal(self.actor, invoice.id, invoice.name(), invoice.balance_cents),
            self._after,
        )

    def action_void(self) -> None:
        from tui.app.void_modal import VoidModal

        invoice = self._selected_invoice()
        if invoice is None or invoice.status != "issued":
            self._status("Pick an issued invoice in the list to void it", error=True)
            return
        self.app.push_screen(VoidModal(self.actor, invoice), self._after)

    def action_credit_note(self) -> None:
        from tui.app.void_modal import CreditNoteModal

        invoice = self._selected_invoice()
        if invoice is None or invoice.status != "issued":
            self._status("Pick an issued invoice in the list for a credit note", error=True)
            return
        self.app.push_screen(CreditNoteModal(self.actor, invoice), self._after)

    def action_refund(self) -> None:
        from tui.app.void_modal import RefundModal

        payment = self._selected_payment()
        if payment is None:
            self._status("Pick a payment in the list to refund from it", error=True)
            return
        self.app.push_screen(RefundModal(self.actor, payment), self._after)

    def action_refund_package(self) -> None:
        from tui.app.void_modal import PackageRefundModal

        invoice = self._selected_invoice()
        if invoice is None or invoice.status != "issued":
            self._status("Pick the issued invoice that sold the package", error=True)
            return
        self.app.push_screen(PackageRefundModal(self.actor, invoice), self._after)

    def action_print(self) -> None:
        from tui.app.print_modal import PrintModal

        if self.account is None:
            self._status("Find the patient first (f)", error=True)
            return
        invoice = self._selected_invoice()
        number = invoice.number if invoice is not None else ""
        self.app.push_screen(
            PrintModal(self.actor, self.account.patient.mrn, invoice=number), self._after
        )

    # -- what went wrong -------------------------------------------------------------------

    def _status(self, text: str, *, ok: bool = False, error: bool = False) -> None:
        self._looking = False
        status = self.query_one("#billing-status", Static)
        status.update(text)
        status.set_classes("success" if ok else "error" if error else "")

    def on_refused(self, message: Refused) -> None:
        self._status(message.text, error=True)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self._status(message.text, error=True)
