"""Several workstations at once: no vial is overdrawn and no committed infusion is lost or doubled.

Each worker is a separate OS process with its own connection, started at the same instant,
recording infusions and wastes against the same three vials until they run dry.
"""

from __future__ import annotations

import json
from collections import Counter

import sqlalchemy as sa

from ledger.database import Database
from tests.reliability.children import STRESS, start_worker
from tests.reliability.soundness import assert_ledger_sound, infusion_ids, movement_ids

WORKERS = 12 if STRESS else 6
OPS_PER_WORKER = 60 if STRESS else 15
VIALS = ["K-000001", "K-000002", "K-000003"]
#: (nurse, witness) pairs; the registrant records infusions too.
STAFF = [("nina", "omar"), ("omar", "nina"), ("drkim", "nina")]
#: The only refusals a race between honest workers may produce.
RACE_REFUSALS = {"InsufficientBalance", "VialNotUsable"}


def _run_workers(db: Database) -> list[list[dict[str, object]]]:
    procs = []
    for i in range(WORKERS):
        nurse, witness = STAFF[i % len(STAFF)]
        procs.append(
            start_worker("chair", db.url, nurse, witness, 1000 + i, OPS_PER_WORKER, *VIALS)
        )
    try:
        for p in procs:
            assert p.stdout is not None
            ready = p.stdout.readline()
            assert ready.strip() == '{"ready": true}', p.stderr.read() if p.stderr else ready
        for p in procs:  # every worker is logged in and waiting: start them together
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outputs = []
        for p in procs:
            out, err = p.communicate(timeout=240)
            assert p.returncode == 0, err
            lines = [json.loads(line) for line in out.splitlines()]
            assert lines[-1] == {"done": True}, err
            outputs.append(lines[:-1])
        return outputs
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def _drained(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT v.label, v.received_ug - b.balance_ug FROM vial v "
                "JOIN vial_balance b ON b.vial_id = v.id"
            )
        )
        return {label: taken for label, taken in rows if label in VIALS}


def _check_accounts(db: Database, outputs: list[list[dict[str, object]]], before: list[int]):  # type: ignore[no-untyped-def]
    committed = [line for lines in outputs for line in lines if "ok" in line]
    refused = Counter(line["refused"] for lines in outputs for line in lines if "refused" in line)
    reported_moves = [m for line in committed for m in line["movement_ids"]]  # type: ignore[attr-defined]
    new_moves = [m for m in movement_ids(db) if m not in set(before)]
    # Every movement a worker was told is committed is there exactly once, and nothing else
    # is: a refused action left no movement behind.
    assert sorted(reported_moves) == new_moves
    assert len(set(reported_moves)) == len(reported_moves)
    return committed, refused


def test_six_workstations_never_overdraw_a_shared_vial(db: Database) -> None:
    moves_before, infusions_before = movement_ids(db), infusion_ids(db)
    outputs = _run_workers(db)
    committed, refused = _check_accounts(db, outputs, moves_before)

    reported_infusions = [line["infusion_id"] for line in committed if line["ok"] == "infusion"]
    assert len(set(reported_infusions)) == len(reported_infusions)
    assert sorted(reported_infusions) == [i for i in infusion_ids(db) if i not in infusions_before]

    # What left each vial is exactly what the workers were told they took.
    taken: Counter[str] = Counter()
    for line in committed:
        taken[str(line["vial"])] += int(line["drawn"])  # type: ignore[call-overload]
    assert _drained(db) == {v: taken[v] for v in VIALS}

    # The workers asked for far more than three vials hold, so the race was real.
    assert set(refused) <= RACE_REFUSALS, refused
    assert sum(refused.values()) > 0
    assert sum(1 for lines in outputs if any("ok" in line for line in lines)) > 1
    assert_ledger_sound(db)

    # Each refusal was audited after its rollback, once.
    with db.engine.connect() as conn:
        audited = conn.execute(
            sa.text(
                "SELECT COUNT(*) FROM audit_event WHERE outcome = 'refused' "
                "AND action IN ('infusion.record', 'waste')"
            )
        ).scalar_one()
    assert audited == sum(refused.values())
    print(
        f"{WORKERS} processes: {len(reported_infusions)} infusions and "
        f"{len(committed) - len(reported_infusions)} wastes committed, {dict(refused)} refused"
    )
