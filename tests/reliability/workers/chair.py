"""One workstation at the chair: records infusions and wastes against shared vials, as fast as
it can, and prints one JSON line per outcome so the test can account for every commit.

    python -m tests.reliability.workers.chair DB_URL NURSE WITNESS SEED OPS VIAL [VIAL...]

It logs in, prints ``ready``, waits for one line on stdin (so every worker starts at the same
instant), then runs OPS actions and prints ``done``.
"""

from __future__ import annotations

import json
import random
import sys

from ledger.auth import Credentials, login
from ledger.database import open_database
from ledger.errors import Refusal
from ledger.services.disposal import waste
from ledger.services.infusions import record_infusion
from tests.support import pw


def say(**line: object) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> None:
    url, nurse, witness_name, seed, ops, *vials = argv
    rng = random.Random(int(seed))
    db = open_database(url)
    actor = login(db, nurse, pw(nurse))
    witness = Credentials(witness_name, pw(witness_name))
    say(ready=True)
    sys.stdin.readline()
    for _ in range(int(ops)):
        vial = rng.choice(vials)
        try:
            if rng.random() < 0.75:
                wasted = rng.randrange(0, 6) * 1_000
                drawn = rng.randrange(20, 121) * 1_000
                result = record_infusion(
                    db,
                    actor,
                    patient=rng.choice(["MRN1", "MRN2"]),
                    vial=vial,
                    drawn_ug=drawn,
                    given_ug=drawn - wasted,
                    wasted_ug=wasted,
                    witness=witness,
                )
                say(
                    ok="infusion",
                    infusion_id=result.infusion_id,
                    movement_ids=result.movement_ids,
                    vial=vial,
                    drawn=drawn,
                )
            else:
                amount = rng.randrange(1, 31) * 1_000
                posted = waste(
                    db,
                    actor,
                    vial=vial,
                    amount_ug=amount,
                    reason="residue after a spill on the tray",
                    method="drug-disposal container",
                    witness=witness,
                )
                say(ok="waste", movement_ids=posted.movement_ids, vial=vial, drawn=amount)
        except Refusal as exc:
            say(refused=exc.rule, vial=vial)
    say(done=True)
    db.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
