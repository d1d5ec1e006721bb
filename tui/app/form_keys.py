"""Enter and Tab on a form: down the fields as on paper, and on the last one, submit.

Every form of the app (login, infusion, receive, the witness and admin forms) moves the same
way, so the keys live here once. The bindings are priority bindings: they run on the app's own
task, so the focus has moved before the next key is handed on, and at a barcode scanner's pace
a character never lands in the field just left.

Editing keys (backspace, ctrl+u, ctrl+w, delete, home, the arrows…) need the same care. They
are not characters but the field's bindings, and Textual looks a binding up against the field
focused when the key, having passed through the field's queue, reaches the app: after an Enter
typed behind it, that is already the next field. So a form takes them as priority bindings too,
on arrival, and hands the edit to the field focused then, on that field's own queue, behind the
characters typed before it: every edit lands in the field it was typed in, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input

from tui.app.messages import KeysReady


def _field_edits() -> list[tuple[str, str]]:
    """(keys, action) of every editing key of a field: Input's own bindings, Enter aside."""
    edits = []
    for binding in Input.BINDINGS:
        assert isinstance(binding, Binding)
        if binding.action != "submit":
            edits.append((binding.key, binding.action))
    return edits


def form_bindings(prefix: str, enter: str, *, show_enter: bool = True) -> list[BindingType]:
    """Enter (and ctrl+j), Tab and shift+Tab for a form; binding ids start with `prefix`.

    ctrl+j is Enter typed before the terminal left line mode (a newline), or a scanner's line
    feed: it moves on just the same. The field's editing keys come with them (see above).
    """
    edits = [
        Binding(keys, f"edit_field({action!r})", "", priority=True, show=False)
        for keys, action in _field_edits()
    ]
    return [
        *edits,
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
        here: Widget | None = self._screen().focused
        if isinstance(here, Button):
            here.press()
            return
        self._when_keys_taken(self._enter)

    def _enter(self) -> None:
        screen = self._screen()
        here = screen.focused
        keys = self.form_fields()
        at = keys.index(here.id) if here is not None and here.id in keys else len(keys) - 1
        if at + 1 < len(keys):
            screen.set_focus(screen.query_one(f"#{keys[at + 1]}"))
        else:
            self.submit_form()

    def _when_keys_taken(self, move: Callable[[], object]) -> None:
        """`move` once the field left has taken its keys and the form has answered them.

        Which field comes next can hang on what was just typed (a start time typed late shows
        "Why late" below it): deciding on arrival, at a scanner's pace, would decide on a form
        that has not read the field yet, and the next text would land in the field after. So
        the keys typed from here on are held (the app's hold, as while a screen comes up); a
        callback goes through the field's queue twice (its keys, then the changes they made)
        and up through its containers to the screen (the change's handlers); then the focus
        moves and the held keys go on, in order, into the field now focused.
        """
        screen = self._screen()
        app = screen.app
        hold = getattr(app, "hold_keys", None)
        if hold is not None:
            hold()
        here = screen.focused
        path: list[Widget] = []
        if here is not None:
            path = [here]
            for node in here.ancestors:
                if node is screen or not isinstance(node, Widget):
                    break
                path.append(node)
        steps = [*path[:1], *path, screen]

        def step() -> None:
            while steps:
                if steps.pop(0).call_later(step):
                    return  # on again from inside that queue
                # Not running any more (gone from the screen): nothing of it to wait for.
            try:
                move()
            finally:
                if hold is not None:
                    app.post_message(KeysReady())

        step()

    def action_edit_field(self, action: str) -> None:
        """The edit goes to the field focused as it was typed, after the keys typed before it."""
        field = self._screen().focused
        if isinstance(field, Input):
            field.call_later(field.run_action, action)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Off a field (on a button, a list) an editing key is that widget's, as usual.
        if action == "edit_field":
            return isinstance(self._screen().focused, Input)
        return super().check_action(action, parameters)  # type: ignore[misc]

    def action_next_field(self) -> None:
        self._when_keys_taken(self._screen().focus_next)

    def action_previous_field(self) -> None:
        self._when_keys_taken(self._screen().focus_previous)

    def _screen(self) -> Screen[Any]:
        assert isinstance(self, Screen), "FormKeys is mixed into a Screen"
        return self
