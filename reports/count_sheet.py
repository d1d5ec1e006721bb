"""The printable count sheet: every vial the clinic should find on its shelf, with a box to
tick for a sealed vial and a line to write the mL of an open one, and signature lines. It is
blind: the sheet never shows a book amount, so the counter writes what they see."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from ledger import clock
from ledger.access import Actor
from ledger.clock import local_date
from ledger.database import Database
from ledger.models import Product, Vial, VialBalance, VialState
from ledger.models.base import table_of
from ledger.settings import clinic_settings
from reports.model import Column, Fact, Kind, Part, Report, Row
from reports.scope import Request, open_scope

COLUMNS = (
    Column("Vial", width=10),
    Column("Product", width=22, wrap=True),
    Column("NDC", width=13),
    Column("Lot", width=10),
    Column("Lot expires", Kind.DATE, width=10),
    Column("Sealed or open", width=8),
    Column("Present / missing", width=16),
    Column("mL read (open vials)", width=14),
)
#: Vials a counter expects on the shelf.
ON_SHELF = (VialState.SEALED, VialState.OPEN, VialState.QUARANTINED)
TICK = "[ ] present [ ] missing"
LINE = "________ mL"


def build(db: Database, actor: Actor, request: Request) -> Report:
    with db.read() as session:
        settings = clinic_settings(session)
        today = local_date(settings.timezone, clock.now())
        scope = open_scope(session, actor, replace(request, date_from=today, date_to=today))
        v, b, p = table_of(Vial), table_of(VialBalance), table_of(Product)
        # The balance only chooses which vials to list; it is never printed.
        found = session.execute(
            sa.select(v.c.label, p.c.name, p.c.ndc, v.c.lot, v.c.expires, v.c.opened_at)
            .join(b, b.c.vial_id == v.c.id)
            .join(p, p.c.id == v.c.product_id)
            .where(
                v.c.registration_id == scope.registration_id,
                v.c.state.in_([str(s) for s in ON_SHELF]),
                b.c.balance_ug > 0,
            )
            .order_by(p.c.name, v.c.label)
        ).all()
    rows: list[Row] = [
        (
            r.label,
            r.name,
            r.ndc,
            r.lot,
            r.expires,
            "sealed" if r.opened_at is None else "open",
            TICK if r.opened_at is None else "",
            "" if r.opened_at is None else LINE,
        )  # fmt: skip
        for r in found
    ]
    return Report(
        name="count-sheet",
        title="Count sheet (blind: no book amounts)",
        header=scope.header(),
        period=scope.period,
        filters=(
            Fact("Count", "routine / initial / biennial / ad hoc (circle one)"),
            Fact("Taken at", "opening / close of business (circle one); time ________"),
        ),
        parts=(
            Part(
                title="Vials to count",
                columns=COLUMNS,
                rows=lambda: iter(rows),
                note="Tick present or missing for each sealed vial; read each open vial off "
                "its graduations and write the mL. List any vial found that is not on this "
                "sheet below it. Load the sheet with `vialbook count import COUNT_ID "
                "sheet.csv` (vial,present|missing|mL a line).",
            ),
        ),
        integrity=scope.integrity(None, None),
        signatures=("Counted by", "Witness"),
        timezone=scope.timezone,
        registration=scope.dea_number,
    )
