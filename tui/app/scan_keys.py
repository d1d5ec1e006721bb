"""Telling a barcode scanner from a person on a screen whose keys are commands (the dashboard).

A scanner types a vial label (K-2026-0913) and Enter in a burst, a few milliseconds a key; a
person types a key every tenth of a second or slower. On the dashboard every digit opens an
area, so the label's digits would open areas one after another. A burst starts with a key that
is no command there (a label's product letter, K or M) and takes every printable key that
follows within SCAN_GAP of the one before, digits too; Enter at the same pace ends it, and the
label is looked up instead of each key acting on its own. A key that comes later than that
is a person's again, and acts as usual.

The pace is read off the keys' own times (when the terminal delivered them), not off when the
app gets round to them: a busy app handles a person's keys late, all together, without them
looking like a scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import events

#: Longest pause between two keys of one scan, in seconds. Scanners send a key every 1-10 ms
#: (some are set to 20-30); people, even quick ones, leave 80 ms or more between keys.
SCAN_GAP = 0.05

#: The shortest text taken as a scan: a label is a product letter, a dash and a number.
SHORTEST_SCAN = 3


@dataclass
class ScanKeys:
    """The burst under way, if any: what it typed and when its last key came."""

    typed: list[str] = field(default_factory=list)
    last_at: float = 0.0

    def take(self, event: events.Key, *, is_command: bool) -> str | bool:
        """What `event` is to the screen: True if it belongs to a scan (nothing else happens
        to it), the label if it is the Enter that ends one, False if it is the user's own.

        `is_command` says whether the key does something on this screen by itself: such a key
        never starts a scan, so a person's "4" opens the vials at once.
        """
        going = bool(self.typed) and event.time - self.last_at <= SCAN_GAP
        if not going:
            self.typed = []
        if event.key in ("enter", "ctrl+j"):
            done, self.typed = "".join(self.typed), []
            return done if going and len(done) >= SHORTEST_SCAN else False
        if not event.is_printable or event.character is None:
            self.typed = []
            return False
        if not going and is_command:
            return False
        self.typed.append(event.character)
        self.last_at = event.time
        return True
