"""Random clinics: hypothesis drives every service with valid and invalid input (see
clinic_machine.py) and checks the ledger after every step. CI: 200 examples of 30 steps."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from ledger.database import Database, open_database
from tests.reliability.children import STRESS
from tests.reliability.clinic_machine import OUTCOMES, ClinicMachine

EXAMPLES = int(os.environ.get("VIALBOOK_FUZZ_EXAMPLES", 2_000 if STRESS else 200))
STEPS = 30
#: Each PostgreSQL example is a fresh database from the template, so CI runs fewer.
PG_EXAMPLES = int(os.environ.get("VIALBOOK_FUZZ_PG_EXAMPLES", 200 if STRESS else 30))
PG_STEPS = 30


def test_no_sequence_of_actions_breaks_the_ledger(sqlite_template: str, tmp_path: Path) -> None:
    class Clinic(ClinicMachine):
        TEMPLATE = sqlite_template
        PATH = tmp_path / "fuzz.db"

    run_state_machine_as_test(
        Clinic,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    for outcome, n in sorted(OUTCOMES.items()):
        print(f"{n:6d}  {outcome}")
    # The generator must reach the ledger, not only its front door.
    assert OUTCOMES["infusion.record: accepted"] >= EXAMPLES // 2
    assert len({o for o in OUTCOMES if not o.endswith("accepted")}) >= 40


def test_no_sequence_of_actions_breaks_the_ledger_on_postgresql(pg_databases, pg_template) -> None:  # type: ignore[no-untyped-def]
    made: list[str] = []

    class Clinic(ClinicMachine):
        def fresh_database(self) -> Database:
            made.append(pg_databases.create(template=pg_template))
            return open_database(pg_databases.url(made[-1]))

        def forget_database(self) -> None:
            pg_databases.drop(made[-1])

    before = OUTCOMES["infusion.record: accepted"]
    run_state_machine_as_test(
        Clinic,
        settings=settings(
            max_examples=PG_EXAMPLES,
            stateful_step_count=PG_STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert len(made) >= PG_EXAMPLES // 2
    # The machine must reach PostgreSQL's ledger, not only the front door.
    assert OUTCOMES["infusion.record: accepted"] - before >= 5
