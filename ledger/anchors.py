"""The anchor file: the ledger head written outside the database once a day, at first login.

Someone who can write the database file can rewrite the whole chain and recompute every
hash; `check` alone cannot see that. A head hash kept elsewhere can: it must still be in
the chain. When `VIALBOOK_ANCHOR_FILE` names a file, the first successful login of each
clinic day appends one line ``YYYY-MM-DD HEAD_HASH SEQ`` to it, and
`vialbook check --anchor-file PATH` checks every line. Keep the file where the database's
users cannot edit it (another machine, a write-once share, a printout).
"""

from __future__ import annotations

import fcntl
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ledger import clock
from ledger.chain import GENESIS_HASH
from ledger.database import Database
from ledger.errors import AnchorFileUnreadable

ANCHOR_FILE_ENV = "VIALBOOK_ANCHOR_FILE"
_LINE = re.compile(r"(\d{4}-\d{2}-\d{2}) ([0-9a-f]{64}) (\d+)")


@dataclass(frozen=True)
class Anchor:
    """One line of the anchor file."""

    #: The clinic day of the login that wrote it.
    day: date
    #: The ledger head hash at that moment.
    head: str
    #: How many movements the ledger held then.
    seq: int
    #: Its line number in the file, for messages.
    line: int


def anchor_file() -> Path | None:
    value = os.environ.get(ANCHOR_FILE_ENV, "").strip()
    return Path(value).expanduser() if value else None


def read_anchors(path: Path) -> list[Anchor]:
    """Every anchor in the file; a malformed line is refused by its number."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorFileUnreadable(f"cannot read anchor file {path}: {exc}") from None
    anchors = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        m = _LINE.fullmatch(line.strip())
        if m is None:
            raise AnchorFileUnreadable(f"{path} line {n}: expected 'YYYY-MM-DD HASH SEQ'")
        try:
            day = date.fromisoformat(m[1])
        except ValueError:
            raise AnchorFileUnreadable(f"{path} line {n}: {m[1]} is not a date") from None
        anchors.append(Anchor(day=day, head=m[2], seq=int(m[3]), line=n))
    return anchors


def provable_heads(anchors: list[Anchor]) -> list[str]:
    """Head hashes worth checking: an empty ledger's genesis hash proves nothing."""
    return list(dict.fromkeys(a.head for a in anchors if a.seq > 0 and a.head != GENESIS_HASH))


def note_login(db: Database) -> Anchor | None:
    """After a successful login: append today's anchor unless the file already has one."""
    path = anchor_file()
    if path is None:
        return None
    # Only with an anchor file set: every login passes here, most without one.
    from ledger.models import ChainHead, ClinicSettings

    with db.read() as session:
        settings = session.get(ClinicSettings, 1)
        head = session.get(ChainHead, 1)
        if settings is None or head is None:
            return None
        today = clock.clinic_today(settings.timezone)
        seq, digest = head.seq, head.hash
    path.parent.mkdir(parents=True, exist_ok=True)
    # 0600 like the database; O_APPEND so two workstations never overwrite each other.
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+", encoding="ascii") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # two logins at 8 a.m. write one line, not two
        f.seek(0)
        if any(line.startswith(today.isoformat() + " ") for line in f):
            return None
        anchor = Anchor(day=today, head=digest, seq=seq, line=0)
        f.write(f"{today.isoformat()} {digest} {seq}\n")
        f.flush()
        os.fsync(f.fileno())
    return anchor
