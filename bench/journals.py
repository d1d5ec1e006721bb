"""The same ledger as an hledger journal and a beancount file, for the `check` comparison.

One transaction per infusion (its administer and waste movements together), per
reversal of an infusion, and per other movement. Each vial is an account in µg
(commodity UG). Every vial's final balance is asserted, which is what vialbook's
check proves against its cache; hledger and beancount also prove every
transaction balances. They have nothing like the hash chain, so they do less work
per entry than vialbook does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa

from ledger.database import Database
from ledger.models import Infusion, Movement, Patient, Vial, VialBalance
from ledger.models.base import table_of

COUNTER = {
    "receive": "Equity:Received",
    "administer": "Expenses:Administered",
    "waste": "Expenses:Wasted",
    "breakage": "Expenses:Breakage",
    "adjustment": "Expenses:CountAdjustment",
    "reversal": "Expenses:Reversed",
    "destroy": "Expenses:Destroyed",
    "return": "Expenses:Returned",
    "loss": "Expenses:Lost",
    "transfer_out": "Equity:Transfers",
    "transfer_in": "Equity:Transfers",
}


def _key(row: sa.Row[Any]) -> tuple[int | None, bool]:
    return row.infusion_id, row.kind == "reversal"


def _groups(conn: sa.Connection) -> Iterator[list[sa.Row[Any]]]:
    """Movements in chain order, an infusion's (or its reversal's) movements together."""
    m = table_of(Movement)
    stmt = sa.select(
        m.c.id, m.c.event_at, m.c.kind, m.c.vial_id, m.c.amount_ug, m.c.infusion_id
    ).order_by(m.c.id)
    group: list[sa.Row[Any]] = []
    for row in conn.execution_options(yield_per=10_000).execute(stmt):
        key = _key(row)
        if group and (row.infusion_id is None or key != _key(group[0])):
            yield group
            group = []
        group.append(row)
    if group:
        yield group


def write_journals(db: Database, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    hledger_path, bean_path = out_dir / "ledger.journal", out_dir / "ledger.beancount"
    with db.engine.connect() as conn:
        v, b, p = table_of(Vial), table_of(VialBalance), table_of(Patient)
        labels: dict[int, str] = dict(conn.execute(sa.select(v.c.id, v.c.label)).all())
        last = {
            r.last_movement_id: (r.vial_id, r.balance_ug)
            for r in conn.execute(sa.select(b.c.vial_id, b.c.last_movement_id, b.c.balance_ug))
        }
        balances = {vial: bal for vial, bal in last.values()}
        m = table_of(Movement)
        span = sa.select(sa.func.min(m.c.event_at), sa.func.max(m.c.event_at))
        first_day, last_day = conn.execute(span).one()
        i = table_of(Infusion)
        mrn = dict(conn.execute(sa.select(i.c.id, p.c.mrn).join(p, p.c.id == i.c.patient_id)).all())
        with hledger_path.open("w") as hl, bean_path.open("w") as bc:
            _headers(bc, first_day.date(), labels)
            for group in _groups(conn):
                _write_group(hl, bc, group, labels, last, mrn)
            # beancount asserts at the start of a day, so the day after the last entry.
            check_day = last_day.date() + timedelta(days=1)
            for vial, label in sorted(labels.items()):
                bc.write(f"{check_day} balance Assets:Stock:{label}  {balances.get(vial, 0)} UG\n")
    return hledger_path, bean_path


def _headers(bc: TextIO, first: date, labels: dict[int, str]) -> None:
    bc.write('option "title" "vialbook bench"\n\n')
    for account in sorted(set(COUNTER.values())):
        bc.write(f"{first} open {account} UG\n")
    for _, label in sorted(labels.items()):
        bc.write(f"{first} open Assets:Stock:{label} UG\n")
    bc.write("\n")


def _write_group(
    hl: TextIO,
    bc: TextIO,
    group: list[sa.Row[Any]],
    labels: dict[int, str],
    last: dict[int, tuple[int, int]],
    mrn: dict[int, str],
) -> None:
    head = group[0]
    day = head.event_at.date()
    if head.infusion_id is not None:
        what = "reversal of infusion" if head.kind == "reversal" else "infusion"
        title = f"{what} {head.infusion_id} patient {mrn.get(head.infusion_id, '?')}"
    else:
        title = f"{head.kind} movement {head.id}"
    hl.write(f"{day} {title}\n")
    bc.write(f'{day} * "{title}"\n')
    for row in group:
        account = f"Stock:{labels[row.vial_id]}"
        counter = COUNTER[row.kind]
        asserted = last.get(row.id)
        tail = f" = {asserted[1]} UG" if asserted else ""
        hl.write(f"    assets:{account.lower()}  {row.amount_ug} UG{tail}\n")
        hl.write(f"    {counter.lower()}  {-row.amount_ug} UG\n")
        bc.write(f"  Assets:{account}  {row.amount_ug} UG\n")
        bc.write(f"  {counter}  {-row.amount_ug} UG\n")
    hl.write("\n")
    bc.write("\n")
