"""Invoice and credit-note numbers stay gapless and unique with eight desks issuing at once."""

from __future__ import annotations

import json

from ledger.check import run_check
from ledger.database import Database
from ledger.services.billing import prices
from tests.reliability.children import start_worker
from tests.support import Clinic

DESKS = 8
ISSUES_PER_DESK = 6


def _run_desks(db: Database) -> list[dict[str, object]]:
    procs = [start_worker("billing_desk", db.url, ISSUES_PER_DESK) for _ in range(DESKS)]
    try:
        for p in procs:
            assert p.stdout is not None
            ready = p.stdout.readline()
            assert ready.strip() == '{"ready": true}', p.stderr.read() if p.stderr else ready
        for p in procs:  # every desk holds its drafts: start them together
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        out = []
        for p in procs:
            stdout, err = p.communicate(timeout=240)
            assert p.returncode == 0, err
            said = [json.loads(line) for line in stdout.splitlines()]
            assert said[-1] == {"done": True}, err
            out.extend(said[:-1])
        return out
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def test_eight_desks_issuing_at_once_get_gapless_unique_numbers(clinic: Clinic) -> None:
    prices.set_price(clinic.db, clinic.actor("bella"), code="MOOD", description="Mood infusion",
                     price_cents=45_000)  # fmt: skip
    said = _run_desks(clinic.db)
    numbers = [str(line["number"]) for line in said if "number" in line]
    notes = [str(line["credit_note"]) for line in said if "credit_note" in line]
    year = numbers[0].split("-")[1]
    assert sorted(numbers) == [f"INV-{year}-{n:06d}" for n in range(1, DESKS * ISSUES_PER_DESK + 1)]
    per_desk = -(-ISSUES_PER_DESK // 3)
    assert sorted(notes) == [f"CN-{year}-{n:06d}" for n in range(1, DESKS * per_desk + 1)]
    with clinic.db.engine.connect() as conn:
        stored = (
            conn.exec_driver_sql(
                "SELECT number FROM invoice WHERE number IS NOT NULL ORDER BY number"
            )
            .scalars()
            .all()
        )
    assert stored == sorted(numbers)
    assert run_check(clinic.db).ok
