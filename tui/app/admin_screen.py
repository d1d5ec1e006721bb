"""Administration (admin only): the way to users, clinic settings, the catalogue and patients."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList
from textual.widgets.option_list import Option

from ledger.access import Actor
from tui.app.plain import Plain

#: (option id, what it opens, key): each opens its own screen.
SECTIONS = [
    ("users", "Users: add with roles, disable, reset a password", "u"),
    ("settings", "Clinic settings", "s"),
    ("catalogue", "Registrations, suppliers and products", "g"),
    ("patients", "Patients: add, import a CSV", "t"),
]


class AdminScreen(Screen[None]):
    BINDINGS = [
        Binding("u", "open('users')", "Users", id="admin_users"),
        Binding("s", "open('settings')", "Settings", id="admin_settings"),
        Binding("g", "open('catalogue')", "Catalogue", id="admin_catalogue"),
        Binding("t", "open('patients')", "Patients", id="admin_patients"),
        Binding("escape", "app.pop_screen", "Back", id="admin_back"),
    ]

    def __init__(self, actor: Actor) -> None:
        super().__init__()
        self.actor = actor

    def compose(self) -> ComposeResult:
        yield Header()
        yield Plain("Administration", classes="section")
        yield OptionList(
            *[Option(f"{key}  {text}", id=name) for name, text, key in SECTIONS], id="admin-menu"
        )
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#admin-menu", OptionList))

    @on(OptionList.OptionSelected, "#admin-menu")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.action_open(str(event.option.id))

    def action_open(self, section: str) -> None:
        if section == "users":
            from tui.app.admin_users_screen import AdminUsersScreen

            self.app.push_screen(AdminUsersScreen(self.actor))
        elif section == "settings":
            from tui.app.admin_settings_screen import AdminSettingsScreen

            self.app.push_screen(AdminSettingsScreen(self.actor))
        elif section == "catalogue":
            from tui.app.admin_catalogue_screen import AdminCatalogueScreen

            self.app.push_screen(AdminCatalogueScreen(self.actor))
        elif section == "patients":
            from tui.app.admin_patients_screen import AdminPatientsScreen

            self.app.push_screen(AdminPatientsScreen(self.actor))
