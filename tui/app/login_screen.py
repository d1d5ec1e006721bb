"""The login screen: username and password, checked in a worker thread."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from ledger.access import Actor
from ledger.auth import login
from tui.app.messages import DatabaseFailed, Refused
from tui.app.worker_failures import LEDGER_FAILURES, failure_message


class LoginScreen(Screen[Actor]):
    """Dismisses with the authenticated Actor."""

    def __init__(self, clinic_name: str, hint: str = "") -> None:
        super().__init__()
        self.clinic_name = clinic_name
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Label(f"vialbook · {self.clinic_name}", id="login-title")
            yield Input(placeholder="username", id="username")
            yield Input(placeholder="password", password=True, id="password")
            yield Button("Log in", variant="primary", id="login")
            yield Static("", id="login-error", classes="error")
            if self.hint:
                yield Static(self.hint, id="login-hint")
        yield Footer()

    @on(Input.Submitted, "#username")
    def _next_field(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login")
    def _submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        self.query_one("#login-error", Static).update("Checking…")
        self._check(username, password)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _check(self, username: str, password: str) -> None:
        try:
            actor = login(self.app.db, username, password)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self.dismiss, actor)

    def on_refused(self, message: Refused) -> None:
        self.query_one("#login-error", Static).update(message.text)
        self.query_one("#password", Input).value = ""
        self.query_one("#password", Input).focus()

    def on_database_failed(self, message: DatabaseFailed) -> None:
        # The password was not judged, so it stays: Enter tries again once the database is back.
        self.query_one("#login-error", Static).update(message.text)
