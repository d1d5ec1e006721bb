"""The count exports read back from real files: the blank count sheet holds no book amount;
a count's result and the accountability audit beside its count carry the ledger's own
figures, to the microgram, on a demo clinic that counts every Friday; the Form 106 draft
shows the discrepancy's registrant, product, quantity and both due dates."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest
import sqlalchemy as sa

from ledger import clock
from ledger.database import Database, open_database
from ledger.demo import build_demo
from ledger.errors import CountNotSubmitted, DiscrepancyNotEscalated
from ledger.kinds import IN_KINDS, OUT_KINDS, RULES
from ledger.models import MovementKind
from ledger.services import counts, discrepancies
from ledger.units import mg_decimal
from reports import accountability, count_result, count_sheet, form106_draft, pdf, xlsx
from reports.scope import Request
from tests.conftest import PgDatabases, require_pg
from tests.reliability.cli import vialbook
from tests.reports.conftest import demo_actor
from tests.support import Clinic

#: Long enough for the demo's story: approvals, a late chart, an investigation.
STORY_UNTIL = date(2026, 6, 30)
STORY_DAYS = 70


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def story_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """The demo clinic with its counts' story, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        db = open_database(str(tmp_path_factory.mktemp("story") / "demo.db"))
    else:
        require_pg()
        pgs: PgDatabases = request.getfixturevalue("pg_databases")
        name = pgs.create()
        db = open_database(pgs.url(name))
    summary = build_demo(db, seed=7, days=STORY_DAYS, until=STORY_UNTIL)
    assert any("approved" in n for n in summary.notes), summary.notes
    assert any("late chart" in n for n in summary.notes), summary.notes
    yield db
    db.dispose()
    if request.param == "postgresql":
        pgs.drop(name)


def _rows(db: Database, sql: str, **params: object) -> list[sa.Row]:  # type: ignore[type-arg]
    with db.engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params).all())


def _sheet(path: Path, name: str) -> list[dict[str, object]]:
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    out = []
    for r in rows[1:]:
        if r[0] is None:
            break
        out.append(dict(zip(rows[0], r, strict=False)))
    return out


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(path).pages)


def _dec(value: object) -> Decimal:
    return Decimal(str(value))


def test_the_count_sheet_lists_the_shelf_and_no_book_amount(story_db, tmp_path) -> None:
    report = count_sheet.build(story_db, demo_actor(story_db, "maria"), Request(date.min, date.min))
    out_x, out_p = tmp_path / "sheet.xlsx", tmp_path / "sheet.pdf"
    xlsx.render(report, out_x)
    pdf.render(report, out_p)
    rows = _sheet(out_x, "Vials to count")
    shelf = _rows(
        story_db,
        "select v.label, v.opened_at, b.balance_ug, p.strength_ug_per_ml from vial v "
        "join vial_balance b on b.vial_id = v.id join product p on p.id = v.product_id "
        "where b.balance_ug > 0 and v.state in ('sealed', 'open', 'quarantined')",
    )
    assert sorted(r["Vial"] for r in rows) == sorted(s.label for s in shelf)
    headings = " ".join(str(h) for h in openpyxl.load_workbook(out_x)["Vials to count"][1])
    assert "book" not in headings.lower() and "mg" not in headings
    # No cell is an amount: everything but the expiry date is text or empty.
    for r in rows:
        assert all(isinstance(v, str | None) for k, v in r.items() if k != "Lot expires"), r
    text = _pdf_text(out_p)
    opened = [s for s in shelf if s.opened_at is not None]
    assert opened, "the demo has an open vial on its shelf"
    for s in opened:
        assert f"{mg_decimal(s.balance_ug):.3f}" not in text
        ml = Decimal(s.balance_ug) / s.strength_ug_per_ml
        assert f"{ml:.2f} mL" not in text
    assert "Counted by" in text and "Witness" in text and "[ ] present [ ] missing" in text
    assert "[ ] present [ ] missing" in {r["Present / missing"] for r in rows}


def test_a_count_result_carries_the_ledgers_figures(story_db, tmp_path) -> None:
    (approved,) = _rows(
        story_db,
        "select r.count_id, r.vial_id, a.movement_id from count_approval a "
        "join count_result r on r.id = a.result_id order by a.id limit 1",
    )
    report = count_result.build(
        story_db, demo_actor(story_db), Request(date.min, date.min, count=approved.count_id)
    )
    out = tmp_path / "result.xlsx"
    xlsx.render(report, out)
    got = {r["Vial"]: r for r in _sheet(out, "Result")}
    stored = _rows(
        story_db,
        "select v.label, r.book_ug, r.counted_ug, r.variance_ug, r.outcome, r.vial_id "
        "from count_result r join vial v on v.id = r.vial_id where r.count_id = :c",
        c=approved.count_id,
    )
    assert set(got) == {s.label for s in stored}
    for s in stored:
        row = got[s.label]
        assert _dec(row["Book mg"]) == mg_decimal(s.book_ug)
        assert _dec(row["Counted mg"]) == mg_decimal(s.counted_ug)
        assert _dec(row["Variance mg"]) == mg_decimal(s.variance_ug)
        assert row["Outcome"] == s.outcome
        if s.vial_id == approved.vial_id:
            assert row["Outcome"] == "needs_signoff"
            assert row["Note"] == (
                f"approved by the registrant: adjustment #{approved.movement_id}"
            )


