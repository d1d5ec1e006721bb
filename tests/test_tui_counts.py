"""Counts and discrepancies in the app, by key presses: a blind count with a vial in each tier,
the registrant's typed sign-off, an escalation with its Form 106 deadlines, and alerts that
open what they are about. Rows are read back from the ledger."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import sqlalchemy as sa
from textual.widgets import DataTable, Input, Static

from ledger import clock
from ledger.models import metadata
from ledger.services import counts, discrepancies
from ledger.services.infusions import record_infusion
from tests.support import Clinic, dump, pw
from tests.test_tui import _settle, _static_text
from tui.app.vialbook_app import VialbookApp

#: A Tuesday afternoon in Denver, the day after the test clinic opened.
TUESDAY = datetime(2026, 1, 6, 20, 0, tzinfo=UTC)
#: K-000001 455 mg (9.1 mL), K-000002 400 mg (8 mL), K-000003 450 mg (9 mL); sealed 500 mg.
BOOK_FIGURES = ("455", "9.1", "400", "450")
#: The tables a sign-off writes.
STOCK = ("movement", "vial_balance", "chain_head", "count_approval")


def _draw(clinic: Clinic, vial: str, mg: int) -> None:
    record_infusion(
        clinic.db, clinic.actor("nina"), patient="MRN1", vial=vial, drawn_ug=mg * 1000,
        given_ug=mg * 1000, wasted_ug=0, witness=clinic.witness("omar"),
    )  # fmt: skip


def _opened(clinic: Clinic) -> Clinic:
    clock.set_clock(lambda: TUESDAY)
    _draw(clinic, "K-000001", 45)
    _draw(clinic, "K-000002", 100)
    _draw(clinic, "K-000003", 50)
    return clinic


def _rows(clinic: Clinic, table: str) -> list[dict]:  # type: ignore[type-arg]
    t = metadata.tables[table]
    with clinic.db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.id))]


async def _keys(app: VialbookApp, pilot, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """Words are typed letter by letter; key names (enter, tab, down…) pressed as they are."""
    named = {"enter", "tab", "shift+tab", "escape", "down", "up", "backspace"}
    for k in keys:
        await pilot.press(*([k] if k in named else list(k)))
    await _settle(app, pilot)


def _cells(app: VialbookApp, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def _column(app: VialbookApp, selector: str, name: str) -> dict[str, str]:
    table = app.screen.query_one(selector, DataTable)
    at = [str(c.label) for c in table.ordered_columns].index(name)
    return {row[0]: row[at] for row in _cells(app, selector)}


def _screen_text(app: VialbookApp) -> str:
    """Everything the count screen shows: its titles, every Static, every table cell."""
    parts = [app.title, app.sub_title]
    parts += [str(s.render()) for s in app.screen.query(Static)]
    for table in app.screen.query(DataTable):
        parts += [str(c.label) for c in table.ordered_columns]
        parts += [cell for row in _cells(app, f"#{table.id}") for cell in row]
    return "\n".join(parts)


async def _down_to(app: VialbookApp, pilot, selector: str, key: str) -> None:  # type: ignore[no-untyped-def]
    table = app.screen.query_one(selector, DataTable)
    table.focus()
    await _keys(app, pilot, *["down"] * (table.get_row_index(key) - table.cursor_row))


async def test_a_blind_count_by_keys_with_a_vial_in_each_tier_shows_no_book_amount(
    clinic: Clinic,
) -> None:
    clinic = _opened(clinic)
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _keys(app, pilot, "8")
        assert type(app.screen).__name__ == "CountScreen"
        assert "No count is open" in _static_text(app, "#count-title")
        await _keys(app, pilot, "n")
        assert type(app.screen).__name__ == "CountStartModal"
        await _keys(app, pilot, "enter", "enter", "omar", "enter")
        assert type(app.screen).__name__ == "CountScreen"
        assert [r[0] for r in _cells(app, "#count-vials")] == [
            "K-000001", "K-000002", "K-000003", "K-000004", "K-000005",
            "M-000001", "M-000002", "M-000003",
        ]  # fmt: skip
        # Open vials read in mL, sealed ones present or missing; one key or one number each.
        await _keys(app, pilot, "9.05", "enter")  # 0.05 mL short: accepted
        await _keys(app, pilot, "7.5", "enter")  # 0.5 mL short: sign-off
        await _keys(app, pilot, "7", "enter")  # 2 mL short: discrepancy
        await _keys(app, pilot, "p", "m", "p", "p", "p")  # K-000005 missing: discrepancy
        assert _column(app, "#count-vials", "Counted") == {
            "K-000001": "9.05 mL", "K-000002": "7.5 mL", "K-000003": "7 mL",
            "K-000004": "present", "K-000005": "missing",
            "M-000001": "present", "M-000002": "present", "M-000003": "present",
        }  # fmt: skip
        # Blind: nothing on the count screen comes from the book.
        shown = _screen_text(app)
        assert "8 of 8 counted" in shown
        assert not [figure for figure in BOOK_FIGURES if figure in shown]
        assert not re.search(r"\b(book|balance|left)\b", shown, re.IGNORECASE)

        await _keys(app, pilot, "s")
        assert type(app.screen).__name__ == "CountReviewScreen"
        outcome = _column(app, "#review-lines", "Outcome")
        # After submission the book is shown: the same check finds its figures now.
        assert _column(app, "#review-lines", "Book mg")["K-000001"] == "455"
    assert outcome == {
        "K-000001": "accepted", "K-000002": "needs sign-off", "K-000003": "DISCREPANCY",
        "K-000004": "accepted", "K-000005": "DISCREPANCY",
        "M-000001": "accepted", "M-000002": "accepted", "M-000003": "accepted",
    }  # fmt: skip
    (count,) = _rows(clinic, "count")
    assert count["submitted_at"] is not None and count["witness_id"] is not None
    results = {r["vial_id"]: r["outcome"] for r in _rows(clinic, "count_result")}
    assert sorted(results.values()).count("discrepancy") == 2
    assert len(_rows(clinic, "count_line")) == 8
    assert len(_rows(clinic, "discrepancy")) == 2
    assert not _rows(clinic, "count_approval")


async def test_a_refused_reading_keeps_what_was_typed(sqlite_clinic: Clinic) -> None:
    clinic = _opened(sqlite_clinic)
    counts.start_count(clinic.db, clinic.actor("maria"))
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _keys(app, pilot, "8", "12", "enter")  # more than the vial holds
        assert "CountReadingInvalid" in _static_text(app, "#count-status")
        # The reading stays, for that vial: one backspace and the right digit, and Enter.
        assert _static_text(app, "#count-ml").startswith("K-000001 mL read: 12")
        await _keys(app, pilot, "backspace", "enter")
        assert _column(app, "#count-vials", "Counted")["K-000001"] == "1 mL"
    assert [line["counted_ul"] for line in _rows(clinic, "count_line")] == [1000]


def _submitted(clinic: Clinic) -> int:
    """A count with K-000002 0.5 mL short (sign-off) and K-000005 missing (discrepancy)."""
    maria = clinic.actor("maria")
    count = counts.start_count(clinic.db, maria, witness="omar")
    readings = {"K-000001": "9.1mL", "K-000002": "7.5mL", "K-000003": "9mL"}
    for vial in ("K-000004", "M-000001", "M-000002", "M-000003"):
        readings[vial] = "present"
    readings["K-000005"] = "missing"
    for vial, reading in readings.items():
        counts.record_line(clinic.db, maria, count, vial=vial, reading=reading)
    counts.submit_count(clinic.db, maria, count)
    return count


async def test_the_registrant_signs_off_in_a_typed_modal_after_a_nurse_and_a_wrong_password(
    clinic: Clinic,
) -> None:
    clinic = _opened(clinic)
    count = _submitted(clinic)
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _keys(app, pilot, "8", "v")
        assert type(app.screen).__name__ == "CountReviewScreen"
        await _down_to(app, pilot, "#review-lines", "K-000002")
        await _keys(app, pilot, "a")
        assert type(app.screen).__name__ == "SignoffModal"
        before = dump(clinic.db)
        # A nurse is no registrant: refused, in the modal, with what was typed kept.
        await _keys(app, pilot, "spill at the draw", "enter", "nina", "enter", pw("nina"))
        await _keys(app, pilot, "enter", "omar", "enter", pw("omar"), "enter")
        assert type(app.screen).__name__ == "SignoffModal"
        assert "PermissionDenied" in _static_text(app, "#signoff-error")
        assert app.screen.query_one("#sign-reason", Input).value == "spill at the draw"
        assert app.screen.query_one("#sign-witness", Input).value == "omar"
        assert app.screen.query_one("#sign-registrant_password", Input).value == ""
        # The registrant, with a wrong password: refused too.
        await _keys(app, pilot, "shift+tab", "drkim", "enter", "not-my-password", "enter")
        await _keys(app, pilot, "enter", pw("omar"), "enter")
        assert "WrongPassword" in _static_text(app, "#signoff-error")
        # Neither refusal wrote a thing but the audit trail and the password counters.
        after = dump(clinic.db)
        assert {k: after[k] for k in STOCK} == {k: before[k] for k in STOCK}
        # Now right: her password, the witness's, and the adjustment is written.
        await _keys(app, pilot, pw("drkim"), "enter", "enter", pw("omar"), "enter")
        assert type(app.screen).__name__ == "CountReviewScreen"
        assert "signed off by drkim" in _static_text(app, "#review-status")
        follow = _column(app, "#review-lines", "Follow-up")["K-000002"]
    (approval,) = _rows(clinic, "count_approval")
    assert follow == f"signed: #{approval['movement_id']}"
    assert approval["reason"] == "spill at the draw"
    users = {u["username"]: u["id"] for u in _rows(clinic, "app_user")}
    assert approval["approved_by_id"] == users["drkim"]
    assert approval["witness_id"] == users["omar"]
    adjustments = [m for m in _rows(clinic, "movement") if m["kind"] == "adjustment"]
    assert [(m["id"], m["amount_ug"]) for m in adjustments] == [(approval["movement_id"], -25_000)]
    assert f'"count": {count}' in adjustments[0]["detail"]


async def test_an_alert_opens_the_discrepancy_and_the_registrant_escalates_it(
    sqlite_clinic: Clinic,
) -> None:
    clinic = _opened(sqlite_clinic)
    _submitted(clinic)
    (found,) = _rows(clinic, "discrepancy")
    # Eight days on, a Wednesday: the discrepancy has been open too long and says so.
    clock.set_clock(lambda: datetime(2026, 1, 14, 18, 0, tzinfo=UTC))
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        alerts = _cells(app, "#alerts")
        row = next(i for i, r in enumerate(alerts) if "has been unresolved" in r[1])
        await _down_to(app, pilot, "#alerts", str(row))
        await _keys(app, pilot, "enter")
        assert type(app.screen).__name__ == "DiscrepancyScreen"
        assert f"Discrepancy {found['id']} · open · vial K-000005" in _static_text(
            app, "#discrepancy-title"
        )
        await _keys(app, pilot, "n", "seal box empty on the shelf", "enter")
        assert "Note added" in _static_text(app, "#discrepancy-status")
        await _keys(app, pilot, "e", "theft", "enter", "drkim", "enter", pw("drkim"), "enter")
        assert type(app.screen).__name__ == "DiscrepancyScreen"
        detail = _static_text(app, "#discrepancy-detail")
    (escalated,) = _rows(clinic, "discrepancy")
    assert escalated["status"] == "escalated" and escalated["loss_type"] == "theft"
    # Found Tuesday the 6th: written notice by the next business day, Form 106 in 45 days.
    assert escalated["discovered_on"] == date(2026, 1, 6)
    assert escalated["notice_due"] == date(2026, 1, 7)
    assert escalated["form_due"] == date(2026, 2, 20)
    # On the 14th both count down from the clinic's today.
    assert "FORM 106 DRAFT" in detail
    assert "2026-01-07 (OVERDUE by 7 days)" in detail
    assert "2026-02-20 (in 37 days)" in detail
    assert "seal box empty on the shelf" in detail
    (note,) = _rows(clinic, "discrepancy_note")
    assert note["text"] == "seal box empty on the shelf"


async def test_a_count_alert_opens_the_count_and_an_auditor_is_offered_no_count(
    sqlite_clinic: Clinic,
) -> None:
    clinic = _opened(sqlite_clinic)
    counts.start_count(clinic.db, clinic.actor("maria"))
    clock.set_clock(lambda: datetime(2026, 1, 8, 18, 0, tzinfo=UTC))
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        alerts = _cells(app, "#alerts")
        row = next(i for i, r in enumerate(alerts) if "not submitted" in r[1])
        await _down_to(app, pilot, "#alerts", str(row))
        await _keys(app, pilot, "enter")
        assert type(app.screen).__name__ == "CountScreen"
        assert _static_text(app, "#count-title").startswith("Count 1 · routine")
    auditor = VialbookApp(clinic.db, actor=clinic.actor("audrey"))
    async with auditor.run_test(size=(120, 36)) as pilot:
        await _settle(auditor, pilot)
        assert not auditor.screen.check_action("show_counts", ())
        await _keys(auditor, pilot, "8")
        assert type(auditor.screen).__name__ == "DashboardScreen"


def test_count_screen_snapshot(sqlite_clinic: Clinic, snap_compare) -> None:  # type: ignore[no-untyped-def]
    clinic = _opened(sqlite_clinic)
    maria = clinic.actor("maria")
    count = counts.start_count(clinic.db, maria, witness="omar")
    counts.record_line(clinic.db, maria, count, vial="K-000001", reading="9.05mL")
    counts.record_line(clinic.db, maria, count, vial="K-000004", reading="present")
    app = VialbookApp(clinic.db, actor=maria)

    async def counting(pilot) -> None:  # type: ignore[no-untyped-def]
        await _settle(app, pilot)
        # K-000002's reading half typed: the picture shows where the digits go.
        await _keys(app, pilot, "8", "down", "7.5")

    assert snap_compare(app, terminal_size=(120, 36), run_before=counting)


async def test_an_alert_about_a_vial_opens_the_vials_screen_at_that_vial(
    sqlite_clinic: Clinic,
) -> None:
    clinic = _opened(sqlite_clinic)
    # Two months on, the opened vials are past their beyond-use date.
    clock.set_clock(lambda: datetime(2026, 3, 9, 18, 0, tzinfo=UTC))
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        alerts = _cells(app, "#alerts")
        row = next(i for i, r in enumerate(alerts) if r[1].startswith("vial K-000002 passed"))
        await _down_to(app, pilot, "#alerts", str(row))
        await _keys(app, pilot, "enter")
        assert type(app.screen).__name__ == "VialsScreen"
        table = app.screen.query_one("#vials", DataTable)
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "K-000002"


async def test_a_discrepancy_resolved_by_a_late_charted_infusion_keeps_the_form_after_a_refusal(
    sqlite_clinic: Clinic,
) -> None:
    clinic = _opened(sqlite_clinic)
    _submitted(clinic)
    _draw(clinic, "K-000005", 100)  # the infusion charted late, from the vial counted missing
    movements = _rows(clinic, "movement")
    vials = {v["id"]: v["label"] for v in _rows(clinic, "vial")}
    late = max(m["id"] for m in movements if vials[m["vial_id"]] == "K-000005")
    other = max(m["id"] for m in movements if vials[m["vial_id"]] == "K-000001")
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _keys(app, pilot, "d")
        assert type(app.screen).__name__ == "DiscrepancyScreen"
        await _keys(app, pilot, "v", "charted late by the nurse", "enter", str(other), "enter")
        assert type(app.screen).__name__ == "ResolveModal"
        assert "UnknownRecord" in _static_text(app, "#resolve-error")
        assert app.screen.query_one("#resolve-explanation", Input).value == (
            "charted late by the nurse"
        )
        # Back to the movement number, typed over, and Enter.
        await _keys(app, pilot, "shift+tab", "tab", str(late), "enter")
        assert type(app.screen).__name__ == "DiscrepancyScreen"
        assert f"resolved by movement {late}" in _static_text(app, "#discrepancy-status")
        assert not app.screen.check_action("escalate", ())
    (found,) = _rows(clinic, "discrepancy")
    assert found["status"] == "resolved"
    assert found["explanation"] == "charted late by the nurse"
    assert found["resolving_movement_id"] == late


async def test_a_refused_note_keeps_its_text_in_the_modal(sqlite_clinic: Clinic) -> None:
    clinic = _opened(sqlite_clinic)
    _submitted(clinic)
    (found,) = _rows(clinic, "discrepancy")
    clock.set_clock(lambda: datetime(2026, 1, 8, 18, 0, tzinfo=UTC))
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _keys(app, pilot, "d")
        assert type(app.screen).__name__ == "DiscrepancyScreen"
        # Another workstation resolves it while the manager is typing her note.
        await _keys(app, pilot, "n", "box found in the fridge")
        discrepancies.resolve(
            clinic.db, clinic.actor("drkim"), found["id"], explanation="vial found, recounted"
        )
        before = dump(clinic.db)
        await _keys(app, pilot, "enter")
        assert type(app.screen).__name__ == "ReasonScreen"
        assert f"discrepancy {found['id']} is resolved" in _static_text(app, "#reason-error")
        assert app.screen.query_one("#reason-text", Input).value == "box found in the fridge"
        assert dump(clinic.db) == before
        await _keys(app, pilot, "escape")
        assert type(app.screen).__name__ == "DiscrepancyScreen"
    assert _rows(clinic, "discrepancy_note") == []


async def test_a_recount_is_offered_with_the_counts_witness(sqlite_clinic: Clinic) -> None:
    clinic = _opened(sqlite_clinic)
    _submitted(clinic)  # witnessed by omar
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _keys(app, pilot, "8", "v")
        assert type(app.screen).__name__ == "CountReviewScreen"
        await _keys(app, pilot, "r")
        assert type(app.screen).__name__ == "CountStartModal"
        assert app.screen.query_one("#count-witness", Input).value == "omar"
        await _keys(app, pilot, "enter", "enter", "enter")
        assert type(app.screen).__name__ == "CountScreen"
    second = _rows(clinic, "count")[-1]
    users = {u["username"]: u["id"] for u in _rows(clinic, "app_user")}
    assert second["witness_id"] == users["omar"] and second["submitted_at"] is None


async def test_the_registrant_confirms_the_loss_by_keys_and_its_deadlines_clear(
    clinic: Clinic,
) -> None:
    clinic = _opened(clinic)
    _submitted(clinic)  # K-000005 missing: discrepancy
    (found,) = _rows(clinic, "discrepancy")
    discrepancies.escalate(clinic.db, clinic.actor("drkim"), found["id"], loss_type="theft")
    movements = len(_rows(clinic, "movement"))
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _keys(app, pilot, "d")
        assert type(app.screen).__name__ == "DiscrepancyScreen"
        assert app.screen.check_action("confirm_loss", ())
        await _keys(app, pilot, "c", "drkim", "enter", pw("drkim"), "enter")
        assert type(app.screen).__name__ == "DiscrepancyScreen"
        assert "recorded as movement" in _static_text(app, "#discrepancy-status")
        assert not app.screen.check_action("confirm_loss", ())
        detail = _static_text(app, "#discrepancy-detail")
        # Confirmed on the clinic's Tuesday (20:00 UTC is 13:00 in Denver): no countdown now.
        assert "Draft confirmed by the registrant on 2026-01-06" in detail
        assert "was due 2026-01-07" in detail and "tomorrow" not in detail
    (loss,) = _rows(clinic, "movement")[movements:]
    (confirmed,) = _rows(clinic, "discrepancy")
    assert (loss["kind"], loss["amount_ug"]) == ("loss", -500_000)
    assert confirmed["loss_movement_id"] == loss["id"]
    assert confirmed["form_confirmed_at"] is not None


async def test_a_loss_found_outside_a_count_is_confirmed_in_the_app_too(
    sqlite_clinic: Clinic,
) -> None:
    """`vialbook loss` wrote the loss and opened the discrepancy; once escalated, its Form 106
    deadlines stand until the registrant confirms the draft, and the app must offer that."""
    from ledger.queries.alerts import alerts
    from ledger.services import disposal

    clinic = _opened(sqlite_clinic)
    lost = disposal.record_loss(
        clinic.db, clinic.actor("maria"), vial="K-000004", amount_ug=None, reason="not in safe"
    )
    assert lost.discrepancy is not None
    discrepancies.escalate(clinic.db, clinic.actor("drkim"), lost.discrepancy, loss_type="theft")
    movements = _rows(clinic, "movement")
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _keys(app, pilot, "d")
        assert app.screen.check_action("confirm_loss", ())
        await _keys(app, pilot, "c", "drkim", "enter", pw("drkim"), "enter")
        assert type(app.screen).__name__ == "DiscrepancyScreen"
        assert f"recorded as movement {lost.movement_ids[0]}" in _static_text(
            app, "#discrepancy-status"
        )
        assert not app.screen.check_action("confirm_loss", ())
    assert _rows(clinic, "movement") == movements  # no second loss
    (confirmed,) = _rows(clinic, "discrepancy")
    assert confirmed["form_confirmed_at"] is not None
    kinds = {a.kind for a in alerts(clinic.db, clinic.actor("maria"))}
    assert not {"form106_notice_due", "form106_due"} & kinds


def _inventory_count(clinic: Clinic, *, leave_out: str | None = None) -> int:
    """An initial inventory at the opening, submitted: every vial counted but `leave_out`."""
    maria = clinic.actor("maria")
    count = counts.start_count(clinic.db, maria, kind="initial", at="opening", witness="omar")
    readings = {"K-000001": "9.1mL", "K-000002": "8mL", "K-000003": "9mL"}
    for vial in ("K-000004", "K-000005", "M-000001", "M-000002", "M-000003"):
        readings[vial] = "present"
    for vial, reading in readings.items():
        if vial != leave_out:
            counts.record_line(clinic.db, maria, count, vial=vial, reading=reading)
    counts.submit_count(clinic.db, maria, count)
    return count


async def test_the_registrant_signs_the_inventory_in_the_app_after_a_nurse_is_refused(
    clinic: Clinic,
) -> None:
    clinic = _opened(clinic)
    count = _inventory_count(clinic)
    app = VialbookApp(clinic.db, actor=clinic.actor("maria"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _keys(app, pilot, "8", "v")
        assert type(app.screen).__name__ == "CountReviewScreen"
        assert "i: the registrant signs it" in _static_text(app, "#review-title")
        await _keys(app, pilot, "i")
        assert type(app.screen).__name__ == "SignoffModal"
        before = dump(clinic.db)
        await _keys(app, pilot, "nina", "enter", pw("nina"), "enter")
        assert "PermissionDenied" in _static_text(app, "#signoff-error")
        assert dump(clinic.db)["count"] == before["count"]
        await _keys(app, pilot, "shift+tab", *["backspace"] * 4, "drkim", "enter")
        await _keys(app, pilot, pw("drkim"), "enter")
        assert type(app.screen).__name__ == "CountReviewScreen"
        assert "next biennial inventory due 2028-01-06" in _static_text(app, "#review-status")
        assert "inventory signed by drkim" in _static_text(app, "#review-title")
        assert not app.screen.check_action("sign_inventory", ())
    (signed,) = _rows(clinic, "count")
    users = {u["username"]: u["id"] for u in _rows(clinic, "app_user")}
    assert signed["id"] == count and signed["signed_by_id"] == users["drkim"]
    assert signed["signed_at"] is not None


async def test_an_inventory_with_a_vial_left_out_is_not_signed_in_the_app(
    sqlite_clinic: Clinic,
) -> None:
    clinic = _opened(sqlite_clinic)
    _inventory_count(clinic, leave_out="M-000003")
    app = VialbookApp(clinic.db, actor=clinic.actor("drkim"))
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        await _keys(app, pilot, "8", "v", "i", "drkim", "enter", pw("drkim"), "enter")
        assert type(app.screen).__name__ == "SignoffModal"
        refusal = _static_text(app, "#signoff-error")
        assert "InventoryIncomplete" in refusal and "M-000003 not counted" in refusal
    (count,) = _rows(clinic, "count")
    assert count["signed_at"] is None
