"""A problem `check` found: the rule it breaks, what is wrong, and the movement it is at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    movement_id: int | None
    rule: str
    message: str

    def as_json(self) -> dict[str, object]:
        return {"movement_id": self.movement_id, "rule": self.rule, "message": self.message}


#: Where each check reports a problem.
Add = Callable[[Problem], None]


def movement_id(value: Any) -> int | None:
    """A stored id as a movement number, or None when tampering left something else there."""
    return value if type(value) is int else None


def shown(value: Any, limit: int = 40) -> str:
    """A stored value for a message: its repr, cut short (a forged value can be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
