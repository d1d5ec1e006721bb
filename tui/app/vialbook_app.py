"""The vialbook Textual app: a login, then the dashboard. All ledger work runs in workers."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import App
from textual.worker import Worker, WorkerState

from ledger.access import Actor
from ledger.database import Database
from ledger.settings import clinic_settings
from tui.app.messages import DatabaseFailed, Refused


class VialbookApp(App[None]):
    CSS_PATH = Path(__file__).with_name("vialbook.tcss")
    TITLE = "vialbook"

    def __init__(self, db: Database, *, actor: Actor | None = None, hint: str = "") -> None:
        super().__init__()
        self.db = db
        self.actor = actor
        self.hint = hint
        with db.read() as session:
            self.clinic_name = clinic_settings(session).name
        self.sub_title = self.clinic_name

    def on_mount(self) -> None:
        if self.actor is not None:
            self._open(self.actor)
        else:
            from tui.app.login_screen import LoginScreen

            self.push_screen(LoginScreen(self.clinic_name, self.hint), self._open)

    def _open(self, actor: Actor | None) -> None:
        from tui.app.dashboard_screen import DashboardScreen

        if actor is None:
            self.exit()
            return
        self.actor = actor
        self.push_screen(DashboardScreen(actor))

    @on(Refused)
    @on(DatabaseFailed)
    def _show_failure(self, message: Refused | DatabaseFailed) -> None:
        """The one place errors are shown: a refusal names its rule, a failure is a sentence."""
        self.notify(message.text, severity="error", timeout=10)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers catch refusals and database errors themselves; this is for anything else.
        # Only the error's type is shown: its text or a traceback could carry what was typed.
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.notify(
                f"Something went wrong ({type(error).__name__}); "
                "look at the movement log before trying again.",
                severity="error",
                timeout=10,
            )
