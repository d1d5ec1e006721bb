"""Enter and Tab on a form: down the fields as on paper, and on the last one, submit.

Every form of the app (login, infusion, receive, the witness and admin forms) moves the same
way, so the keys live here once. The bindings are priority bindings: they run on the app's own
task, so the focus has moved before the next key is handed on, and at a barcode scanner's pace
a character never lands in the field just left.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input


def form_bindings(prefix: str, enter: str, *, show_enter: bool = True) -> list[Binding]:
    """Enter (and ctrl+j), Tab and shift+Tab for a form; binding ids start with `prefix`.

    ctrl+j is Enter typed before the terminal left line mode (a newline), or a scanner's line
    feed: it moves on just the same.
    """
    return [
        Binding(
            "enter,ctrl+j", "enter", enter, id=f"{prefix}_enter", priority=True, show=show_enter
        ),
        Binding("tab", "next_field", "Next field", id=f"{prefix}_next", priority=True, show=False),
        Binding(
            "shift+tab",
            "previous_field",
            "Previous field",
            id=f"{prefix}_previous",
            priority=True,
            show=False,
        ),
    ]


class FormKeys:
    """Mixed into a Screen (before it: `class X(FormKeys, Screen[...])`) with form_bindings.

    The screen says which fields Enter walks (`form_fields`, by default every shown Input in
    order) and what submitting is (`submit_form`).
    """

    def form_fields(self) -> list[str]:
        """The ids of the fields Enter walks, in order; Enter on the last one submits."""
        return [w.id for w in self._screen().query(Input) if w.display and w.id]

    def submit_form(self) -> None:
        raise NotImplementedError

    def action_enter(self) -> None:
        screen = self._screen()
        here: Widget | None = screen.focused
        if isinstance(here, Button):
            here.press()
            return
        keys = self.form_fields()
        at = keys.index(here.id) if here is not None and here.id in keys else len(keys) - 1
        if at + 1 < len(keys):
            screen.set_focus(screen.query_one(f"#{keys[at + 1]}"))
        else:
            self.submit_form()

    def action_next_field(self) -> None:
        self._screen().focus_next()

    def action_previous_field(self) -> None:
        self._screen().focus_previous()

    def _screen(self) -> Screen[Any]:
        assert isinstance(self, Screen), "FormKeys is mixed into a Screen"
        return self
