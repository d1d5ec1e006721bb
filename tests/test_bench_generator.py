"""The benchmark's bulk generator writes exactly the ledger the services write.

The bulk path exists only so that scale 100 can be generated in minutes; it is
worth nothing unless its movements, hashes, cache and records are the ones a
clinic using vialbook would have produced. Same seed, same plan, both writers,
then every table is compared row for row.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from bench import history
from bench.generate import generate, relax_durability
from bench.history import Layout, Profile
from ledger.check import run_check
from ledger.database import Database, open_database
from ledger.models import metadata

#: A busy fortnight at two sites, with every kind of event the plan knows made likely.
EVENTFUL = Profile(
    infusions_per_day=(5, 8),
    patients_per_site=12,
    vials_per_receipt=3,
    restock_below=2,
    breakages_per_working_day=0.3,
    reversals_per_infusion=0.08,
)
LAYOUT = Layout(sites=2, days=15)


def _ledger(path: Path, writer: str) -> Database:
    db = open_database(str(path))
    relax_durability(db)
    generate(db, layout=LAYOUT, profile=EVENTFUL, seed=3, path=writer)
    return db


def _rows(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, the audit trail included; password hashes differ by salt only."""
    out = {}
    with db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            cols = [c for c in table.columns if c.name != "password_hash"]
            rows = conn.execute(sa.select(*cols).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(r) for r in rows]
    return out


def test_the_bulk_path_writes_the_same_ledger_as_the_services(tmp_path: Path) -> None:
    by_services = _ledger(tmp_path / "services.db", "service")
    in_bulk = _ledger(tmp_path / "bulk.db", "bulk")

    served, bulk = _rows(by_services), _rows(in_bulk)

    kinds = Counter(row[3] for row in served["movement"])
    assert {"receive", "administer", "waste", "breakage", "adjustment", "reversal"} <= set(kinds)
    assert served["movement"] == bulk["movement"]  # ids, amounts, canonical fields, hashes
    for table in served:
        assert served[table] == bulk[table], f"{table} differs"
    assert run_check(in_bulk).ok and run_check(by_services).ok


def test_the_plan_is_the_same_for_the_same_seed() -> None:
    first = list(history.plan(LAYOUT, EVENTFUL, seed=3))
    again = list(history.plan(LAYOUT, EVENTFUL, seed=3))
    other = list(history.plan(LAYOUT, EVENTFUL, seed=4))
    assert first == again
    assert first != other
    assert [e.when for e in first] == sorted(e.when for e in first)
