"""The demo clinic is realistic, deterministic from its seed, and passes check."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ledger.check import run_check
from ledger.database import Database, open_database
from ledger.demo import build_demo


def _movements(path: Path) -> list[tuple[object, ...]]:
    db = open_database(str(path))
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("select id, kind, amount_ug, hash from movement order by id"))
        out = [tuple(r) for r in rows]
    db.dispose()
    return out


def test_the_whole_demo_replays_through_check(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "demo.db"))
    summary = build_demo(db, seed=7, until=date(2026, 11, 27))
    report = run_check(db)
    assert report.ok, report.problems[:5]
    assert summary.infusions > 1000
    assert report.movements == summary.movements
    with db.engine.connect() as conn:
        kinds = dict(
            conn.execute(sa.text("select kind, count(*) from movement group by kind")).all()
        )
        staff = conn.execute(sa.text("select count(*) from app_user")).scalar()
        patients = conn.execute(sa.text("select count(*) from patient")).scalar()
        products = conn.execute(sa.text("select count(*) from product")).scalar()
        schedule4 = conn.execute(
            sa.text("select count(*) from product where schedule = 4")
        ).scalar()
    assert {"receive", "administer", "waste", "breakage"} <= set(kinds)
    assert (staff, patients, products, schedule4) == (7, 40, 3, 1)
    assert any("past its beyond-use date" in n for n in summary.notes)
    _tells_the_count_story(db, first_day=date(2026, 11, 27) - timedelta(days=182))
    _has_every_billing_story(db, date(2026, 11, 27))


def _tells_the_count_story(db: Database, *, first_day: date) -> None:
    """What `make run` shows: an initial inventory on the first day, signed; a count every
    Friday, a few variances approved; one discrepancy resolved by an infusion charted late
    and reviewed, one still under investigation."""
    with db.engine.connect() as conn:
        counted = conn.execute(
            sa.text("select kind, started_at, signed_at from count order by started_at")
        ).all()
        found = conn.execute(
            sa.text(
                "select d.status, m.kind, m.late, r.id as review from discrepancy d "
                "left join movement m on m.id = d.resolving_movement_id "
                "left join late_review r on r.movement_id = m.id order by d.id"
            )
        ).all()
        approvals = conn.execute(sa.text("select count(*) from count_approval")).scalar()

    def day(at: object) -> date:
        moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment.astimezone(ZoneInfo("America/Denver")).date()

    first, weekly = counted[0], counted[1:]
    assert (first.kind, day(first.started_at)) == ("initial", first_day)
    assert first.signed_at is not None
    fridays = [day(c.started_at) for c in weekly]
    assert {c.kind for c in weekly} == {"routine"} and {d.weekday() for d in fridays} == {4}
    assert len(fridays) >= 25 and len(set(fridays)) == len(fridays)
    assert approvals and approvals >= 1
    assert sorted(f.status for f in found) == ["investigating", "resolved"]
    (resolved,) = [f for f in found if f.status == "resolved"]
    assert (resolved.kind, bool(resolved.late)) == ("administer", True)
    assert resolved.review is not None


def _has_every_billing_story(db, last_day: date) -> None:  # type: ignore[no-untyped-def]
    """What issue 12 asks of the demo, each read from the ledger's own rows or services."""
    from ledger.auth import login
    from ledger.demo import password
    from ledger.services.billing.liability import prepaid_liability
    from ledger.services.superbill import billing_crosscheck

    def one(sql: str) -> object:
        with db.engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()

    codes = {"MOOD", "PAIN", "BOOSTER", "CONSULT", "ONDANSETRON"}
    assert one("select count(distinct code) from price_item") == len(codes)
    issued = "join invoice v on v.id = l.invoice_id where v.number is not null"
    assert one(f"select count(*) from invoice_line l {issued} and l.kind = 'package'") >= 10
    assert one("select count(*) from credit_movement where kind = 'consume'") >= 40
    # Boosters billed singly: booster infusions on issued invoices, one line each.
    assert (
        one(
            f"select count(*) from invoice_line l {issued} and l.kind = 'infusion' "
            "and l.code = 'BOOSTER'"
        )
        >= 5
    )
    # Partly paid: an invoice settled by more than one payment.
    assert (
        one(
            "select count(*) from (select invoice_id from payment where method != 'credit' "
            "group by invoice_id having count(*) > 1) t"
        )
        >= 1
    )
    # The overpayment kept as credit and applied later.
    assert one("select count(*) from patient_credit where kind = 'overpayment'") == 1
    assert one("select count(*) from payment where method = 'credit'") == 1
    assert one("select count(*) from invoice where status = 'void'") == 1
    assert one("select count(*) from credit_note where reason like 'goodwill%'") == 1
    assert one("select count(*) from package_refund") == 1
    assert one("select count(*) from good_faith_estimate") >= 9
    bella = login(db, "bella", password("bella"))
    found = billing_crosscheck(db, bella, last_day - timedelta(days=400), last_day)
    assert [f.kind for f in found] == ["billed_without_administration"]
    # The prepaid liability on the demo's last day is not zero: the late series and pack.
    owed = prepaid_liability(db, bella, on=last_day)
    assert owed.total_cents > 0 and len(owed.patients) == 2


def test_the_same_seed_gives_the_same_ledger(tmp_path: Path) -> None:
    for name in ("a.db", "b.db"):
        build_demo(open_database(str(tmp_path / name)), seed=3, days=12, until=date(2026, 6, 30))
    a, b = _movements(tmp_path / "a.db"), _movements(tmp_path / "b.db")
    assert a == b and len(a) > 50


def test_a_demo_starting_on_a_weekend_still_has_its_expired_lot(tmp_path: Path) -> None:
    # 2026-03-01 is a Sunday: the first business day must still receive the short-dated lot.
    db = open_database(str(tmp_path / "weekend.db"))
    build_demo(db, seed=5, days=30, until=date(2026, 3, 31))
    with db.engine.connect() as conn:
        lots = conn.execute(sa.text("select count(*) from vial where label like 'KH-%'")).scalar()
    assert lots == 2


def test_nothing_in_the_demo_is_dated_after_it_was_built(tmp_path: Path) -> None:
    from ledger import clock

    db = open_database(str(tmp_path / "today.db"))
    build_demo(db, seed=2, days=5)
    built = clock.now()
    with db.engine.connect() as conn:
        latest = conn.execute(sa.text("select max(event_at), max(entered_at) from movement")).one()
    from datetime import datetime

    assert all(datetime.fromisoformat(t).replace(tzinfo=built.tzinfo) <= built for t in latest)
