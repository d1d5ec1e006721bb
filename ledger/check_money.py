"""`check`: the money chain and the billing records it seals.

Issued invoices, credit notes, voids, payments, refunds, patient credit and package-credit
movements each appended one money entry, hash-linked (ledger/chain.py `money_hash`). These
checks re-derive every hash and link in one streaming pass, then compare each sealed record
with its entry in SQL: an edit made with the guards removed shows either as a broken hash or
as a record that no longer says what its entry sealed. Problems name no movement (they are
not in the drug chain); their message names the money entry or record.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from ledger.chain import GENESIS_HASH, MONEY_FIELDS, money_hash
from ledger.models import (
    CreditMovement,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceVoid,
    MoneyEntry,
    MoneyHead,
    PackageCredit,
    PackageRefund,
    PatientCredit,
    Payment,
    PaymentRefund,
)
from ledger.models.base import table_of
from ledger.problem import Add, Problem, shown


def money_chain(conn: sa.Connection, add: Add) -> None:
    """Sequence, links and hashes of every money entry, streamed; then the head."""
    e = table_of(MoneyEntry)
    expected_id, expected_prev = 1, GENESIS_HASH
    rows = conn.execution_options(yield_per=2000).execute(sa.select(e).order_by(e.c.id))
    for row in rows:
        r = row._mapping
        mid = r["id"]
        if mid != expected_id:
            add(
                Problem(
                    None,
                    "MoneySequenceGap",
                    f"money entry {shown(mid)} follows {expected_id - 1}; entries are "
                    "missing or reordered",
                )
            )
        if r["prev_hash"] != expected_prev:
            add(
                Problem(
                    None,
                    "MoneyChainBroken",
                    f"money entry {shown(mid)} does not link to the entry before it",
                )
            )
        try:
            derived = money_hash(str(r["prev_hash"]), {name: r[name] for name in MONEY_FIELDS})
        except (ValueError, TypeError) as exc:
            add(
                Problem(
                    None,
                    "MalformedValue",
                    f"money entry {shown(mid)} holds a value vialbook cannot read ({exc})",
                )
            )
        else:
            if derived != r["hash"]:
                add(
                    Problem(
                        None,
                        "MoneyHashMismatch",
                        f"money entry {shown(mid)}'s content does not match its hash; it "
                        "was altered",
                    )
                )
        expected_prev = str(r["hash"])
        expected_id = (mid if isinstance(mid, int) else expected_id) + 1
    h = table_of(MoneyHead)
    head = conn.execute(sa.select(h.c.seq, h.c.hash).where(h.c.id == 1)).first()
    if head is None or (head[0], head[1]) != (expected_id - 1, expected_prev):
        add(
            Problem(
                None, "MoneyHeadMismatch", "the money chain's head does not name its last entry"
            )
        )


def _sealed(
    table: sa.Table,
    kind: sa.ColumnElement[bool] | None,
    amount: sa.ColumnElement[int],
    *,
    joins: Callable[[sa.FromClause], sa.FromClause] = lambda f: f,
    document: sa.ColumnElement[str] | None = None,
) -> Callable[[sa.Connection, Add], None]:
    """A check that every row of `table` has its entry and still says what the entry sealed."""
    name = table.name

    def check(conn: sa.Connection, add: Add) -> None:
        e = table_of(MoneyEntry)
        on = sa.and_(e.c.source_table == name, e.c.source_id == table.c.id)
        differs = [e.c.amount_cents.is_distinct_from(amount)]
        if document is not None:
            differs.append(e.c.document.is_distinct_from(document))
        stmt = (
            sa.select(table.c.id, e.c.id)
            .select_from(joins(table.outerjoin(e, on)))
            .where(sa.or_(e.c.id.is_(None), *differs))
            .order_by(table.c.id)
        )
        if kind is not None:
            stmt = stmt.where(kind)
        for row_id, entry_id in conn.execute(stmt):
            if entry_id is None:
                add(
                    Problem(
                        None,
                        "MoneyRecordUnsealed",
                        f"{name} {shown(row_id)} has no money chain entry; it was written "
                        "outside vialbook",
                    )
                )
            else:
                add(
                    Problem(
                        None,
                        "MoneyRecordAltered",
                        f"{name} {shown(row_id)} no longer matches money entry {entry_id}; "
                        "it was altered",
                    )
                )

    return check


def _invoice_lines(conn: sa.Connection, add: Add) -> None:
    """An issued invoice's total is still the sum of its lines."""
    inv, line = table_of(Invoice), table_of(InvoiceLine)
    total = (
        sa.select(sa.func.coalesce(sa.func.sum(line.c.line_cents), 0))
        .where(line.c.invoice_id == inv.c.id)
        .scalar_subquery()
    )
    stmt = sa.select(inv.c.number).where(
        inv.c.status != "draft", inv.c.total_cents.is_distinct_from(total)
    )
    for (number,) in conn.execute(stmt):
        add(
            Problem(
                None,
                "InvoiceLinesAltered",
                f"invoice {shown(number)}'s lines no longer add up to its total",
            )
        )


def _numbers(table: sa.Table, series: str) -> Callable[[sa.Connection, Add], None]:
    """Numbers of a series run 1..n in each year: none missing, none twice."""

    def check(conn: sa.Connection, add: Add) -> None:
        by_year: dict[str, list[int]] = {}
        for (number,) in conn.execute(sa.select(table.c.number).where(table.c.number.is_not(None))):
            parts = str(number).split("-")
            if len(parts) != 3 or parts[0] != series or not parts[2].isdigit():
                add(
                    Problem(
                        None,
                        "DocumentNumberMalformed",
                        f"{table.name} number {shown(number)} is not {series}-YYYY-NNNNNN",
                    )
                )
                continue
            by_year.setdefault(parts[1], []).append(int(parts[2]))
        for year, numbers in sorted(by_year.items()):
            if sorted(numbers) != list(range(1, len(numbers) + 1)):
                add(
                    Problem(
                        None,
                        "DocumentNumberGap",
                        f"{series} numbers of {year} are not 1 to {len(numbers)} without a gap",
                    )
                )

    return check


def _checks() -> list[Callable[[sa.Connection, Add], None]]:
    inv, void = table_of(Invoice), table_of(InvoiceVoid)
    cm, pc = table_of(CreditMovement), table_of(PackageCredit)
    void_inv = inv.alias("voided")
    return [
        _sealed(inv, inv.c.status != "draft", inv.c.total_cents, document=inv.c.number),
        _sealed(
            void,
            None,
            void_inv.c.total_cents,
            joins=lambda f: f.join(void_inv, void_inv.c.id == void.c.invoice_id),
        ),
        _sealed(
            table_of(CreditNote),
            None,
            table_of(CreditNote).c.amount_cents,
            document=table_of(CreditNote).c.number,
        ),
        _sealed(table_of(Payment), None, table_of(Payment).c.amount_cents),
        _sealed(table_of(PaymentRefund), None, table_of(PaymentRefund).c.amount_cents),
        _sealed(table_of(PackageRefund), None, table_of(PackageRefund).c.amount_cents),
        _sealed(table_of(PatientCredit), None, table_of(PatientCredit).c.amount_cents),
        _sealed(
            cm, None, pc.c.allocated_cents, joins=lambda f: f.join(pc, pc.c.id == cm.c.credit_id)
        ),
        _invoice_lines,
        _numbers(inv, "INV"),
        _numbers(table_of(CreditNote), "CN"),
    ]


def check_money(conn: sa.Connection, add: Add) -> None:
    """Every money check, each reporting all it finds."""
    money_chain(conn, add)
    for check in _checks():
        check(conn, add)
