"""The registrant's review of one late entry, opened from its `late_entry` alert: what the alert
says about the entry, a line for what the review found, and Enter marks it reviewed.

The review is recorded in the modal's worker, so a refusal (someone reviewed it meanwhile at
another workstation, the role was taken away) is shown here with what was typed kept.
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
from ledger.services.reviews import review_late
from tui.app.lock_outcomes import KeptUnderTheLock
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message


class LateReviewModal(KeptUnderTheLock, ModalScreen[str | None]):
    """Dismisses with a sentence once reviewed, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="late_review_cancel"),
        Binding("enter,ctrl+j", "review", "Mark reviewed", id="late_review_enter", priority=True),
    ]

    def __init__(self, actor: Actor, movement_id: int, about: str) -> None:
        super().__init__()
        self.actor = actor
        self.movement_id = movement_id
        #: The alert's sentence: the entry's kind, its day, and that it came late.
        self.about = about

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="late-review-box"):
            yield PlainLabel(f"Review late entry: movement {self.movement_id}", id="late-title")
            yield Plain(self.about, id="late-about")
            with Grid(classes="late-review-form"):
                yield PlainLabel("What the review found")
                yield Input(id="late-note", compact=True, placeholder="(optional)")
            yield Plain("", id="late-error", classes="error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#late-note", Input))
        self.app.post_message(KeysReady())

    def action_review(self) -> None:
        after_typing(self, lambda: self.when_seen(self._typed))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _typed(self) -> None:
        self._review(self.query_one("#late-note", Input).value.strip())

    @work(thread=True, exclusive=True, group="late-review", exit_on_error=False)
    def _review(self, note: str) -> None:
        try:
            done = review_late(
                self.app.db,  # type: ignore[attr-defined]
                self.actor,
                self.movement_id,
                note=note or None,
            )
        except LEDGER_FAILURES as exc:
            refusal = failure_message(exc)
            self.app.call_from_thread(self.when_seen, partial(self.post_message, refusal))
            return
        said = f"Late entry {self.movement_id} reviewed by {done['reviewed_by']}"
        self.app.call_from_thread(self.when_seen, partial(self.dismiss, said))

    def on_refused(self, message: Refused) -> None:
        self.query_one("#late-error", Static).update(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self.query_one("#late-error", Static).update(message.text)