def test_a_count_result_names_the_discrepancy_each_line_opened(story_db, tmp_path) -> None:
    found = _rows(
        story_db,
        "select d.id, d.status, r.count_id, v.label from discrepancy d join count_result r "
        "on r.id = d.result_id join vial v on v.id = r.vial_id order by d.id",
    )
    assert {f.status for f in found} == {"resolved", "investigating"}
    for f in found:
        report = count_result.build(
            story_db, demo_actor(story_db), Request(date.min, date.min, count=f.count_id)
        )
        out = tmp_path / f"result-{f.count_id}.xlsx"
        xlsx.render(report, out)
        row = {r["Vial"]: r for r in _sheet(out, "Result")}[f.label]
        assert row["Outcome"] == "discrepancy"
        assert row["Note"] == f"discrepancy {f.id} ({f.status})"


def test_the_accountability_audit_stands_beside_the_last_count(story_db, tmp_path) -> None:
    period = Request(date(2026, 4, 21), STORY_UNTIL)
    report = accountability.build(story_db, demo_actor(story_db), period)
    out = tmp_path / "audit.xlsx"
    xlsx.render(report, out)
    (last,) = _rows(story_db, "select max(id) as id from count where submitted_at is not null")
    for row in _sheet(out, "Accountability per product"):
        ndc = row["NDC"]
        (book,) = _rows(
            story_db,
            "select coalesce(sum(m.amount_ug), 0) as ug from movement m join vial v "
            "on v.id = m.vial_id join product p on p.id = v.product_id where p.ndc = :n",
            n=ndc,
        )
        # The equation holds to the microgram in the printed cells, and equals the book.
        equation = (
            _dec(row["Opening mg"])
            + sum(_dec(row[f"{RULES[k].column} mg"]) for k in IN_KINDS)
            - sum(_dec(row[f"{RULES[k].column} mg"]) for k in OUT_KINDS)
            + _dec(row[f"{RULES[MovementKind.ADJUSTMENT].column} mg"])
        )
        assert equation == _dec(row["Expected mg"])
        assert _dec(row["Expected mg"]) == mg_decimal(int(book.ug)) == _dec(row["Book on hand mg"])
        (counted,) = _rows(
            story_db,
            "select coalesce(sum(r.counted_ug), 0) as found, coalesce(sum(r.variance_ug), 0) "
            "as variance from count_result r join vial v on v.id = r.vial_id join product p "
            "on p.id = v.product_id where r.count_id = :c and p.ndc = :n",
            c=last.id, n=ndc,
        )  # fmt: skip
        assert row["Count"] == last.id
        assert _dec(row["Physical count mg"]) == mg_decimal(int(counted.found))
        assert _dec(row["Count minus book at the count mg"]) == mg_decimal(int(counted.variance))
        assert _dec(row["Count minus expected mg"]) == mg_decimal(int(counted.found) - int(book.ug))
    lines = _sheet(out, "Count lines")
    differing = _rows(
        story_db,
        "select count(*) as n from count_result where count_id = :c and "
        "(variance_ug != 0 or counted_ug is null)",
        c=last.id,
    )[0].n
    assert len(lines) == differing > 0
    assert all(line["Count"] == last.id for line in lines)


def test_the_form_106_draft_shows_both_deadlines(clinic: Clinic, tmp_path) -> None:
    clock.set_clock(lambda: datetime(2026, 3, 6, 18, 0, tzinfo=UTC))  # a Friday
    maria, drkim = clinic.actor("maria"), clinic.actor("drkim")
    count = counts.start_count(clinic.db, maria)
    counts.record_line(clinic.db, maria, count, vial="K-000005", reading="missing")
    (found,) = [
        r.discrepancy for r in counts.submit_count(clinic.db, maria, count) if r.discrepancy
    ]
    assert found is not None
    discrepancies.add_note(clinic.db, maria, found, text="not in the safe")
    with pytest.raises(DiscrepancyNotEscalated):
        form106_draft.build(clinic.db, drkim, Request(date.min, date.min, discrepancy=found))
    discrepancies.escalate(clinic.db, drkim, found, loss_type="theft")
    out = tmp_path / "form106.xlsx"
    shown = vialbook(clinic.db.url, "export", "form-106-draft", "--discrepancy", str(found),
                     "--out", str(out), user="drkim")  # fmt: skip
    assert shown.exit_code == 0, shown.output
    (lost,) = _sheet(out, "Products lost")
    assert (lost["NDC"], lost["Lot"], lost["Vial"], lost["Containers lost"]) == (
        "00409-2051-05", "LOT-A", "K-000005", 1
    )  # fmt: skip
    assert _dec(lost["Quantity lost mg"]) == Decimal(500)
    about = {r[0]: r[1] for r in openpyxl.load_workbook(out)["About"].iter_rows(values_only=True)
             if r and r[0]}  # fmt: skip
    assert about["Written notice to the DEA Field Division due"] == "2026-03-09"
    assert about["Form 106 due"] == "2026-04-20"
    assert about["DEA registration"] == "FK1234563" and about["Type of loss"] == "theft"
    out_pdf = tmp_path / "form106.pdf"
    form = form106_draft.build(clinic.db, drkim, Request(date.min, date.min, discrepancy=found))
    pdf.render(form, out_pdf)
    text = _pdf_text(out_pdf)
    assert "2026-03-09" in text and "2026-04-20" in text and "not in the safe" in text


