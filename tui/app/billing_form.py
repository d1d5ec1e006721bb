"""A small billing form in a modal: labelled fields, Enter down the form, saved in a worker.

The payment, line and void forms share it. A refusal is shown inside the form and every
field keeps what was typed, so the one wrong field is corrected and Enter pressed again.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from tui.app.form_keys import FormKeys, form_bindings
from tui.app.lock_outcomes import KeptUnderTheLock
from tui.app.messages import DatabaseFailed, Refused
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

#: (key, label, value filled in when the form opens)
Field = tuple[str, str, str]


class BillingForm(KeptUnderTheLock, FormKeys, ModalScreen[str | None]):
    """Dismisses with a one-line summary of what was saved, or None when cancelled."""

    TITLE_TEXT = ""
    SAVE_LABEL = "Save"

    # Enter and Tab move on the app's task (priority, tui/app/form_keys.py), so typing
    # ahead never lands a character in the field just left.
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="billing_form_cancel"),
        *form_bindings("billing_form", "Next / save"),
    ]

    def __init__(self, title: str, fields: list[Field]) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="billing-form-box"):
            yield PlainLabel(self.title_text, classes="billing-form-title")
            with Grid(classes="billing-form"):
                for key, label, value in self.fields:
                    yield PlainLabel(label)
                    yield Input(value, id=key, compact=True)
            yield Plain("", id="billing-form-error", classes="error")
            with Horizontal(classes="billing-form-buttons"):
                yield Button(
                    self.SAVE_LABEL, variant="primary", id="billing-form-save", compact=True
                )
                yield Button("Cancel", id="billing-form-cancel", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one(f"#{self.fields[0][0]}", Input))

    def values(self) -> dict[str, str]:
        return {key: self.query_one(f"#{key}", Input).value.strip() for key, _, _ in self.fields}

    @on(Button.Pressed, "#billing-form-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def form_fields(self) -> list[str]:
        return [key for key, _, _ in self.fields]

    def submit_form(self) -> None:
        self._submit()

    @on(Button.Pressed, "#billing-form-save")
    def _submit(self) -> None:
        self._error("Saving…")
        after_typing(self, lambda: self.when_seen(lambda: self._run(self.values())))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _run(self, values: dict[str, str]) -> None:
        try:
            summary = self.save(self.app.db, values)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            # Told to the user who saved, when the form is theirs on screen again (the lock).
            refusal = failure_message(exc)
            self.app.call_from_thread(self.when_seen, partial(self.post_message, refusal))
            return
        self.app.call_from_thread(self.when_seen, partial(self.dismiss, summary))

    def save(self, db: Any, values: dict[str, str]) -> str:
        """Do the one business action in the worker thread; return what the screen says."""
        raise NotImplementedError

    def _error(self, text: str) -> None:
        self.query_one("#billing-form-error", Static).update(text)

    def on_refused(self, message: Refused) -> None:
        # Everything typed stays: correct the one field and Enter again.
        self._error(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self._error(message.text)
