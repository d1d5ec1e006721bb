"""`check`: the records outside the chain agree with the movements that are in it.

Receipts, vials, infusions and patients are not hashed. The database guards them
(migrations/guards.py); these checks catch an edit made with the guards removed
wherever a hashed movement says otherwise. A receipt's invoice number and supplier,
an infusion's protocol and times, and a never-corrected patient's identity are not
in any movement: only the guards protect them (the README says so).

Every comparison runs in SQL on the stored values, so a malformed value (named by
check_forms) shows up as a mismatch here and never as a crash.
"""

from __future__ import annotations

import sqlalchemy as sa

from ledger.details import ReceiptFacts
from ledger.models import (
    Infusion,
    Movement,
    MovementKind,
    Patient,
    PatientCorrection,
    Product,
    Receipt,
    Supplier,
    Vial,
)
from ledger.models.base import table_of
from ledger.problem import Add, Problem, movement_id, shown


def _differs(a: sa.ColumnElement, b: sa.ColumnElement) -> sa.ColumnElement[bool]:  # type: ignore[type-arg]
    return a.is_distinct_from(b)


def _report(
    conn: sa.Connection,
    stmt: sa.Select,  # type: ignore[type-arg]
    flags: dict[str, sa.ColumnElement[bool]],
    add: Add,
    rule: str,
    what: str,
) -> None:
    """Run `stmt` (its first columns: movement id, subject) for rows where any flag holds."""
    columns = [sa.case((flag, 1), else_=0).label(name) for name, flag in flags.items()]
    for row in conn.execute(stmt.add_columns(*columns).where(sa.or_(*flags.values()))):
        wrong = [name for name in flags if row._mapping[name]]
        add(
            Problem(
                movement_id(row[0]),
                rule,
                what.format(subject=shown(row[1]), fields=", ".join(wrong)),
            )
        )


def receipts(conn: sa.Connection, add: Add) -> None:
    """Each receipt has as many vials as containers, each received by one receive movement
    that carries the receipt's registration, time, entry time and receiver."""
    rc, v, m = table_of(Receipt), table_of(Vial), table_of(Movement)
    receive = sa.and_(m.c.vial_id == v.c.id, m.c.kind == MovementKind.RECEIVE)
    # The receipt's first receive movement, where a problem is shown: looked up only for the
    # receipts that come back, not joined to every movement of every vial.
    on_receipt = v.alias("on_receipt")
    first = (
        sa.select(sa.func.min(m.c.id))
        .select_from(m.join(on_receipt, on_receipt.c.id == m.c.vial_id))
        .where(on_receipt.c.receipt_id == rc.c.id, m.c.kind == MovementKind.RECEIVE)
        .scalar_subquery()
    )
    counted = (
        sa.select(
            first,
            rc.c.id,
            rc.c.containers,
            sa.func.count(sa.distinct(v.c.id)).label("vials"),
        )
        .select_from(rc.outerjoin(v, v.c.receipt_id == rc.c.id))
        .group_by(rc.c.id, rc.c.containers)
        .having(sa.func.count(sa.distinct(v.c.id)) != rc.c.containers)
        .order_by(rc.c.id)
    )
    for row in conn.execute(counted):
        add(
            Problem(
                movement_id(row[0]),
                "ReceiptMismatch",
                f"receipt {shown(row[1])} lists {shown(row[2])} containers; {row.vials} "
                "vials were received on it",
            )
        )
    stmt = (
        sa.select(m.c.id, rc.c.id)
        .select_from(v.join(rc, rc.c.id == v.c.receipt_id).join(m, receive))
        .order_by(m.c.id)
    )
    flags = {
        "registration": _differs(m.c.registration_id, rc.c.registration_id),
        "received at": _differs(m.c.event_at, rc.c.received_at),
        "entered at": _differs(m.c.entered_at, rc.c.entered_at),
        "received by": _differs(m.c.actor_id, rc.c.received_by_id),
    }
    _report(
        conn,
        stmt,
        flags,
        add,
        "ReceiptMismatch",
        "receipt {subject} and its receive movement differ in: {fields}",
    )


