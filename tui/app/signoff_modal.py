"""The registrant signs, at this workstation: a typed modal where they enter their own username
and password (and, for an approval, the witness theirs), never the logged-in user's session.

The signing runs here, in the modal's own worker, so a refusal (a wrong password, a nurse
instead of the registrant) is shown in the modal with everything typed kept but the passwords.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ledger.auth import Credentials
from tui.app.lock_outcomes import KeptUnderTheLock
from tui.app.messages import DatabaseFailed, KeysReady, Refused
from tui.app.plain import Plain, PlainLabel
from tui.app.typing_order import after_typing
from tui.app.worker_failures import LEDGER_FAILURES, failure_message


@dataclass(frozen=True)
class Signature:
    """What was typed: the registrant's own credentials, the asked fields, and the witness."""

    registrant: Credentials
    values: dict[str, str]
    witness: Credentials | None


#: Runs in a worker thread with what was typed; returns the line to show once signed.
Sign = Callable[[Signature], str]


class SignoffModal(KeptUnderTheLock, ModalScreen[str | None]):
    """Dismisses with the signed summary, or None when cancelled (nothing is done then)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="signoff_cancel"),
        Binding("enter,ctrl+j", "enter", "Next / sign", id="signoff_enter", priority=True),
        Binding("tab", "next_field", "Next field", id="signoff_next", priority=True, show=False),
        Binding(
            "shift+tab",
            "previous_field",
            "Previous field",
            id="signoff_previous",
            priority=True,
            show=False,
        ),
    ]

    def __init__(
        self,
        title: str,
        sign: Sign,
        *,
        fields: list[tuple[str, str]] | None = None,
        witness: bool = False,
    ) -> None:
        super().__init__()
        self.heading = title
        self.sign = sign
        self.fields = fields or []
        self.witness = witness

    def _inputs(self) -> list[tuple[str, str, bool]]:
        out = [(key, label, False) for key, label in self.fields]
        out += [("registrant", "Registrant username", False)]
        out += [("registrant_password", "Registrant password", True)]
        if self.witness:
            out += [("witness", "Witness username", False)]
            out += [("witness_password", "Witness password", True)]
        return out

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="signoff-box"):
            yield PlainLabel(self.heading, id="signoff-title")
            with Grid(classes="signoff-form"):
                for key, label, secret in self._inputs():
                    yield PlainLabel(label)
                    yield Input(id=f"sign-{key}", password=secret, compact=True)
            yield Plain("", id="signoff-error", classes="error")

    def on_mount(self) -> None:
        self.set_focus(self.query(Input).first())
        self.app.post_message(KeysReady())

    def value(self, key: str) -> str:
        return self.query_one(f"#sign-{key}", Input).value

    def action_enter(self) -> None:
        keys = [key for key, _, _ in self._inputs()]
        here = self.focused.id if self.focused is not None else None
        at = keys.index(here.removeprefix("sign-")) if here and here.startswith("sign-") else 0
        if at < len(keys) - 1:
            self.set_focus(self.query_one(f"#sign-{keys[at + 1]}", Input))
        else:
            self.query_one("#signoff-error", Static).update("Signing…")
            # Keys typed from here on wait for the answer: the screen below, or this form.
            self.app.hold_keys()  # type: ignore[attr-defined]
            after_typing(self, lambda: self.when_seen(self._typed))

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _typed(self) -> None:
        witness = (
            Credentials(self.value("witness").strip(), self.value("witness_password"))
            if self.witness and self.value("witness").strip()
            else None
        )
        self._sign(
            Signature(
                registrant=Credentials(
                    self.value("registrant").strip(), self.value("registrant_password")
                ),
                values={key: self.value(key).strip() for key, _ in self.fields},
                witness=witness,
            )
        )

    @work(thread=True, exclusive=True, group="signoff", exit_on_error=False)
    def _sign(self, signature: Signature) -> None:
        try:
            summary = self.sign(signature)
        except LEDGER_FAILURES as exc:
            # Told to the user who saved, when the form is theirs on screen again (the lock).
            refusal = failure_message(exc)
            self.app.call_from_thread(self.when_seen, partial(self.post_message, refusal))
            return
        except Exception:
            self.app.post_message(KeysReady())  # never leave the keyboard held
            raise
        self.app.call_from_thread(self.when_seen, partial(self.dismiss, summary))

    def _forget_passwords(self) -> None:
        # Each attempt is signed afresh; everything else typed stays for the correction,
        # and the first password is where typing goes on.
        secrets = [self.query_one(f"#sign-{key}", Input) for key, _, s in self._inputs() if s]
        for field in secrets:
            field.value = ""
        self.set_focus(secrets[0])

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self.query_one("#signoff-error", Static).update(message.text)
        self._forget_passwords()
        self.app.post_message(KeysReady())

    @on(DatabaseFailed)
    def _failed(self, message: DatabaseFailed) -> None:
        self.query_one("#signoff-error", Static).update(message.text)
        self.app.post_message(KeysReady())
