"""Messages that cross screens: what became of ledger work done in worker threads."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class Refused(Message):
    """A service refused; the text names the rule and is shown as it is."""

    text: str


@dataclass
class DatabaseFailed(Message):
    """The database could not do the work (unreachable, locked, full).

    The text is one plain sentence for the person at the screen: never a traceback,
    never the values that were being saved.
    """

    text: str


@dataclass
class LedgerChanged(Message):
    """Something was recorded; screens showing stock should reload."""

    summary: str


@dataclass
class KeysReady(Message):
    """A screen that takes typing has its first field focused: keys held for it may go on."""


@dataclass
class ClinicLoaded(Message):
    """The ledger is open and the clinic's name was read (or could not be: then it is empty).

    `hint` is the login screen's line read from the ledger (the demo's logins), if any."""

    name: str
    hint: str = ""
