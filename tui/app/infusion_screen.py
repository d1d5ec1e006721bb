"""Recording an infusion at the chair: one form, one transaction, refusals shown as they are."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ledger.access import Actor
from ledger.auth import Credentials
from ledger.queries.vials import vial_strength
from ledger.services.infusions import record_infusion
from ledger.units import mg_text, parse_amount_ug
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

FIELDS = [
    ("patient", "Patient MRN", False),
    ("vial", "Vial label", False),
    ("drawn", "Drawn (mg or mL)", False),
    ("given", "Given", False),
    ("wasted", "Wasted", False),
    ("protocol", "Protocol (optional)", False),
    ("witness", "Witness username", False),
    ("witness_password", "Witness password", True),
]


class InfusionScreen(ModalScreen[str | None]):
    """Dismisses with a one-line summary, or None when cancelled."""

    # Enter and Tab move the focus on the app's own task (priority bindings), before the next
    # key is handed on: at a scanner's pace a character never lands in the field just left.
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("enter", "enter", "Next / record", id="infusion_enter", priority=True),
        Binding("tab", "next_field", "Next field", id="infusion_next", priority=True, show=False),
        Binding(
            "shift+tab",
            "previous_field",
            "Previous field",
            id="infusion_previous",
            priority=True,
            show=False,
        ),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor

    def compose(self) -> ComposeResult:
        with Vertical(id="infusion-box"):
            yield Label("Record an infusion", id="infusion-title")
            with Grid(id="infusion-form"):
                for key, label, secret in FIELDS:
                    yield Label(label)
                    yield Input(id=key, password=secret, compact=True)
            yield Static("", id="infusion-error", classes="error")
            with Horizontal(id="infusion-buttons"):
                yield Button("Record", variant="primary", id="record")
                yield Button("Cancel", id="cancel")

    def values(self) -> dict[str, str]:
        return {key: self.query_one(f"#{key}", Input).value.strip() for key, _, _ in FIELDS}

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_mount(self) -> None:
        self.set_focus(self.query_one(f"#{FIELDS[0][0]}", Input))
        self.app.post_message(KeysReady())

    def action_enter(self) -> None:
        """Enter moves down the form, as on paper; on the last field it records."""
        here = self.focused
        if isinstance(here, Button):
            here.press()
            return
        keys = [key for key, _, _ in FIELDS]
        at = keys.index(here.id) if here is not None and here.id in keys else len(keys) - 1
        if at + 1 < len(keys):
            self.set_focus(self.query_one(f"#{keys[at + 1]}", Input))
        else:
            self._record()

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    @on(Button.Pressed, "#record")
    def _record(self) -> None:
        self.query_one("#infusion-error", Static).update("Recording…")
        after_typing(self, lambda: self._save(self.values()))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def _save(self, v: dict[str, str]) -> None:
        db = self.app.db  # type: ignore[attr-defined]
        try:
            strength = vial_strength(db, v["vial"])
            amounts = {k: parse_amount_ug(v[k], strength, k) for k in ("drawn", "given", "wasted")}
            # The witness types their own password here, every time: never one from the
            # environment, which would let anyone at the workstation sign as them.
            witness = Credentials(v["witness"], v["witness_password"]) if v["witness"] else None
            result = record_infusion(
                db,
                self.actor,
                patient=v["patient"],
                vial=v["vial"],
                drawn_ug=amounts["drawn"],
                given_ug=amounts["given"],
                wasted_ug=amounts["wasted"],
                witness=witness,
                protocol=v["protocol"] or None,
            )
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        summary = (
            f"Infusion {result.infusion_id} recorded: gave {mg_text(result.given_ug)} mg, "
            f"wasted {mg_text(result.wasted_ug)} mg; {result.vial} has "
            f"{mg_text(result.balance_after_ug)} mg left"
        )
        self.app.call_from_thread(self.dismiss, summary)

    def on_refused(self, message: Refused) -> None:
        # The witness signs again for the next attempt; everything else typed stays.
        self.query_one("#infusion-error", Static).update(message.text)
        self.query_one("#witness_password", Input).value = ""

    def on_database_failed(self, message: DatabaseFailed) -> None:
        # Nothing was recorded and nothing typed is lost: Record again once the database is back.
        self.query_one("#infusion-error", Static).update(message.text)
