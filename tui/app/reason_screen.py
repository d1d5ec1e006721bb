"""Asking why, before a vial is quarantined or released: a typed modal that returns the reason."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class ReasonScreen(ModalScreen[str | None]):
    """Dismisses with the reason typed, or None when cancelled (nothing is done then)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="reason_cancel")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-box"):
            yield Label(self.question, id="reason-question")
            yield Input(placeholder="reason", id="reason-text")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#reason-text", Input))

    @on(Input.Submitted, "#reason-text")
    def _done(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
