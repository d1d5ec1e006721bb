"""A renewed DEA registration, opened from its `registration_expiring` alert: the new expiry
from the renewal certificate, and Enter records it (ledger/services/catalogue.py).

Recorded in the modal's worker: a refusal (an expiry not later than the one it replaces, a date
mistyped) is shown here with what was typed kept.
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
from ledger.services.catalogue import renew_registration
from ledger.units import parse_date
from tui.app.lock_outcomes import KeptUnderTheLock
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message


class RenewalModal(KeptUnderTheLock, ModalScreen[str | None]):
    """Dismisses with a sentence once recorded, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="renewal_cancel"),
        Binding("enter,ctrl+j", "renew", "Record the renewal", id="renewal_enter", priority=True),
    ]

    def __init__(self, actor: Actor, dea_number: str, about: str) -> None:
        super().__init__()
        self.actor = actor
        self.dea_number = dea_number
        #: The alert's sentence: the registration and the expiry it is coming up to.
        self.about = about

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="renewal-box"):
            yield PlainLabel(f"Renewed registration {self.dea_number}", id="renewal-title")
            yield Plain(self.about, id="renewal-about")
            with Grid(classes="renewal-form"):
                yield PlainLabel("New expiry (YYYY-MM-DD)")
                yield Input(id="renewal-expires", compact=True)
            yield Plain("", id="renewal-error", classes="error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#renewal-expires", Input))
        self.app.post_message(KeysReady())

    def action_renew(self) -> None:
        after_typing(self, lambda: self.when_seen(self._typed))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _typed(self) -> None:
        self._renew(self.query_one("#renewal-expires", Input).value.strip())

    @work(thread=True, exclusive=True, group="renewal", exit_on_error=False)
    def _renew(self, typed: str) -> None:
        try:
            expires = parse_date(typed, "the new expiry")
            renew_registration(
                self.app.db,  # type: ignore[attr-defined]
                self.actor,
                dea_number=self.dea_number,
                expires=expires,
            )
        except LEDGER_FAILURES as exc:
            refusal = failure_message(exc)
            self.app.call_from_thread(self.when_seen, partial(self.post_message, refusal))
            return
        said = f"Registration {self.dea_number} renewed: it expires on {expires}"
        self.app.call_from_thread(self.when_seen, partial(self.dismiss, said))

    def on_refused(self, message: Refused) -> None:
        self.query_one("#renewal-error", Static).update(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self.query_one("#renewal-error", Static).update(message.text)
