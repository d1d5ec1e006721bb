"""The movement log, paged from the database by sequence number (never the whole history)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ledger.access import Actor
from ledger.queries.history import LogLine, movement_log
from ledger.settings import clinic_timezone
from ledger.units import mg_text
from tui.app.messages import DatabaseFailed, Refused
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

PAGE = 200


class LogScreen(Screen[None]):
    BINDINGS = [
        Binding("n", "older", "Older", id="older"),
        Binding("p", "newer", "Newer", id="newer"),
        Binding("escape", "app.pop_screen", "Back", id="back"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        #: Keyset bounds of the page on screen (newest first, so today's work comes first).
        self.pages: list[int | None] = []
        self.oldest_shown: int | None = None
        self.zone: ZoneInfo | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Movement log, newest first (n: older, p: newer, esc: back)", id="log-title")
        yield DataTable(id="log", cursor_type="row", zebra_stripes=True)
        yield Static("", id="log-status", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#log", DataTable)
        table.add_columns(
            "#", "When", "Kind", "Vial", "mg", "Left mg", "By", "Witness", "Patient", "Late"
        )
        self._load(None)

    def action_older(self) -> None:
        if self.oldest_shown is not None and self.oldest_shown > 1:
            self._load(self.oldest_shown)

    def action_newer(self) -> None:
        if len(self.pages) > 1:
            self.pages.pop()
            self._load(self.pages.pop())

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _load(self, before_id: int | None) -> None:
        try:
            if self.zone is None:
                self.zone = ZoneInfo(clinic_timezone(self.app.db))  # type: ignore[attr-defined]
            rows = list(
                movement_log(
                    self.app.db,  # type: ignore[attr-defined]
                    self.actor,
                    before_id=before_id,
                    newest_first=True,
                    limit=PAGE,
                )
            )
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._show, rows, before_id)

    def on_refused(self, message: Refused) -> None:
        self.query_one("#log-status", Static).update(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self.query_one("#log-status", Static).update(message.text)

    def _show(self, rows: list[LogLine], before_id: int | None) -> None:
        if not rows:
            self.query_one("#log-status", Static).update("Nothing older: start of the ledger.")
            return
        self.pages.append(before_id)
        self.query_one("#log-status", Static).update("")
        table = self.query_one("#log", DataTable)
        table.clear()
        for r in rows:
            when = f"{r.event_at.astimezone(self.zone):%Y-%m-%d %H:%M}"
            table.add_row(
                str(r.id),
                when,
                r.kind,
                r.vial,
                mg_text(r.amount_ug),
                mg_text(r.balance_ug),
                r.actor,
                r.witness or "",
                r.patient or "",
                "late" if r.late else "",
                key=str(r.id),
            )
        self.oldest_shown = rows[-1].id
