"""Text the app shows as it is, never as Rich markup.

Textual reads a `str` given to Static, Label or a DataTable cell as markup: a patient
"Ann [b]Lee" would print bold, and a reason or a refusal quoting "[/]" as typed would stop
the screen with a MarkupError. What the app shows comes from the ledger and from people's
typing, so it is all plain text. (Only Textual and Rich here: the login imports this.)
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Label, Static


class Plain(Static):
    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(content, **kwargs)


class PlainLabel(Label):
    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        super().__init__(content, **kwargs)


def plain(cell: object) -> object:
    """A table's text cell as Text (its first line: rows are one line high); else as is."""
    if isinstance(cell, str):
        return Text(cell.split("\n", 1)[0], end="")
    return cell
