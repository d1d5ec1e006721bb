"""One billing desk: prepares draft invoices, then issues them (and a credit note on every
third) as fast as it can, printing each number it was given.

    python -m tests.reliability.workers.billing_desk DB_URL OPS

It prepares its drafts, prints ``ready``, waits for one line on stdin (so every desk starts
issuing at the same instant), then issues and prints ``done``.
"""

from __future__ import annotations

import json
import sys

from ledger.auth import login
from ledger.database import open_database
from ledger.services.billing import corrections, invoices, lines
from tests.support import pw


def say(**line: object) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> None:
    url, ops = argv
    db = open_database(url)
    bella = login(db, "bella", pw("bella"))
    drafts = []
    for i in range(int(ops)):
        draft = invoices.new_invoice(db, bella, patient="MRN1" if i % 2 else "MRN2")
        lines.add_item_line(db, bella, draft, code="MOOD")
        drafts.append(draft)
    say(ready=True)
    sys.stdin.readline()
    for i, draft in enumerate(drafts):
        issued = invoices.issue_invoice(db, bella, draft)
        say(invoice=issued.invoice_id, number=issued.number)
        if i % 3 == 0:
            note = corrections.credit_note(
                db, bella, issued.number, amount_cents=100, reason="goodwill"
            )
            say(credit_note=note.number)
    say(done=True)


if __name__ == "__main__":
    main(sys.argv[1:])
