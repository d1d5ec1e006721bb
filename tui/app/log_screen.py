"""The movement log, paged from the database by sequence number (never the whole history)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ledger.access import Actor
from ledger.errors import Refusal
from ledger.queries.history import LogLine, movement_log
from ledger.services.settings import clinic_timezone
from ledger.units import mg_text

PAGE = 200


class LogScreen(Screen[None]):
    BINDINGS = [
        Binding("n", "next_page", "Next page", id="next_page"),
        Binding("escape", "app.pop_screen", "Back", id="back"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.after_id = 0
        self.zone: ZoneInfo | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Movement log (n: next page, esc: back)", id="log-title")
        yield DataTable(id="log", cursor_type="row", zebra_stripes=True)
        yield Static("", id="log-status", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#log", DataTable)
        table.add_columns(
            "#", "When", "Kind", "Vial", "mg", "Left mg", "By", "Witness", "Patient", "Late"
        )
        self.action_next_page()

    def action_next_page(self) -> None:
        self._load(self.after_id)

    @work(thread=True, exclusive=True)
    def _load(self, after_id: int) -> None:
        try:
            if self.zone is None:
                self.zone = ZoneInfo(clinic_timezone(self.app.db))  # type: ignore[attr-defined]
            rows = list(
                movement_log(
                    self.app.db,
                    self.actor,
                    after_id=after_id,  # type: ignore[attr-defined]
                    limit=PAGE,
                )
            )
        except Refusal as exc:
            self.app.call_from_thread(self.query_one("#log-status", Static).update, str(exc))
            return
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[LogLine]) -> None:
        if not rows:
            self.query_one("#log-status", Static).update("End of the ledger.")
            return
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
        self.after_id = rows[-1].id
