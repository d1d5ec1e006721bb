"""The physical inventory (21 CFR 1304.11) as a count found it: an initial, biennial or
ad-hoc count, submitted and signed by the registrant. Sealed containers are counted exactly;
opened containers are read in mL (an estimate, or exact when the clinic's setting forces
exact counts); expired, quarantined and past-BUD stock awaiting disposal is listed apart.
Every figure is what the counter found, never the book.
"""

from __future__ import annotations

from ledger.access import Actor
from ledger.database import Database
from ledger.errors import NotAnInventory
from ledger.queries.inventories import INVENTORY_KINDS, next_inventory_due
from ledger.settings import clinic_settings
from ledger.units import strength_text, volume_text
from reports.count_record import CountedVial, CountRecord, awaiting_disposal, counted_ml, load_count
from reports.model import Column, Fact, Kind, Part, Report, Row, Total
from reports.scope import Request, mg
from reports.totals import product_group

_PRODUCT = (
    Column("Product", width=22, wrap=True),
    Column("NDC", width=13),
    Column("Strength", width=10),
    Column("Container mL", width=8),
)
SEALED = (
    *_PRODUCT,
    Column("Lot", width=10),
    Column("Lot expires", Kind.DATE, width=10),
    Column("Sealed containers", Kind.INTEGER, width=9),
    Column("Total mg", Kind.DECIMAL, places=3, width=11),
)
OPENED = (
    Column("Vial", width=10),
    *_PRODUCT,
    Column("Lot", width=10),
    Column("Lot expires", Kind.DATE, width=10),
    Column("Counted mL", Kind.DECIMAL, places=3, width=8),
    Column("Counted mg", Kind.DECIMAL, places=3, width=10),
)
DISPOSAL = (
    Column("Vial", width=10),
    *_PRODUCT,
    Column("Lot", width=10),
    Column("Lot expires", Kind.DATE, width=10),
    Column("Status", width=16, wrap=True),
    Column("Container", width=8),
    Column("Counted mL", Kind.DECIMAL, places=3, width=8),
    Column("Counted mg", Kind.DECIMAL, places=3, width=10),
)
NOT_FOUND = (
    Column("Vial", width=10),
    *_PRODUCT,
    Column("Lot", width=10),
    Column("Status", width=24, wrap=True),
)


def _product(v: CountedVial) -> tuple[str, str, str, str]:
    p = v.product
    return (p.name, p.ndc, strength_text(p.strength_ug_per_ml), volume_text(p.volume_ul))


def _on_shelf(v: CountedVial) -> bool:
    return v.reading in ("present", "ml")


def sealed_rows(record: CountRecord) -> list[Row]:
    """Sealed containers on the shelf, per product and lot: counted exactly."""
    groups: dict[tuple[str, str, object], list[CountedVial]] = {}
    for v in record.vials:
        if v.reading == "present" and not awaiting_disposal(v, record):
            groups.setdefault((v.product.name, v.lot, v.expires), []).append(v)
    rows: list[Row] = []
    for (_, lot, _expires), found in sorted(groups.items(), key=lambda kv: str(kv[0])):
        first = found[0]
        total = sum(v.counted_ug or 0 for v in found)
        rows.append((*_product(first), lot, first.expires, len(found), mg(total)))
    return rows


def opened_rows(record: CountRecord) -> list[Row]:
    return [
        (v.label, *_product(v), v.lot, v.expires, counted_ml(v), mg(v.counted_ug))
        for v in record.vials
        if v.reading == "ml" and not awaiting_disposal(v, record)
    ]


def disposal_rows(record: CountRecord) -> list[Row]:
    return [
        (
            v.label,
            *_product(v),
            v.lot,
            v.expires,
            awaiting_disposal(v, record),
            "sealed" if v.reading == "present" else "opened",
            counted_ml(v),
            mg(v.counted_ug),
        )  # fmt: skip
        for v in record.vials
        if _on_shelf(v) and awaiting_disposal(v, record)
    ]


def not_found_rows(record: CountRecord) -> list[Row]:
    return [
        (
            v.label,
            *_product(v),
            v.lot,
            "missing from the shelf" if v.reading == "missing" else "not counted",
        )  # fmt: skip
        for v in record.vials
        if not _on_shelf(v)
    ]


def _totals(record: CountRecord) -> tuple[Total, ...]:
    per: dict[tuple[int, str, str], list[CountedVial]] = {}
    for v in record.vials:
        if _on_shelf(v):
            p = v.product
            per.setdefault((p.schedule, p.name, p.ndc), []).append(v)
    out = []
    for (schedule, name, ndc), found in sorted(per.items()):
        sealed = sum(1 for v in found if v.reading == "present")
        out.append(
            Total(
                f"Counted: {sealed} sealed, {len(found) - sealed} opened",
                mg(sum(v.counted_ug or 0 for v in found)),
                unit="mg",
                group=product_group(schedule, name, ndc),
            )
        )
    return tuple(out) or (Total("Containers counted", 0, Kind.INTEGER),)


def build(db: Database, actor: Actor, request: Request) -> Report:
    with db.read() as session:
        record = load_count(session, actor, request)
        settings = clinic_settings(session)
        due = next_inventory_due(session, settings, record.scope.registration_id)
    count = record.count
    if count.kind not in {str(k) for k in INVENTORY_KINDS}:
        raise NotAnInventory(
            f"count {count.id} is a {count.kind} count; an inventory is an initial, biennial or "
            "ad-hoc count (the book-side inventory is `export inventory --to DAY`)"
        )
    estimate = (
        "exact, as the clinic's setting requires"
        if settings.exact_open_counts
        else ("estimated from the graduations")
    )
    signed = (
        f"{record.signed_by} on {record.scope.local(count.signed_at):%Y-%m-%d %H:%M}"
        if count.signed_at
        else "NOT SIGNED: not yet the inventory record"
    )
    facts = (
        *record.facts(),
        Fact("Opened containers", estimate),
        Fact("Signed by the registrant", signed),
        Fact("Next biennial inventory due", due.isoformat() if due else "take the initial one"),
    )
    sealed, opened, disposal, missing = (
        sealed_rows(record), opened_rows(record), disposal_rows(record), not_found_rows(record)
    )  # fmt: skip
    parts = [
        Part("Sealed containers (counted exactly)", SEALED, lambda: iter(sealed),
             totals=_totals(record), sheet="Sealed containers"),
        Part(f"Opened containers ({estimate.split(',')[0]})", OPENED, lambda: iter(opened),
             sheet="Opened containers"),
        Part("Expired, quarantined or past-BUD stock awaiting disposal", DISPOSAL,
             lambda: iter(disposal), sheet="Awaiting disposal",
             note="Stock awaiting disposal is part of the inventory, listed apart."),
    ]  # fmt: skip
    if missing:
        parts.append(
            Part("On the book but not on the shelf", NOT_FOUND, lambda: iter(missing),
                 sheet="Not on the shelf",
                 note="Each missing vial opened a discrepancy when the count was submitted.")
        )  # fmt: skip
    return Report(
        name="inventory",
        title=f"Controlled substance inventory ({count.kind}), as counted",
        header=record.scope.header(),
        period=record.scope.period,
        filters=facts,
        parts=tuple(parts),
        integrity=record.scope.integrity(1 if record.last_seq else None, record.last_seq),
        signatures=("Counter signs", "Witness signs", "Registrant signs"),
        timezone=record.scope.timezone,
        registration=record.scope.dea_number,
    )
