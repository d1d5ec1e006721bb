"""Receiving a delivery: one invoice line of one lot, and the new vials' labels shown large."""

from __future__ import annotations

from functools import partial
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ledger import clock
from ledger.access import Actor
from ledger.services.receiving import Received, receive
from ledger.settings import clinic_timezone
from ledger.units import parse_count, parse_date, parse_datetime
from tui.app.form_keys import FormKeys, form_bindings
from tui.app.lock_outcomes import KeptUnderTheLock
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

FIELDS = [
    ("supplier", "Supplier"),
    ("invoice", "Invoice number"),
    ("received", "Received"),
    ("ndc", "Product NDC"),
    ("lot", "Lot"),
    ("expires", "Expires (YYYY-MM-DD)"),
    ("count", "Number of vials"),
    ("reason", "Why late (if late)"),
]

TIME_FORMAT = "%Y-%m-%d %H:%M"


class ReceiveScreen(KeptUnderTheLock, FormKeys, ModalScreen[str | None]):
    """Dismisses with a summary of the last delivery received, or None when none was."""

    # As on the infusion form: Enter and Tab move on the app's task, so typing ahead is safe.
    BINDINGS = [
        Binding("escape", "close", "Close", id="receive_close"),
        *form_bindings("receive", "Next / receive"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.zone: str | None = None
        self.default_received = ""
        self.summary: str | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="receive-box"):
            yield PlainLabel("Receive a delivery", id="receive-title")
            with Grid(classes="receive-form"):
                for key, label in FIELDS:
                    yield PlainLabel(label)
                    yield Input(id=key, compact=True)
            yield Plain("", id="receive-error", classes="error")
            yield Plain("", id="receive-labels")
            with Horizontal(id="receive-buttons"):
                yield Button("Receive", variant="primary", id="receive", compact=True)
                yield Button("Close", id="close", compact=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#supplier", Input))
        self._read_zone()

    @work(thread=True, exclusive=True, group="zone", exit_on_error=False)
    def _read_zone(self) -> None:
        try:
            zone: str | None = clinic_timezone(self.app.db)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            zone = None
        self.app.call_from_thread(self._zone_read, zone)

    def _zone_read(self, zone: str | None) -> None:
        self.zone = zone
        if zone is not None:
            self.default_received = f"{clock.now().astimezone(ZoneInfo(zone)):{TIME_FORMAT}}"
            field = self.query_one("#received", Input)
            if not field.value:
                field.value = self.default_received
        self.app.post_message(KeysReady())

    def values(self) -> dict[str, str]:
        return {key: self.query_one(f"#{key}", Input).value.strip() for key, _ in FIELDS}

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(self.summary)

    def form_fields(self) -> list[str]:
        # The reason is asked for only when the time says late; Enter on the count receives.
        keys = [key for key, _ in FIELDS]
        return keys if self.values()["reason"] else keys[: keys.index("count") + 1]

    def submit_form(self) -> None:
        self._receive()

    @on(Button.Pressed, "#receive")
    def _receive(self) -> None:
        self.query_one("#receive-error", Static).update("Receiving…")
        # Should the lock come meanwhile, the save starts only when the same user is back.
        after_typing(
            self, lambda: self.when_seen(lambda: self._save(self.values(), self.default_received))
        )

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _save(self, v: dict[str, str], default_received: str) -> None:
        db = self.app.db  # type: ignore[attr-defined]
        try:
            zone = self.zone or clinic_timezone(db)
            # A time left as filled in means now: stamped when saved, never late.
            when = (
                parse_datetime(v["received"], zone, "received")
                if v["received"] and v["received"] != default_received
                else None
            )
            result = receive(
                db,
                self.actor,
                supplier=v["supplier"],
                invoice_number=v["invoice"],
                ndc=v["ndc"],
                lot=v["lot"],
                expires=parse_date(v["expires"], "expiry"),
                vials=parse_count(v["count"], "number of vials", 1000),
                received_at=when,
                reason=v["reason"] or None,
            )
        except LEDGER_FAILURES as exc:
            refusal = failure_message(exc)
            self.app.call_from_thread(self.when_seen, partial(self.post_message, refusal))
            return
        # The labels are shown to whoever received, once the form is theirs on screen again.
        self.app.call_from_thread(self.when_seen, partial(self._received, result, v))

    def _received(self, result: Received, v: dict[str, str]) -> None:
        """The labels, large, to copy onto the vials; the form is ready for the next lot."""
        self.summary = (
            f"Received {len(result.vials)} vials of lot {v['lot']} (invoice {v['invoice']}): "
            f"{result.vials[0]} to {result.vials[-1]}"
        )
        self.query_one("#receive-error", Static).update("")
        labels = self.query_one("#receive-labels", Static)
        labels.update("Write on the vials:\n" + "   ".join(result.vials))
        labels.add_class("shown")
        for key in ("lot", "expires", "count", "reason"):
            self.query_one(f"#{key}", Input).value = ""
        self.set_focus(self.query_one("#lot", Input))

    def on_refused(self, message: Refused) -> None:
        # Everything typed stays: correct the one field and Enter again.
        self.query_one("#receive-error", Static).update(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self.query_one("#receive-error", Static).update(message.text)
