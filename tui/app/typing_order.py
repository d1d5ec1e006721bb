"""Keys typed fast: act on a form only once every field has taken the keys handed to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen
from textual.widgets import Input


def after_typing(screen: Screen[Any], then: Callable[[], object]) -> None:
    """Call `then` once each Input on `screen` has processed the keys already queued for it.

    Enter is handled on the app's task (a priority binding) so the focus moves at once, but
    each field takes its characters on its own queue: at a scanner's pace the last field may
    still hold unprocessed keys when Enter records. A callback queued behind them, field by
    field, runs only after all of them.
    """
    pending = list(screen.query(Input))

    def step() -> None:
        if pending:
            pending.pop().call_later(step)
        else:
            then()

    step()
