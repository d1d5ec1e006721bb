"""The login screen: username and password, checked in a worker thread.

It imports nothing of the ledger: it is on screen taking keys while the ledger's code loads
in the app's worker (ledger_loading.py); the check waits for the ledger if Enter comes first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Static

from tui.app.form_keys import FormKeys, form_bindings
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing

if TYPE_CHECKING:
    from tui.app.dashboard_opening import SignedIn  # noqa: F401 - the screen's result


class LoginScreen(FormKeys, Screen["SignedIn"]):
    """Dismisses with who signed in, and the dashboard read for them (SignedIn)."""

    # Enter and Tab move the focus on the app's own task (priority), before the next key is
    # handed on: typed fast, the password never lands in the username box.
    BINDINGS = form_bindings("login", "Next / log in", show_enter=False)

    def __init__(self, clinic_name: str, hint: str = "") -> None:
        super().__init__()
        self.clinic_name = clinic_name
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield PlainLabel(self._title(), id="login-title")
            yield Input(placeholder="username", id="username")
            yield Input(placeholder="password", password=True, id="password")
            yield Button("Log in", variant="primary", id="login")
            yield Plain("", id="login-error", classes="error")
            # Filled in once the ledger is open (the demo's logins); nothing shown until then.
            hint = Plain(self.hint, id="login-hint")
            hint.display = bool(self.hint)
            yield hint
        yield Footer()

    def _title(self) -> str:
        return f"vialbook · {self.clinic_name}".rstrip(" ·")

    def show_clinic(self, name: str, hint: str) -> None:
        """The clinic's name and the hint, read once the ledger is open."""
        self.clinic_name, self.hint = name, hint
        self.query_one("#login-title", Label).update(self._title())
        shown = self.query_one("#login-hint", Static)
        shown.update(hint)
        shown.display = bool(hint)

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
        from ledger.auth import login
        from tui.app.dashboard_opening import SignedIn, read_opening
        from tui.app.worker_failures import LEDGER_FAILURES, failure_message

        try:
            # The ledger opening behind the login may have failed: that is said here.
            db = self.app.db  # type: ignore[attr-defined]
            actor = login(db, username, password)
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        # The dashboard's first read, here, before it is on screen (dashboard_opening.py).
        self.app.call_from_thread(self.dismiss, SignedIn(actor, read_opening(db, actor)))

    # A refusal is said once, on the line under the fields where the user is looking: it
    # stops here, and the app shows no toast of it as well.

    def show_failure(self, text: str) -> None:
        """Why logging in cannot work (the ledger could not be opened), said as it is known:
        the focus stays where the user is typing."""
        self.query_one("#login-error", Static).update(text)

    def on_refused(self, message: Refused) -> None:
        message.stop()
        self.show_failure(message.text)
        self.query_one("#password", Input).value = ""
        self.set_focus(self.query_one("#password", Input))

    def on_database_failed(self, message: DatabaseFailed) -> None:
        message.stop()
        # The password was not judged, so it stays: Enter tries again once the database is back.
        self.show_failure(message.text)
