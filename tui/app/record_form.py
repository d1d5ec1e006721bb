"""A small form in a modal: labelled fields, Enter down them, the last one saves in a worker.

The admin screens add users, registrations, suppliers, products and patients, reset passwords
and edit settings with it. What saving means is the caller's `save` (run in a worker thread,
returning the line to show); a refusal is shown in the form and everything typed stays, except
a password, which is typed again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from tui.app.form_keys import FormKeys, form_bindings
from tui.app.lock_outcomes import KeptUnderTheLock
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    secret: bool = False
    #: What the field holds when the form opens (a setting's value now).
    value: str = ""


#: Called in a worker with the typed values (by key, trimmed except secrets); returns the
#: summary shown once saved, or raises a refusal.
Save = Callable[[dict[str, str]], str]


class RecordForm(KeptUnderTheLock, FormKeys, ModalScreen[str | None]):
    """Dismisses with the summary of what was saved, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="record_form_cancel"),
        *form_bindings("record_form", "Next / save"),
    ]

    def __init__(self, title: str, fields: list[FormField], save: Save, *, note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.save = save
        self.note = note

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="record-form-box"):
            yield PlainLabel(self.title_text, id="record-form-title")
            if self.note:
                yield Plain(self.note, id="record-form-note")
            with Grid(classes="record-form"):
                for f in self.fields:
                    yield PlainLabel(f.label)
                    yield Input(value=f.value, id=f.key, password=f.secret, compact=True)
            yield Plain("", id="record-form-error", classes="error")
            with Horizontal(id="record-form-buttons"):
                yield Button("Save", variant="primary", id="record-form-save", compact=True)
                yield Button("Cancel", id="record-form-cancel", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one(f"#{self.fields[0].key}", Input))
        # Keys held while the form came up (if the opener held them) go on now.
        self.app.post_message(KeysReady())

    @on(Button.Pressed, "#record-form-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def submit_form(self) -> None:
        self._save()

    @on(Button.Pressed, "#record-form-save")
    def _save(self) -> None:
        self.query_one("#record-form-error", Static).update("Saving…")
        # Should the lock come meanwhile, the save starts only when the same user is back.
        after_typing(self, lambda: self.when_seen(self._typed))

    def values(self) -> dict[str, str]:
        typed = {f.key: self.query_one(f"#{f.key}", Input).value for f in self.fields}
        return {f.key: typed[f.key] if f.secret else typed[f.key].strip() for f in self.fields}

    def _typed(self) -> None:
        self._run(self.values())

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _run(self, values: dict[str, str]) -> None:
        try:
            summary = self.save(values)
        except LEDGER_FAILURES as exc:
            # Told to the user who saved, when the form is theirs on screen again (the lock).
            refusal = failure_message(exc)
            self.app.call_from_thread(self.when_seen, partial(self.post_message, refusal))
            return
        self.app.call_from_thread(self.when_seen, partial(self.dismiss, summary))

    def on_refused(self, message: Refused) -> None:
        self.query_one("#record-form-error", Static).update(message.text)
        for f in self.fields:
            if f.secret:
                self.query_one(f"#{f.key}", Input).value = ""

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self.query_one("#record-form-error", Static).update(message.text)