def vials(conn: sa.Connection, add: Add) -> None:
    """A vial is what its receipt and its receive movement say, at the registration its
    last receipt or transfer in put it."""
    v, rc, m, p = table_of(Vial), table_of(Receipt), table_of(Movement), table_of(Product)
    first = sa.select(sa.func.min(m.c.id)).where(m.c.vial_id == v.c.id).scalar_subquery()
    # Each vial's receive movements, and its last receipt or transfer in, found through the
    # movements of those kinds (a few per vial) rather than by walking each vial's history.
    received = (
        sa.select(
            m.c.vial_id,
            sa.func.count().label("receives"),
            sa.func.sum(m.c.amount_ug).label("received_ug"),
        )
        .where(m.c.kind == MovementKind.RECEIVE)
        .group_by(m.c.vial_id)
        .subquery("received")
    )
    last_in = (
        sa.select(m.c.vial_id, sa.func.max(m.c.id).label("id"))
        .where(m.c.kind.in_([MovementKind.RECEIVE, MovementKind.TRANSFER_IN]))
        .group_by(m.c.vial_id)
        .subquery("last_in")
    )
    booked = m.alias("booked")
    content = sa.cast(p.c.strength_ug_per_ml, sa.BigInteger) * p.c.volume_ul
    big = sa.cast(v.c.received_ug, sa.BigInteger)
    stmt = (
        sa.select(first, v.c.label)
        .select_from(
            v.outerjoin(rc, rc.c.id == v.c.receipt_id)
            .outerjoin(p, p.c.id == v.c.product_id)
            .outerjoin(received, received.c.vial_id == v.c.id)
            .outerjoin(last_in, last_in.c.vial_id == v.c.id)
            .outerjoin(booked, booked.c.id == last_in.c.id)
        )
        .order_by(v.c.id)
    )
    flags = {
        "receipt": rc.c.id.is_(None),
        "product": _differs(v.c.product_id, rc.c.product_id),
        "lot": _differs(v.c.lot, rc.c.lot),
        "expiry": _differs(v.c.expires, rc.c.expires),
        # received_ug is the product's content, strength × volume / 1000 rounded down
        "content": sa.or_(p.c.id.is_(None), big * 1000 > content, (big + 1) * 1000 <= content),
        "receive movement": sa.or_(
            sa.func.coalesce(received.c.receives, 0) != 1,
            _differs(received.c.received_ug, v.c.received_ug),
        ),
        "registration": _differs(v.c.registration_id, booked.c.registration_id),
    }
    _report(
        conn,
        stmt,
        flags,
        add,
        "VialMismatch",
        "vial {subject} differs from its receipt and movements in: {fields}",
    )


def infusions(conn: sa.Connection, add: Add) -> None:
    """Each infusion's movements carry its patient, vial, registration, times, nurse,
    witness and reason; an infusion without movements was not recorded by vialbook."""
    i, m = table_of(Infusion), table_of(Movement)
    own = sa.and_(m.c.infusion_id == i.c.id, m.c.kind != MovementKind.REVERSAL)
    # An infusion without movements is found by mass_balance's walk over the infusions,
    # which joins each to the same movements; it is named as this check's finding.
    stmt = sa.select(m.c.id, i.c.id).select_from(m.join(i, own)).order_by(m.c.id)
    flags = {
        "patient": _differs(m.c.patient_id, i.c.patient_id),
        "vial": _differs(m.c.vial_id, i.c.vial_id),
        "registration": _differs(m.c.registration_id, i.c.registration_id),
        "time": _differs(m.c.event_at, i.c.event_at),
        "entered at": _differs(m.c.entered_at, i.c.entered_at),
        "nurse": _differs(m.c.actor_id, i.c.actor_id),
        "late": _differs(m.c.late, i.c.late),
        "witness": sa.and_(
            m.c.kind == MovementKind.WASTE, _differs(m.c.witness_id, i.c.witness_id)
        ),
        "reason": sa.and_(m.c.kind == MovementKind.ADMINISTER, _differs(m.c.reason, i.c.reason)),
    }
    _report(
        conn,
        stmt,
        flags,
        add,
        "InfusionMismatch",
        "infusion {subject} and its movement differ in: {fields}",
    )


#: Amounts within this bound add up exactly in any database; beyond it Python decides.
_EXACT = 2**52


