"""Asking why: a typed modal for a reason (quarantine, release, a discrepancy's note).

Given a `save`, the modal writes the reason itself, in its own worker, and stays open on a
refusal with the rule's message and the text as typed; it closes with the line to show once
saved. Without one it only returns the reason."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.app.messages import DatabaseFailed, Refused
from tui.app.plain import Plain, PlainLabel
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

#: Runs in a worker thread with the reason typed; returns the line to show once saved.
Save = Callable[[str], str]


class ReasonScreen(ModalScreen[str | None]):
    """Dismisses with the reason typed (or, with `save`, the saved line), or None when
    cancelled (nothing is done then)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="reason_cancel")]

    def __init__(self, question: str, save: Save | None = None) -> None:
        super().__init__()
        self.question = question
        self.save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-box"):
            yield PlainLabel(self.question, id="reason-question")
            yield Input(placeholder="reason", id="reason-text")
            yield Plain("", id="reason-error", classes="error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#reason-text", Input))

    @on(Input.Submitted, "#reason-text")
    def _done(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if self.save is None or not text:
            self.dismiss(text or None)
            return
        self.query_one("#reason-error", Static).update("Saving…")
        self._save(text)

    @work(thread=True, exclusive=True, group="reason", exit_on_error=False)
    def _save(self, text: str) -> None:
        assert self.save is not None
        try:
            summary = self.save(text)
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self.dismiss, summary)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.query_one("#reason-error", Static).update(message.text)

    @on(DatabaseFailed)
    def _failed(self, message: DatabaseFailed) -> None:
        self.query_one("#reason-error", Static).update(message.text)

    def action_cancel(self) -> None:
        self.dismiss(None)
