"""The vialbook Textual app: a login, then the dashboard. All ledger work runs in workers."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

from ledger.access import Actor
from ledger.database import Database
from ledger.settings import clinic_settings


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
