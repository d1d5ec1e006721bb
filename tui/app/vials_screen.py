"""The vials on hand: label, product, lot, state, BUD and balance; a vial's proof of use."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from ledger.access import Actor
from ledger.queries.history import LogLine, movement_log
from ledger.queries.stock import VialStock, stock_on_hand
from ledger.services.quarantine import quarantine, release
from ledger.settings import clinic_timezone
from ledger.units import mg_text
from tui.app.messages import DatabaseFailed, Refused
from tui.app.plain import Plain
from tui.app.table import Table
from tui.app.worker_failures import LEDGER_FAILURES, failure_message


class VialsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="vials_back"),
        Binding("x", "quarantine", "Quarantine", id="vials_quarantine"),
        Binding("u", "release", "Release", id="vials_release"),
        Binding("f5", "reload", "Reload", id="vials_reload"),
    ]

    def __init__(self, actor: Actor, *, may_quarantine: bool, at: str | None = None) -> None:
        super().__init__()
        self.actor = actor
        #: A vial label or lot to put the cursor on once listed (an alert opened this screen).
        self.at = at
        self.may_quarantine = may_quarantine
        self.vials: list[VialStock] = []
        self.zone: ZoneInfo | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="vials-filters"):
            yield Input(placeholder="state (sealed, open, quarantined)", id="state-filter")
            yield Input(placeholder="product", id="product-filter")
        yield Table(id="vials", cursor_type="row", zebra_stripes=True)
        yield Plain("", id="vial-title", classes="section")
        yield Table(id="vial-history", cursor_type="row")
        yield Plain("", id="vials-status")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("quarantine", "release"):
            return self.may_quarantine
        return True

    def on_mount(self) -> None:
        self.query_one("#vials", DataTable).add_columns(
            "Vial", "Product", "Lot", "State", "BUD", "mg left"
        )
        self.query_one("#vial-history", DataTable).add_columns(
            "#", "When", "Kind", "mg", "Left mg", "By", "Witness", "Patient"
        )
        self.set_focus(self.query_one("#vials", DataTable))
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="vials", exit_on_error=False)
    def _load(self) -> None:
        try:
            db = self.app.db  # type: ignore[attr-defined]
            zone = ZoneInfo(clinic_timezone(db))
            vials = stock_on_hand(db, self.actor).vials
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._loaded, zone, vials)

    def _loaded(self, zone: ZoneInfo, vials: list[VialStock]) -> None:
        self.zone, self.vials = zone, vials
        self._show()
        at, self.at = self.at, None
        row = next((n for n, v in enumerate(self.vials) if at in (v.label, v.lot)), None)
        if at is not None and row is not None:
            self.query_one("#vials", DataTable).move_cursor(row=row)

    @on(Input.Changed)
    def _filter(self) -> None:
        self._show()

    def _show(self) -> None:
        state = self.query_one("#state-filter", Input).value.strip().lower()
        product = self.query_one("#product-filter", Input).value.strip().lower()
        table = self.query_one("#vials", DataTable)
        table.clear()
        for v in self.vials:
            if state and not v.state.startswith(state):
                continue
            if product and product not in v.product.lower() and product not in v.ndc:
                continue
            bud = f"{v.bud.astimezone(self.zone):%Y-%m-%d %H:%M}" if v.bud else ""
            table.add_row(
                v.label, v.product, v.lot, v.state, bud, mg_text(v.balance_ug), key=v.label
            )

    def _current(self) -> str | None:
        table = self.query_one("#vials", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(DataTable.RowHighlighted, "#vials")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        label = str(event.row_key.value)
        self.query_one("#vial-title", Static).update(f"Proof of use: {label}")
        self._history(label)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def _history(self, label: str) -> None:
        try:
            lines = list(movement_log(self.app.db, self.actor, vial=label))  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._show_history, label, lines)

    def _show_history(self, label: str, lines: list[LogLine]) -> None:
        if self._current() != label:
            return  # the cursor moved on: that vial's history answers next
        table = self.query_one("#vial-history", DataTable)
        table.clear()
        for r in lines:
            table.add_row(
                str(r.id),
                f"{r.event_at.astimezone(self.zone):%Y-%m-%d %H:%M}",
                r.kind,
                mg_text(r.amount_ug),
                mg_text(r.balance_ug),
                r.actor,
                r.witness or "",
                r.patient or "",
                key=str(r.id),
            )

    def action_quarantine(self) -> None:
        self._ask(True)

    def action_release(self) -> None:
        self._ask(False)

    def _ask(self, to_quarantine: bool) -> None:
        from tui.app.reason_screen import ReasonScreen

        label = self._current()
        if label is None:
            return
        verb = "Quarantine" if to_quarantine else "Release"
        act = quarantine if to_quarantine else release
        db = self.app.db  # type: ignore[attr-defined]

        def save(reason: str) -> str:
            state = act(db, self.actor, vial=label, reason=reason)
            return f"{label} is now {state}"

        def saved(summary: str | None) -> None:
            if summary:
                self._state_set(summary)

        # Saved from the modal, so a refusal keeps the reason typed.
        self.app.push_screen(ReasonScreen(f"{verb} {label}: why?", save), saved)

    def _state_set(self, summary: str) -> None:
        status = self.query_one("#vials-status", Static)
        status.update(summary)
        status.set_classes("success")
        self.action_reload()

    def on_refused(self, message: Refused) -> None:
        self.query_one("#vials-status", Static).update(message.text)
        self.query_one("#vials-status", Static).set_classes("error")

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self.query_one("#vials-status", Static).update(message.text)
        self.query_one("#vials-status", Static).set_classes("error")
