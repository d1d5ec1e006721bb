"""Clinic settings (admin only): what is in force now, and an edit that makes a new version."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ledger.access import Actor
from ledger.errors import InvalidText
from ledger.models import ClinicSettings
from ledger.services.settings import settings_as_dict, update_settings
from tui.app.messages import DatabaseFailed, Refused
from tui.app.plain import Plain
from tui.app.record_form import FormField, RecordForm
from tui.app.table import Table
from tui.app.worker_failures import LEDGER_FAILURES, failure_message


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def changes(now: dict[str, Any], typed: dict[str, str]) -> dict[str, Any]:
    """The settings typed differently from those in force, as the settings service takes them
    (whole numbers stay whole numbers: no float near a drug amount)."""
    out: dict[str, Any] = {}
    for key, text in typed.items():
        if text == shown(now[key]):
            continue
        before = now[key]
        if isinstance(before, bool):
            if text.lower() not in ("yes", "no"):
                raise InvalidText(f"{key.replace('_', ' ')} is yes or no", subject=key)
            out[key] = text.lower() == "yes"
        elif isinstance(before, int):
            if not text.isdigit():
                raise InvalidText(f"{key.replace('_', ' ')} must be a whole number", subject=key)
            out[key] = int(text)
        else:
            out[key] = text
    return out


class AdminSettingsScreen(Screen[None]):
    BINDINGS = [
        Binding("e", "edit", "Edit settings", id="settings_edit"),
        Binding("escape", "app.pop_screen", "Back", id="settings_back"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor
        self.now: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain("Clinic settings in force · e edit · esc back", classes="section")
        yield Table(id="settings", cursor_type="row", zebra_stripes=True)
        yield Plain("", id="settings-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#settings", DataTable).add_columns("Setting", "Value")
        self.set_focus(self.query_one("#settings", DataTable))
        self._load()

    @work(thread=True, exclusive=True, group="settings", exit_on_error=False)
    def _load(self) -> None:
        try:
            now = settings_as_dict(self.app.db, self.actor)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        now.pop("id", None)
        # In the order the settings are declared (name and address first), not the dump's.
        order = [k for k in ClinicSettings.model_fields if k in now]
        now = {k: now[k] for k in order + sorted(set(now) - set(order))}
        self.app.call_from_thread(self._show, now)

    def _show(self, now: dict[str, Any]) -> None:
        self.now = now
        table = self.query_one("#settings", DataTable)
        table.clear()
        for key, value in now.items():
            table.add_row(key.replace("_", " "), shown(value), key=key)

    def action_edit(self) -> None:
        if not self.now:
            return
        db, actor, now = self.app.db, self.actor, dict(self.now)  # type: ignore[attr-defined]

        def save(typed: dict[str, str]) -> str:
            changed = changes(now, typed)
            if not changed:
                return "Nothing changed"
            update_settings(db, actor, **changed)
            return "Settings saved: " + ", ".join(k.replace("_", " ") for k in changed)

        fields = [FormField(k, k.replace("_", " "), value=shown(v)) for k, v in now.items()]
        self.app.push_screen(RecordForm("Clinic settings", fields, save), self._saved)

    def _saved(self, summary: str | None) -> None:
        if summary:
            self._status(summary, ok=True)
            self._load()

    def _status(self, text: str, *, ok: bool = False) -> None:
        status = self.query_one("#settings-status", Static)
        status.update(text)
        status.set_classes("success" if ok else "error")

    def on_refused(self, message: Refused) -> None:
        self._status(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self._status(message.text)
