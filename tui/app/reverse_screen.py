"""Reversing a movement: the reason and the witness, who signs with their own password."""

from __future__ import annotations

from functools import partial

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ledger.access import Actor
from ledger.auth import Credentials
from ledger.queries.history import LogLine
from ledger.services.corrections import reverse
from ledger.units import mg_text
from tui.app.form_keys import FormKeys, form_bindings
from tui.app.lock_outcomes import KeptUnderTheLock
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

FIELDS = [
    ("reverse-reason", "Why (the mistake)", False),
    ("reverse-witness", "Witness username", False),
    ("reverse-password", "Witness password", True),
]


class ReverseScreen(KeptUnderTheLock, FormKeys, ModalScreen[str | None]):
    """Dismisses with what was reversed, or None when cancelled (nothing is recorded then)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="reverse_cancel"),
        *form_bindings("reverse", "Next / reverse"),
    ]

    def __init__(self, actor: Actor, line: LogLine) -> None:
        super().__init__()
        self.actor = actor
        self.line = line

    def compose(self) -> ComposeResult:
        r = self.line
        with Vertical(id="reverse-box"):
            yield PlainLabel(f"Reverse movement #{r.id}", id="reverse-title")
            what = f"{r.kind} of {mg_text(abs(r.amount_ug))} mg, vial {r.vial} ({r.product})"
            what += f", by {r.actor}" + (f", patient {r.patient}" if r.patient else "")
            if r.infusion_id:
                # The service reverses an infusion's draw, dose and waste together.
                what += f"\nAll of infusion {r.infusion_id} is reversed with it."
            yield Plain(what, id="reverse-what")
            with Grid(classes="reverse-form"):
                for key, label, secret in FIELDS:
                    yield PlainLabel(label)
                    yield Input(id=key, password=secret, compact=True)
            yield Plain("", id="reverse-error", classes="error")
            with Horizontal(id="reverse-buttons"):
                yield Button("Reverse", variant="warning", id="reverse", compact=True)
                yield Button("Cancel", id="reverse-cancel", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#reverse-reason", Input))
        # Keys typed right after "v" go on now, into the reason.
        self.app.post_message(KeysReady())

    @on(Button.Pressed, "#reverse-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def submit_form(self) -> None:
        self._reverse()

    @on(Button.Pressed, "#reverse")
    def _reverse(self) -> None:
        self.query_one("#reverse-error", Static).update("Reversing…")
        # Should the lock come meanwhile, the reversal starts only when the same user is back.
        after_typing(self, lambda: self.when_seen(self._typed))

    def _typed(self) -> None:
        v = {key: self.query_one(f"#{key}", Input).value for key, _, _ in FIELDS}
        self._save(v["reverse-reason"].strip(), v["reverse-witness"].strip(), v["reverse-password"])

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _save(self, reason: str, witness: str, password: str) -> None:
        try:
            posted = reverse(
                self.app.db,  # type: ignore[attr-defined]
                self.actor,
                movement_id=self.line.id,
                reason=reason,
                witness=Credentials(witness, password) if witness else None,
            )
        except LEDGER_FAILURES as exc:
            # Told to the user who saved, when the form is theirs on screen again (the lock).
            refusal = failure_message(exc)
            self.app.call_from_thread(self.when_seen, partial(self.post_message, refusal))
            return
        ids = ", ".join(f"#{i}" for i in posted.movement_ids)
        left = "; ".join(f"{v} has {mg_text(b)} mg" for v, b in posted.balances_ug.items())
        summary = f"Movement #{self.line.id} reversed by {ids}; {left}"
        self.app.call_from_thread(self.when_seen, partial(self.dismiss, summary))

    def on_refused(self, message: Refused) -> None:
        # The witness signs again; the reason and the witness's name stay as typed.
        self.query_one("#reverse-error", Static).update(message.text)
        self.query_one("#reverse-password", Input).value = ""

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self.query_one("#reverse-error", Static).update(message.text)
