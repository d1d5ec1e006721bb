"""`vialbook count` and `vialbook discrepancy` at the terminal: the JSON contract, a blind
`count record`, the registrant's sign-off (refused for a nurse and a wrong password), and the
Form 106 draft's dates."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from ledger import clock
from ledger.services.infusions import record_infusion
from tests.reliability.cli import assert_refused, vialbook
from tests.support import Clinic, dump
from tui.cli import app


def _open_k2(clinic: Clinic) -> None:
    """K-000002 holds 8 mL (400 mg) on the book."""
    record_infusion(
        clinic.db, clinic.actor("nina"), patient="MRN1", vial="K-000002", drawn_ug=100_000,
        given_ug=100_000, wasted_ug=0, witness=clinic.witness("omar"),
    )  # fmt: skip


def _json(result) -> object:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_blind_count_and_its_sign_off_at_the_terminal(clinic: Clinic) -> None:
    _open_k2(clinic)
    url = clinic.db.url
    started = _json(vialbook(url, "count", "start", "--witness", "omar", "--json", user="maria"))
    count = str(started["count"])
    record = vialbook(url, "count", "record", count, "--vial", "K-000002", "--ml", "7.5mL",
                      "--json", user="maria")  # fmt: skip
    line = _json(record)
    assert (
        line["counted_ml"] == "7.5" and "book" not in record.output and "400" not in record.output
    )
    human = vialbook(url, "count", "record", count, "--vial", "K-000004", "--present", user="maria")
    assert human.exit_code == 0 and "500" not in human.output and "book" not in human.output
    submitted = _json(vialbook(url, "count", "submit", count, "--json", user="maria"))
    lines = {x["vial"]: x for x in submitted["lines"]}
    assert submitted["count"] == int(count)
    # The contract's keys on every line (mL and the discrepancy opened come beside them).
    contract = {"vial", "book_ug", "counted_ug", "variance_ug", "outcome"}
    for x in submitted["lines"]:
        assert set(x) == contract | {"variance_ml", "discrepancy"}
        assert isinstance(x["book_ug"], int) and x["outcome"] in {
            "accepted", "needs_signoff", "discrepancy", "recount", "not_counted"
        }  # fmt: skip
    assert lines["K-000001"]["counted_ug"] is None and lines["K-000001"]["variance_ug"] is None
    keys = ("book_ug", "counted_ug", "variance_ug", "outcome")
    assert {k: lines["K-000002"][k] for k in keys} == {
        "book_ug": 400_000, "counted_ug": 375_000, "variance_ug": -25_000,
        "outcome": "needs_signoff",
    }  # fmt: skip
    assert lines["K-000004"]["outcome"] == "accepted"
    assert lines["K-000001"]["outcome"] == "not_counted"

    approve = ("count", "approve", count, "--vial", "K-000002", "--reason", "spilt",
               "--witness", "omar")  # fmt: skip
    before = dump(clinic.db)
    assert_refused(vialbook(url, *approve, user="nina"), "PermissionDenied")
    wrong = CliRunner().invoke(app, list(approve), env={
        "VIALBOOK_DB": url, "VIALBOOK_USER": "drkim", "VIALBOOK_PASSWORD": "not-my-password",
        "VIALBOOK_WITNESS_PASSWORD": "omar-secret-pw", "VIALBOOK_DEBUG": None,
    })  # fmt: skip
    assert_refused(wrong, "WrongPassword")
    assert dump(clinic.db) == before
    done = _json(vialbook(url, *approve, "--json", user="drkim"))
    after = dump(clinic.db)
    assert len(after["movement"]) == len(before["movement"]) + 1
    assert after["movement"][-1][0] == done["movement"]


def test_a_missing_vial_escalated_across_a_weekend(clinic: Clinic, tmp_path: Path) -> None:
    friday = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)
    clock.set_clock(lambda: friday)
    url = clinic.db.url
    changed = vialbook(url, "settings", "set", "--count-accept-ml", "0.2", "--holidays",
                       "2026-03-09", "--json", user="admin")  # fmt: skip
    shown = _json(changed)
    assert {k: shown[k] for k in ("count_accept_ul", "count_signoff_ul", "holidays")} == {
        "count_accept_ul": 200, "count_signoff_ul": 1000, "holidays": "2026-03-09"
    }  # fmt: skip
    count = str(_json(vialbook(url, "count", "start", "--json", user="maria"))["count"])
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("vial,reading\nK-000001,present\nK-000005,missing\n")
    assert _json(vialbook(url, "count", "import", count, str(sheet), "--json", user="maria")) == {
        "count": int(count), "lines": 2
    }  # fmt: skip
    vialbook(url, "count", "submit", count, user="maria")
    (found,) = _json(vialbook(url, "discrepancy", "list", "--json", user="maria"))
    assert (found["status"], found["vial"]) == ("open", "K-000005")
    ident = str(found["id"])
    draft = _json(vialbook(url, "discrepancy", "escalate", ident, "--type", "theft", "--json",
                           user="drkim"))  # fmt: skip
    # Friday's discovery: Saturday, Sunday and Monday's holiday pass; the notice is due Tuesday.
    assert (draft["notice_due"], draft["form_due"]) == ("2026-03-10", "2026-04-20")
    loss = _json(vialbook(url, "discrepancy", "confirm-loss", ident, "--json", user="drkim"))
    assert dump(clinic.db)["movement"][-1][0] == loss["movement"]
    assert_refused(
        vialbook(url, "discrepancy", "confirm-loss", ident, user="drkim"), "LossAlreadyRecorded"
    )


def test_a_bad_sheet_names_its_line_and_records_nothing(clinic: Clinic, tmp_path: Path) -> None:
    url = clinic.db.url
    count = str(_json(vialbook(url, "count", "start", "--json", user="maria"))["count"])
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("K-000001,present\nK-000004,3.0mL\n")
    before = dump(clinic.db)
    result = vialbook(url, "count", "import", count, str(sheet), user="maria")
    assert_refused(result, "ImportRejected")
    assert "line 2" in result.output
    assert dump(clinic.db) == before
    assert_refused(
        vialbook(url, "count", "record", count, "--vial", "K-000001", user="maria"),
        "CountReadingInvalid",
    )
