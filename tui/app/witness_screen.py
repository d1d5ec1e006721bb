"""The witness signs for the residue: their own username and password, typed by them, in a
box of its own over the form, so nobody else's password is ever in the nurse's fields."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from ledger.auth import Credentials
from tui.app.form_keys import FormKeys, form_bindings
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing


class WitnessScreen(FormKeys, ModalScreen[Credentials | None]):
    """Dismisses with the witness's credentials, or None (Escape: back to the form)."""

    BINDINGS = [
        Binding("escape", "back", "Back to the form", id="witness_back"),
        *form_bindings("witness", "Next / sign"),
    ]

    def __init__(self, what: str) -> None:
        super().__init__()
        #: What is witnessed, in a line the witness reads before signing.
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="witness-box"):
            yield PlainLabel("Witness", id="witness-title")
            yield Plain(self.what, id="witness-what")
            yield Input(placeholder="witness username", id="witness-username")
            yield Input(placeholder="witness password", password=True, id="witness-password")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#witness-username", Input))

    def submit_form(self) -> None:
        after_typing(self, self._sign)

    def _sign(self) -> None:
        username = self.query_one("#witness-username", Input).value.strip()
        password = self.query_one("#witness-password", Input).value
        self.dismiss(Credentials(username, password) if username else None)

    def action_back(self) -> None:
        self.dismiss(None)
