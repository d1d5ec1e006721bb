"""The billing documents' command line: diagnoses, NPIs, the medical director, estimates,
the cross-check's JSON contract, and a superbill exported by billing staff."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pypdf
from typer.testing import CliRunner

from tests.billing_documents_support import MONDAY, infusion, pin, ready_for_billing
from tests.support import Clinic, pw
from tui.cli import app

runner = CliRunner()


def _run(clinic: Clinic, user: str, *args: str):  # type: ignore[no-untyped-def]
    env = {
        "VIALBOOK_USER": user,
        "VIALBOOK_PASSWORD": pw(user),
        "VIALBOOK_DB": clinic.db.url,
        "VIALBOOK_NEW_PASSWORD": "a-long-new-password",
    }
    return runner.invoke(app, list(args), env=env)


def test_npis_the_medical_director_and_a_diagnosis(sqlite_clinic: Clinic) -> None:
    bad = _run(sqlite_clinic, "admin", "user", "update", "drkim", "--npi", "1245319590")
    assert bad.exit_code == 1 and "InvalidText" in bad.output and "check digit" in bad.output
    ok = _run(sqlite_clinic, "admin", "user", "update", "drkim", "--npi", "1245319599", "--json")
    assert ok.exit_code == 0, ok.output
    added = _run(
        sqlite_clinic, "admin", "user", "add", "drlee", "--name", "Dr Lee", "--role",
        "registrant", "--npi", "1234567893", "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    director = _run(sqlite_clinic, "admin", "settings", "set", "--medical-director", "drkim")
    assert director.exit_code == 0, director.output
    coded = _run(sqlite_clinic, "bella", "patient", "diagnose", "MRN1", "--icd10", "f331", "--json")
    assert json.loads(coded.output)["codes"] == ["F33.1"]
    wrong = _run(sqlite_clinic, "bella", "patient", "diagnose", "MRN1", "--icd10", "F3.31")
    assert wrong.exit_code == 1 and "error: InvalidText" in wrong.output


def test_an_estimate_is_made_shown_and_checked(sqlite_clinic: Clinic) -> None:
    pin(MONDAY)
    ready_for_billing(sqlite_clinic)
    made = _run(
        sqlite_clinic, "bella", "gfe", "new", "--patient", "MRN1", "--item", "CONSULT",
        "--package", "SERIES6", "--scheduled", "2026-03-16", "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    data = json.loads(made.output)
    assert data["total_cents"] == 265_000 and data["due_on"] == "2026-03-05"
    shown = _run(sqlite_clinic, "audrey", "gfe", "show", str(data["estimate"]))
    assert "GOOD FAITH ESTIMATE" in shown.output and "$2,650.00" in shown.output
    assert "not a contract" in shown.output
    nurse = _run(sqlite_clinic, "nina", "gfe", "show", str(data["estimate"]))
    assert nurse.exit_code == 1 and "PermissionDenied" in nurse.output
    checked = _run(sqlite_clinic, "bella", "billing", "gfe-check", "--json")
    assert checked.exit_code == 0 and json.loads(checked.output) == []


def test_the_crosscheck_prints_its_json_contract_and_a_superbill_exports(
    sqlite_clinic: Clinic, tmp_path: Path
) -> None:
    pin(MONDAY)
    ready_for_billing(sqlite_clinic)
    infusion(sqlite_clinic)
    pin(MONDAY + timedelta(days=1))
    for args in (
        ("invoice", "new", "--patient", "MRN2"),
        ("invoice", "add-line", "1", "--item", "MOOD"),
        ("invoice", "issue", "1"),
    ):
        done = _run(sqlite_clinic, "bella", *args)
        assert done.exit_code == 0, done.output
    found = _run(
        sqlite_clinic, "audrey", "billing", "crosscheck", "--from", "2026-03-01", "--to",
        "2026-03-31", "--json",
    )  # fmt: skip
    assert found.exit_code == 1
    rows = json.loads(found.output)
    assert [set(r) for r in rows] == [{"kind", "infusion", "patient", "message"}]
    assert rows[0]["kind"] == "billed_without_administration" and rows[0]["patient"] == "MRN2"
    out = tmp_path / "superbill.pdf"
    exported = _run(
        sqlite_clinic, "bella", "export", "superbill", "--patient", "MRN1", "--date",
        "2026-03-02", "--out", str(out), "--json",
    )  # fmt: skip
    assert exported.exit_code == 0, exported.output
    text = "".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
    assert "1245319599" in text and "96365" in text
    none = _run(
        sqlite_clinic, "bella", "export", "superbill", "--patient", "MRN1", "--date",
        "2026-03-03", "--out", str(tmp_path / "none.pdf"),
    )  # fmt: skip
    assert none.exit_code == 1 and "error: NoServiceThatDay" in none.output
    listed = _run(sqlite_clinic, "audrey", "export", "list")
    names = [line.split()[0] for line in listed.output.splitlines()]
    assert {"invoice", "superbill", "gfe", "billing-crosscheck", "ar-aging"} <= set(names)
