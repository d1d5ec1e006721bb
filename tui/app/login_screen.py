"""The login screen: username and password, checked in a worker thread."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from ledger.access import Actor
from ledger.auth import login
from tui.app.form_keys import FormKeys, form_bindings
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message


class LoginScreen(FormKeys, Screen[Actor]):
    """Dismisses with the authenticated Actor."""

    # Enter and Tab move the focus on the app's own task (priority), before the next key is
    # handed on: typed fast, the password never lands in the username box.
    BINDINGS = form_bindings("login", "Next / log in", show_enter=False)

    def __init__(self, clinic_name: str, hint: str = "") -> None:
        super().__init__()
        self.clinic_name = clinic_name
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Label(f"vialbook · {self.clinic_name}".rstrip(" ·"), id="login-title")
            yield Input(placeholder="username", id="username")
            yield Input(placeholder="password", password=True, id="password")
            yield Button("Log in", variant="primary", id="login")
            yield Static("", id="login-error", classes="error")
            if self.hint:
                yield Static(self.hint, id="login-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#username", Input))
        self.app.post_message(KeysReady())

    def form_fields(self) -> list[str]:
        return ["username", "password"]

    def submit_form(self) -> None:
        self._submit()

    @on(Button.Pressed, "#login")
    def _submit(self) -> None:
        self.query_one("#login-error", Static).update("Checking…")
        after_typing(self, self._check_typed)

    def _check_typed(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
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
        self.set_focus(self.query_one("#password", Input))

    def on_database_failed(self, message: DatabaseFailed) -> None:
        # The password was not judged, so it stays: Enter tries again once the database is back.
        self.query_one("#login-error", Static).update(message.text)
