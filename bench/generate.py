"""Generate a realistic clinic-chain history: `bench/generate.py --clinic-years N --db URL`.

Small scales go through the public service layer, large ones through the bulk
path, which writes byte-identical rows and hashes (tests/test_bench_generator.py).
`--journals DIR` also writes the same ledger for hledger and beancount.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench import history  # noqa: E402
from bench.bulk_writer import write_in_bulk  # noqa: E402
from bench.clinic import set_up_chain  # noqa: E402
from bench.history import Layout, Profile  # noqa: E402
from bench.journals import write_journals  # noqa: E402
from bench.service_writer import write_with_services  # noqa: E402
from ledger import clock, passwords, schema  # noqa: E402
from ledger.database import Database, open_database  # noqa: E402
from ledger.models import Movement  # noqa: E402
from ledger.models.base import table_of  # noqa: E402

#: Up to this many clinic-years, `--path auto` goes through the services.
SERVICE_PATH_UP_TO = 1


def relax_durability(db: Database) -> None:
    """A generated ledger is rebuilt, not recovered: skip the fsync per commit while writing.

    The product's own connect hook runs first and sets synchronous=FULL; this one
    runs after it. Only the generator does this; the metrics use the product as is.
    """

    def _sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    def _pg(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute("SET synchronous_commit = off")
        dbapi_connection.commit()

    event.listen(db.engine, "connect", _sqlite if db.is_sqlite else _pg)


@dataclass(frozen=True)
class Generated:
    clinic_years: float
    path: str
    sites: int
    days: int
    infusions: int
    movements: int
    seconds: float


def generate(
    db: Database,
    *,
    layout: Layout,
    profile: Profile = Profile(),
    seed: int = 1,
    path: str = "bulk",
) -> tuple[int, int]:
    """Set up the chain and write its history on an empty database. (infusions, movements)"""
    passwords.use_cheap_hashing_for_tests_and_demo()
    schema.upgrade(db)
    try:
        chain = set_up_chain(db, layout, profile, seed)
        events = history.plan(layout, profile, seed)
        writer = write_with_services if path == "service" else write_in_bulk
        infusions = writer(db, chain, events)
    finally:
        clock.set_clock(None)
    with db.engine.connect() as conn:
        movements = conn.execute(sa.select(sa.func.count()).select_from(table_of(Movement)))
        return infusions, int(movements.scalar() or 0)


def _empty_target(url: str, replace: bool) -> None:
    if "://" in url:
        return  # a server database: schema.upgrade refuses nothing, so it must be new
    target = Path(url)
    for extra in ("", "-wal", "-shm"):
        f = Path(str(target) + extra)
        if f.exists():
            if not replace:
                raise SystemExit(f"{target} exists; pass --replace to overwrite it")
            f.unlink()


def main(argv: list[str] | None = None) -> Generated:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clinic-years", type=float, required=True)
    ap.add_argument("--db", required=True, help="SQLAlchemy URL or SQLite file path")
    ap.add_argument("--journals", type=Path, help="also write ledger.journal and .beancount here")
    ap.add_argument("--path", choices=("auto", "service", "bulk"), default="auto")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--replace", action="store_true", help="overwrite an existing SQLite file")
    ap.add_argument(
        "--busy-site",
        action="store_true",
        help="one site doing ~100 infusions a day (administration-log exports)",
    )
    args = ap.parse_args(argv)
    path = args.path
    if path == "auto":
        path = "service" if args.clinic_years <= SERVICE_PATH_UP_TO else "bulk"
    _empty_target(args.db, args.replace)
    db = open_database(args.db)
    relax_durability(db)
    layout = history.layout_for(args.clinic_years)
    profile = Profile()
    if args.busy_site:
        # The same clinic-years of infusions, all at one registration.
        profile = history.BUSY_SITE
        layout = Layout(sites=1, days=max(1, round(args.clinic_years * 365 / 5)))
    started = time.perf_counter()
    infusions, movements = generate(db, layout=layout, profile=profile, seed=args.seed, path=path)
    seconds = time.perf_counter() - started
    if args.journals:
        write_journals(db, args.journals)
    db.dispose()
    result = Generated(
        args.clinic_years, path, layout.sites, layout.days, infusions, movements, seconds
    )
    print(json.dumps(result.__dict__))
    return result


if __name__ == "__main__":
    main()
