"""A save's outcome is shown to the person who started it: never over the lock, never to the
next user.

A form's save runs in a worker; the idle lock may cover the form while it runs. Dismissing the
form then would pop the top screen, which is the lock (unlocking without a password), and show
the patient's name to whoever is at the workstation. So the outcome, and a save whose typing is
still being taken, wait until the form is on top again: when the same nurse unlocks, it
carries on where she was. When someone else logs in instead, the app discards the form, it is
never on top again, and what waited for it goes with it: never shown to them, never started
in their session.

A save already running when the lock came goes on: it was started, by the nurse who pressed
Record, under her own name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen


class KeptUnderTheLock:
    """Mixed into a form's Screen (before it): `when_seen` runs what shows or starts a save."""

    def when_seen(self, then: Callable[[], object]) -> None:
        """`then` now if the form is on top; once it is again if covered; never if discarded."""
        screen = self._form_screen()
        if screen.is_active:
            then()
        elif screen in screen.app.screen_stack:
            self._waiting().append(then)

    def on_screen_resume(self) -> None:
        waiting = self._waiting()
        while waiting and self._form_screen().is_active:
            waiting.pop(0)()

    def _waiting(self) -> list[Callable[[], object]]:
        found: list[Callable[[], object]] = self.__dict__.setdefault("_waiting_to_be_seen", [])
        return found

    def _form_screen(self) -> Screen[Any]:
        assert isinstance(self, Screen), "KeptUnderTheLock is mixed into a Screen"
        return self
