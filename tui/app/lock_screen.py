"""The idle lock: covers whatever was on screen until someone logs in.

The locked user's own password unlocks and they carry on where they were, with what they had
typed. Anyone else may log in instead: then the locked user's unsaved form is discarded by
the app, never submitted under the new name.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ledger.access import Actor
from ledger.auth import login
from ledger.services.session_lock import unlock_session
from tui.app.form_keys import FormKeys, form_bindings
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message


@dataclass(frozen=True)
class Unlocked:
    """Who is at the workstation now, and whether it is the person who was locked out."""

    actor: Actor
    same_user: bool


class LockScreen(FormKeys, ModalScreen[Unlocked]):
    """Dismisses with who logged in; it cannot be cancelled."""

    BINDINGS = form_bindings("lock", "Next / unlock")

    def __init__(self, locked: Actor, idle_minutes: int | None) -> None:
        super().__init__()
        self.locked = locked
        self.idle_minutes = idle_minutes

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-box"):
            yield PlainLabel("Locked", id="lock-title")
            why = (
                f"{self.locked.username}'s session was locked after {self.idle_minutes} min "
                "without a key."
                if self.idle_minutes is not None
                else f"{self.locked.username} locked the screen."
            )
            yield Plain(
                f"{why}\nType your password to carry on where you were. "
                "Someone else may log in (shift+tab): the unsaved form is then discarded.",
                id="lock-why",
            )
            yield Input(value=self.locked.username, placeholder="username", id="lock-username")
            yield Input(placeholder="password", password=True, id="lock-password")
            yield Plain("", id="lock-error", classes="error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#lock-password", Input))
        # Keys held for a screen that was still coming, or for a save's answer (which waits
        # for the unlock), are the password's now: the lock always takes typing.
        self.app.post_message(KeysReady())

    def submit_form(self) -> None:
        self.query_one("#lock-error", Static).update("Checking…")
        after_typing(self, self._check_typed)

    def _check_typed(self) -> None:
        username = self.query_one("#lock-username", Input).value.strip()
        password = self.query_one("#lock-password", Input).value
        self._check(username, password)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _check(self, username: str, password: str) -> None:
        db = self.app.db  # type: ignore[attr-defined]
        try:
            if username.lower() == self.locked.username:
                outcome = Unlocked(unlock_session(db, self.locked, password), same_user=True)
            else:
                outcome = Unlocked(login(db, username, password), same_user=False)
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self.dismiss, outcome)

    def on_refused(self, message: Refused) -> None:
        message.stop()  # said here, on the lock; no notification over it
        self.query_one("#lock-error", Static).update(message.text)
        password = self.query_one("#lock-password", Input)
        password.value = ""
        self.set_focus(password)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        message.stop()
        self.query_one("#lock-error", Static).update(message.text)
