"""A chair that is killed mid-work: records infusions in a loop and prints each committed id.

    python -m tests.reliability.workers.crash_loop DB_URL

Importing the ledger takes most of a second, so this process imports once and then, for
each ``run`` line on stdin, forks a child that does the work. The child prints
``child PID``, then ``committed INFUSION_ID`` after each commit (flushed at once); the test
SIGKILLs the child at a random moment, and this process prints ``reaped PID`` once it is
gone. The child never touches a connection of this process: it opens its own.
"""

from __future__ import annotations

import os
import sys

from ledger.auth import Credentials, login
from ledger.database import open_database
from ledger.errors import Refusal
from ledger.services.infusions import record_infusion
from tests.support import pw

VIALS = ["K-000001", "K-000002", "K-000003", "K-000004", "K-000005"]


def say(text: str) -> None:
    # One write per line, below PIPE_BUF, so parent and child lines never interleave.
    os.write(1, (text + "\n").encode())


def chair(url: str, round_no: int) -> None:
    say(f"child {os.getpid()}")
    db = open_database(url)
    nurse = login(db, "nina", pw("nina"))
    witness = Credentials("omar", pw("omar"))
    for n in range(100_000):
        vial = VIALS[(round_no + n) % len(VIALS)]
        try:
            result = record_infusion(
                db,
                nurse,
                patient="MRN1",
                vial=vial,
                drawn_ug=3_000,
                given_ug=2_500,
                wasted_ug=500,
                witness=witness,
            )
        except Refusal:
            continue  # this vial ran dry; the next one is tried
        say(f"committed {result.infusion_id}")


def main(url: str) -> None:
    say("ready")
    for round_no, line in enumerate(sys.stdin):
        if line.strip() != "run":
            break
        pid = os.fork()
        if pid == 0:
            try:
                chair(url, round_no)
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        say(f"reaped {pid} {status}")


if __name__ == "__main__":
    main(sys.argv[1])