def mass_balance(conn: sa.Connection, add: Add) -> None:
    """drawn = given + wasted, and the movements carry exactly those amounts.

    The database sums and compares; only infusions that may be wrong come back, and each
    is judged again here with Python's exact integers. The same walk finds the infusions
    without movements (see `infusions`), named before the amounts as `check` has always
    listed them.
    """
    i, m = table_of(Infusion), table_of(Movement)
    given = sa.func.coalesce(
        sa.func.sum(sa.case((m.c.kind == MovementKind.ADMINISTER, -m.c.amount_ug), else_=0)), 0
    )
    wasted = sa.func.coalesce(
        sa.func.sum(sa.case((m.c.kind == MovementKind.WASTE, -m.c.amount_ug), else_=0)), 0
    )
    as_big = [sa.cast(c, sa.BigInteger) for c in (i.c.given_ug, i.c.wasted_ug)]
    big = [sa.or_(c > _EXACT, c < -_EXACT) for c in as_big]
    stmt = (
        sa.select(
            i.c.id,
            i.c.drawn_ug,
            i.c.given_ug,
            i.c.wasted_ug,
            given.label("g"),
            wasted.label("w"),
            sa.func.min(m.c.id).label("first"),
        )
        .select_from(
            i.outerjoin(m, sa.and_(m.c.infusion_id == i.c.id, m.c.kind != MovementKind.REVERSAL))
        )
        # Grouped by the key alone, the database walks infusions in order and sorts nothing.
        .group_by(i.c.id)
        .having(
            sa.or_(
                *big,
                _differs(i.c.drawn_ug, as_big[0] + i.c.wasted_ug),
                _differs(given, i.c.given_ug),
                _differs(wasted, i.c.wasted_ug),
                sa.func.min(m.c.id).is_(None),
            )
        )
        .order_by(i.c.id)
    )
    found: list[Problem] = []
    for row in conn.execute(stmt):
        if row.first is None:
            add(
                Problem(
                    None,
                    "InfusionMismatch",
                    f"infusion {shown(row.id)} has no movements; it was not recorded "
                    "through vialbook",
                )
            )
        amounts = (row.drawn_ug, row.given_ug, row.wasted_ug)
        if not all(type(a) is int for a in amounts):
            continue  # check_forms names the malformed amount
        if row.drawn_ug != row.given_ug + row.wasted_ug:
            found.append(
                Problem(
                    movement_id(row.first),
                    "MassBalanceBroken",
                    f"infusion {row.id}: drawn {row.drawn_ug} ≠ given {row.given_ug} + "
                    f"wasted {row.wasted_ug}",
                )
            )
        if row.g != row.given_ug or row.w != row.wasted_ug:
            found.append(
                Problem(
                    movement_id(row.first),
                    "MassBalanceBroken",
                    f"infusion {row.id}: its movements give {row.g} µg and waste {row.w} "
                    f"µg, the record says {row.given_ug} and {row.wasted_ug}",
                )
            )
    for problem in found:
        add(problem)


def reversals(conn: sa.Connection, add: Add) -> None:
    m = table_of(Movement)
    o = m.alias("original")
    stmt = (
        sa.select(
            m.c.id,
            m.c.amount_ug,
            m.c.vial_id,
            m.c.original_id,
            o.c.amount_ug.label("oa"),
            o.c.vial_id.label("ov"),
            o.c.kind.label("ok"),
        )
        .select_from(m.outerjoin(o, o.c.id == m.c.original_id))
        .where(m.c.kind == MovementKind.REVERSAL)
        .order_by(m.c.id)
    )
    seen: set[object] = set()
    for row in conn.execute(stmt):
        if row.original_id is None or row.oa is None:
            add(Problem(row.id, "ReversalMismatch", f"reversal {row.id} names no movement"))
            continue
        if row.original_id in seen:
            add(
                Problem(
                    row.id,
                    "AlreadyReversed",
                    f"movement {row.original_id} is reversed more than once",
                )
            )
        seen.add(row.original_id)
        negates = type(row.amount_ug) is int and type(row.oa) is int and row.amount_ug == -row.oa
        if not negates or row.vial_id != row.ov or row.ok == MovementKind.REVERSAL:
            add(
                Problem(
                    row.id,
                    "ReversalMismatch",
                    f"reversal {row.id} does not exactly negate movement {row.original_id}",
                )
            )


_IDENTITY = ("name", "address", "dob")


