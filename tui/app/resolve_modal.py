"""Resolving a discrepancy: the explanation, and the correcting entry that explains it if there
is one (a late-charted infusion's movement number).

The resolution is recorded here, in the modal's worker, so a refusal (a movement of another
vial, a discrepancy closed meanwhile) is shown in the modal with what was typed kept.
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
from ledger.errors import InvalidText
from ledger.services.discrepancies import resolve
from tui.app.lock_outcomes import KeptUnderTheLock
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

FIELDS = [
    ("resolve-explanation", "Explanation"),
    ("resolve-movement", "Movement # (if any)"),
]


class ResolveModal(KeptUnderTheLock, ModalScreen[str | None]):
    """Dismisses with a summary once resolved, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="resolve_cancel"),
        Binding("enter,ctrl+j", "enter", "Next / resolve", id="resolve_enter", priority=True),
        Binding("tab", "next_field", "Next field", id="resolve_next", priority=True, show=False),
        Binding(
            "shift+tab",
            "previous_field",
            "Previous field",
            id="resolve_previous",
            priority=True,
            show=False,
        ),
    ]

    def __init__(self, actor: Actor, discrepancy_id: int) -> None:
        super().__init__()
        self.actor = actor
        self.discrepancy_id = discrepancy_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="resolve-box"):
            yield PlainLabel(f"Resolve discrepancy {self.discrepancy_id}", id="resolve-title")
            with Grid(classes="resolve-form"):
                for key, label in FIELDS:
                    yield PlainLabel(label)
                    yield Input(id=key, compact=True)
            yield Plain("", id="resolve-error", classes="error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#resolve-explanation", Input))
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
        explanation, movement = (
            self.query_one(f"#{key}", Input).value.strip() for key, _ in FIELDS
        )
        self._resolve(explanation, movement)

    @work(thread=True, exclusive=True, group="resolve", exit_on_error=False)
    def _resolve(self, explanation: str, movement: str) -> None:
        try:
            if movement and not (movement.isascii() and movement.isdigit()):
                raise InvalidText(f"the movement is its number, like 1234, not {movement!r}")
            linked = int(movement) if movement else None
            resolve(
                self.app.db,  # type: ignore[attr-defined]
                self.actor,
                self.discrepancy_id,
                explanation=explanation,
                movement=linked,
            )
        except LEDGER_FAILURES as exc:
            # Told to the user who saved, when the form is theirs on screen again (the lock).
            refusal = failure_message(exc)
            self.app.call_from_thread(self.when_seen, partial(self.post_message, refusal))
            return
        link = f" by movement {linked}" if linked else ""
        self.app.call_from_thread(
            self.when_seen,
            partial(self.dismiss, f"Discrepancy {self.discrepancy_id} resolved{link}"),
        )

    def on_refused(self, message: Refused) -> None:
        self.query_one("#resolve-error", Static).update(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self.query_one("#resolve-error", Static).update(message.text)
