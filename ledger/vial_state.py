"""A vial's states (sealed, open, empty...): plain values readable without loading the models."""

from __future__ import annotations

import enum


class VialState(enum.StrEnum):
    SEALED = "sealed"
    OPEN = "open"
    EMPTY = "empty"
    QUARANTINED = "quarantined"
    DESTROYED = "destroyed"
    RETURNED = "returned"
