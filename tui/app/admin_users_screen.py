"""Users (admin only): the staff list; add one with roles, disable one, reset a password."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from ledger.access import Actor
from ledger.errors import InvalidText
from ledger.services.users import add_user, disable_user, list_users, reset_password
from tui.app.messages import DatabaseFailed, Refused
from tui.app.plain import Plain
from tui.app.record_form import FormField, RecordForm
from tui.app.table import Table
from tui.app.worker_failures import LEDGER_FAILURES, failure_message

ROLES_HINT = "admin, registrant, nurse, manager, billing, auditor"


def same_twice(values: dict[str, str], first: str, second: str) -> str:
    """The new password, once it was typed the same twice (a slip is refused, not saved)."""
    if values[first] != values[second]:
        raise InvalidText("the two passwords typed differ; type the new password twice")
    return values[first]


class AdminUsersScreen(Screen[None]):
    BINDINGS = [
        Binding("a", "add", "Add user", id="users_add"),
        Binding("x", "disable", "Disable", id="users_disable"),
        Binding("w", "reset", "Reset password", id="users_reset"),
        Binding("escape", "app.pop_screen", "Back", id="users_back"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain("Users · a add · x disable · w reset password · esc back", classes="section")
        yield Table(id="users", cursor_type="row", zebra_stripes=True)
        yield Plain("", id="users-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#users", DataTable).add_columns(
            "Username", "Full name", "Roles", "Active", "Locked"
        )
        self.set_focus(self.query_one("#users", DataTable))
        self._load()

    @work(thread=True, exclusive=True, group="users", exit_on_error=False)
    def _load(self) -> None:
        try:
            users = list_users(self.app.db, self.actor)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._show, users)

    def _show(self, users: list[dict[str, object]]) -> None:
        table = self.query_one("#users", DataTable)
        table.clear()
        for u in users:
            roles = u["roles"]
            table.add_row(
                str(u["username"]),
                str(u["full_name"]),
                ", ".join(roles) if isinstance(roles, list) else str(roles),
                "yes" if u["active"] else "disabled",
                "locked" if u["locked"] else "",
                key=str(u["username"]),
            )

    def _current(self) -> str | None:
        table = self.query_one("#users", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _done(self, summary: str | None) -> None:
        if summary:
            self._status(summary, ok=True)
            self._load()

    def action_add(self) -> None:
        db, actor = self.app.db, self.actor  # type: ignore[attr-defined]

        def save(v: dict[str, str]) -> str:
            password = same_twice(v, "password", "again")
            add_user(
                db,
                actor,
                username=v["username"],
                full_name=v["full_name"],
                roles=[r.strip() for r in v["roles"].split(",") if r.strip()],
                password=password,
            )
            return f"User {v['username']} added ({v['roles']})"

        fields = [
            FormField("username", "Username"),
            FormField("full_name", "Full name"),
            FormField("roles", "Roles (comma-separated)"),
            FormField("password", "Password", secret=True),
            FormField("again", "Password again", secret=True),
        ]
        self.app.push_screen(
            RecordForm("Add a user", fields, save, note=f"Roles: {ROLES_HINT}"), self._done
        )

    def action_disable(self) -> None:
        username = self._current()
        if username is not None:
            self._disable(username)

    @work(thread=True, exclusive=True, group="disable", exit_on_error=False)
    def _disable(self, username: str) -> None:
        try:
            disable_user(self.app.db, self.actor, username)  # type: ignore[attr-defined]
        except LEDGER_FAILURES as exc:
            self.post_message(failure_message(exc))
            return
        self.app.call_from_thread(self._done, f"User {username} disabled")

    def action_reset(self) -> None:
        username = self._current()
        if username is None:
            return
        db, actor = self.app.db, self.actor  # type: ignore[attr-defined]

        def save(v: dict[str, str]) -> str:
            reset_password(db, actor, username, same_twice(v, "password", "again"))
            return f"Password of {username} reset"

        fields = [
            FormField("password", "New password", secret=True),
            FormField("again", "New password again", secret=True),
        ]
        self.app.push_screen(RecordForm(f"New password for {username}", fields, save), self._done)

    def _status(self, text: str, *, ok: bool = False) -> None:
        status = self.query_one("#users-status", Static)
        status.update(text)
        status.set_classes("success" if ok else "error")

    def on_refused(self, message: Refused) -> None:
        self._status(message.text)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self._status(message.text)
