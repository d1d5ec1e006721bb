"""Starting a count: its kind, opening or close of business, and who watches it.

The count is started here, in the modal's worker, so a refusal (an unknown witness, a kind
misspelt) is shown in the modal with what was typed kept.
"""

from __future__ import annotations

from functools import partial

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ledger.access import Actor
from ledger.services.counts import start_count
from tui.app.lock_outcomes import KeptUnderTheLock
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

FIELDS = [
    ("count-kind", "Kind (routine, initial, biennial, adhoc)"),
    ("count-at", "At (opening, close; blank for routine)"),
    ("count-witness", "Witness username (signs approvals)"),
]


class CountStartModal(KeptUnderTheLock, ModalScreen[int | None]):
    """Dismisses with the new count's id, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="count_start_cancel"),
        Binding("enter,ctrl+j", "enter", "Next / start", id="count_start_enter", priority=True),
        Binding(
            "tab", "next_field", "Next field", id="count_start_next", priority=True, show=False
        ),
        Binding(
            "shift+tab",
            "previous_field",
            "Previous field",
            id="count_start_previous",
            priority=True,
            show=False,
        ),
    ]

    def __init__(self, actor: Actor, *, witness: str = "") -> None:
        super().__init__()
        self.actor = actor
        self.witness = witness

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="count-start-box"):
            yield PlainLabel("Start a count", id="count-start-title")
            with Grid(classes="count-start-form"):
                for key, label in FIELDS:
                    yield PlainLabel(label)
                    yield Input(id=key, compact=True)
            yield Plain("", id="count-start-error", classes="error")

    def on_mount(self) -> None:
        self.query_one("#count-kind", Input).value = "routine"
        self.query_one("#count-witness", Input).value = self.witness
        self.set_focus(self.query_one("#count-kind", Input))
        self.app.post_message(KeysReady())

    def action_enter(self) -> None:
        keys = [key for key, _ in FIELDS]
        here = self.focused.id if self.focused is not None else None
        at = keys.index(here) if here in keys else 0
        if at < len(keys) - 1:
            self.set_focus(self.query_one(f"#{keys[at + 1]}", Input))
        else:
            after_typing(self, lambda: self.when_seen(self._typed))

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _typed(self) -> None:
        kind, at, witness = (self.query_one(f"#{key}", Input).value.strip() for key, _ in FIELDS)
        self._start(kind.lower() or "routine", at.lower() or None, witness or None)

    @work(thread=True, exclusive=True, group="count-start", exit_on_error=False)
    def _start(self, kind: str, at: str | None, witness: str | None) -> None:
        try:
            count = start_count(self.app.db, self.actor, kind=kind, at=at, witness=witness)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            # Told to the user who saved, when the form is theirs on screen again (the lock).
            refusal = failure_message(exc)
            self.app.call_from_thread(self.when_seen, partial(self.post_message, refusal))
            return
        self.app.call_from_thread(self.when_seen, partial(self.dismiss, count))

    def on_refused(self, message: Refused) -> None:
        self.query_one("#count-start-error", Static).update(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self.query_one("#count-start-error", Static).update(message.text)