def patients(conn: sa.Connection, add: Add) -> None:
    """Each correction starts from the identity the one before left, and each corrected
    patient's identity is what the latest correction made it."""
    c, pt, m = table_of(PatientCorrection), table_of(Patient), table_of(Movement)
    first = sa.select(sa.func.min(m.c.id)).where(m.c.patient_id == pt.c.id).scalar_subquery()
    stmt = (
        sa.select(
            first,
            pt.c.mrn,
            c.c.id,
            *[pt.c[f] for f in _IDENTITY],
            *[c.c[f"old_{f}"] for f in _IDENTITY],
            *[c.c[f"new_{f}"] for f in _IDENTITY],
            c.c.patient_id,
        )
        .select_from(c.join(pt, pt.c.id == c.c.patient_id))
        .order_by(c.c.patient_id, c.c.id)
    )
    # Raw driver values: compared as stored, so a malformed date is a mismatch, not a crash.
    sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
    rows = conn.exec_driver_sql(sql).all()
    for n, row in enumerate(rows):
        at, mrn, correction = row[0], row[1], row[2]
        now, old, new = row[3:6], row[6:9], row[9:12]
        previous = rows[n - 1] if n and rows[n - 1][12] == row[12] else None
        if previous is not None and tuple(previous[9:12]) != tuple(old):
            add(
                Problem(
                    movement_id(at),
                    "IdentityNotCorrected",
                    f"patient {shown(mrn)}: correction {correction} does not start from the "
                    "identity the correction before it left",
                )
            )
        last = n + 1 == len(rows) or rows[n + 1][12] != row[12]
        if last and tuple(now) != tuple(new):
            add(
                Problem(
                    movement_id(at),
                    "IdentityNotCorrected",
                    f"patient {shown(mrn)}: name, address or date of birth differ from the "
                    f"latest audited correction ({correction}); they were changed outside "
                    "vialbook",
                )
            )


def receipt_facts(conn: sa.Connection, add: Add) -> None:
    """A receipt's invoice, supplier, NDC, lot and expiry against the facts its receive
    movements carry in their hashed detail (receipts entered before the facts were hashed
    carry none, and are judged by `receipts` and `vials` alone)."""
    rc, v, m = table_of(Receipt), table_of(Vial), table_of(Movement)
    s, p = table_of(Supplier), table_of(Product)
    stmt = (
        sa.select(
            m.c.id,
            m.c.detail,
            rc.c.id.label("receipt"),
            rc.c.invoice_number,
            s.c.name.label("supplier"),
            s.c.dea_number.label("supplier_dea"),
            p.c.ndc,
            rc.c.lot,
            rc.c.expires,
        )
        .select_from(
            m.join(v, v.c.id == m.c.vial_id)
            .join(rc, rc.c.id == v.c.receipt_id)
            .outerjoin(s, s.c.id == rc.c.supplier_id)
            .outerjoin(p, p.c.id == rc.c.product_id)
        )
        .where(m.c.kind == MovementKind.RECEIVE, m.c.detail.is_not(None))
        .order_by(m.c.id)
    )
    names = ("invoice_number", "supplier", "supplier_dea", "ndc", "lot", "expires")
    # Unpacked by position and compared as tuples: this runs once per vial in the ledger.
    for mid, detail, receipt, invoice, supplier, dea, ndc, lot, expires in conn.execution_options(
        yield_per=5000
    ).execute(stmt):
        facts = ReceiptFacts.from_detail(detail)
        if facts is None:
            add(
                Problem(
                    movement_id(mid),
                    "ReceiptMismatch",
                    f"receive movement {shown(mid)} carries no readable receipt facts",
                )
            )
            continue
        expires = expires.isoformat() if hasattr(expires, "isoformat") else expires
        stored = (invoice, supplier, dea, ndc, lot, expires)
        recorded = (
            facts.invoice_number,
            facts.supplier,
            facts.supplier_dea,
            facts.ndc,
            facts.lot,
            facts.expires,
        )
        if recorded != stored:
            wrong = [k for k, a, b in zip(names, recorded, stored, strict=True) if a != b]
            add(
                Problem(
                    movement_id(mid),
                    "ReceiptMismatch",
                    f"receipt {shown(receipt)} differs from what its receive movement "
                    f"{shown(mid)} recorded in: {', '.join(wrong)}",
                )
            )


CHECKS = (receipts, receipt_facts, vials, infusions, mass_balance, reversals, patients)