def test_an_open_count_has_no_result_to_print(clinic: Clinic) -> None:
    maria = clinic.actor("maria")
    count = counts.start_count(clinic.db, maria)
    with pytest.raises(CountNotSubmitted):
        count_result.build(clinic.db, maria, Request(date.min, date.min, count=count))


def test_the_bundle_carries_each_form_106_draft_of_its_period(busy_demo_db, tmp_path) -> None:
    import json
    import zipfile

    from reports.bundle import MANIFEST, export_bundle
    from tests.reports.conftest import DEMO_UNTIL

    (escalated,) = _rows(busy_demo_db, "select id from discrepancy where loss_type is not null")
    out = tmp_path / "bundle.zip"
    export_bundle(busy_demo_db, demo_actor(busy_demo_db), request=Request(date(2026, 3, 1),
                  DEMO_UNTIL), out=out)  # fmt: skip
    with zipfile.ZipFile(out) as z:
        files = {f["name"]: f for f in json.loads(z.read(MANIFEST))["files"]}
        stem = f"form-106-draft-{escalated.id}"
        assert files[f"{stem}.pdf"]["report"] == "form-106-draft"
        z.extract(f"{stem}.xlsx", tmp_path)
    (lost,) = _sheet(tmp_path / f"{stem}.xlsx", "Products lost")
    assert _dec(lost["Quantity lost mg"]) == Decimal("2.5")  # the busy demo's 2,500 µg loss
    early = tmp_path / "early.zip"
    export_bundle(busy_demo_db, demo_actor(busy_demo_db), request=Request(date(2026, 3, 1),
                  date(2026, 3, 20)), out=early)  # fmt: skip
    with zipfile.ZipFile(early) as z:
        assert not any(n.startswith("form-106-draft") for n in z.namelist())
        early_counts = {n.split(".")[0] for n in z.namelist() if n.startswith("count-result")}
    # A count joins the bundle whose period holds its day (the clinic's): the count of
    # Friday the 27th is in the month's bundle, not in the one that ends on the 20th.
    with zipfile.ZipFile(out) as z:
        all_counts = {n.split(".")[0] for n in z.namelist() if n.startswith("count-result")}
    denver = ZoneInfo("America/Denver")
    days = {
        f"count-result-{r.id}": (
            r.started_at if isinstance(r.started_at, datetime)
            else datetime.fromisoformat(str(r.started_at)).replace(tzinfo=UTC)
        ).astimezone(denver).date()
        for r in _rows(busy_demo_db, "select id, started_at from count where submitted_at "
                       "is not null")
    }  # fmt: skip
    assert all_counts == set(days)
    assert early_counts == {n for n, d in days.items() if d <= date(2026, 3, 20)}
    assert all_counts - early_counts == {n for n, d in days.items() if d > date(2026, 3, 20)}
    assert early_counts and all_counts - early_counts


def test_the_demo_counts_every_friday_and_tells_its_story(story_db) -> None:
    from ledger.check import run_check

    counted = _rows(
        story_db, "select id, kind, started_at, signed_at from count order by started_at"
    )

    def day(c: sa.Row) -> date:  # type: ignore[type-arg]
        at = (
            c.started_at
            if isinstance(c.started_at, datetime)
            else (datetime.fromisoformat(str(c.started_at)))
        )
        utc = at if at.tzinfo else at.replace(tzinfo=UTC)
        return utc.astimezone(ZoneInfo("America/Denver")).date()

    first = counted[0]
    assert first.kind == "initial" and first.signed_at is not None
    assert day(first) == STORY_UNTIL - timedelta(days=STORY_DAYS)  # the demo's first day
    fridays = [day(c) for c in counted[1:]]
    assert all(c.kind == "routine" for c in counted[1:]) and len(fridays) >= 9
    assert {d.weekday() for d in fridays} == {4}
    assert {(b - a).days for a, b in itertools.pairwise(fridays)} == {7}  # every week
    found = {d.status: d for d in _rows(story_db, "select * from discrepancy")}
    assert set(found) == {"resolved", "investigating"}
    (late,) = _rows(
        story_db,
        "select m.late, m.kind, r.id as review from movement m left join late_review r "
        "on r.movement_id = m.id where m.id = :m",
        m=found["resolved"].resolving_movement_id,
    )
    assert late.late and late.kind == "administer" and late.review is not None
    assert _rows(
        story_db, "select text from discrepancy_note where discrepancy_id = :d",
        d=found["investigating"].id,
    )  # fmt: skip
    assert run_check(story_db).ok
