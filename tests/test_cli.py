"""The command line: JSON output, one-line refusals, and nothing written when refused."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger.database import open_database
from tests.support import Clinic, dump, pw
from tui.cli import app


def run(clinic: Clinic, *args: str, user: str = "admin", password: str | None = None, **env: str):  # type: ignore[no-untyped-def]
    base = {
        "VIALBOOK_DB": clinic.db.url,
        "VIALBOOK_USER": user,
        "VIALBOOK_PASSWORD": password if password is not None else pw(user),
    }
    base.update(env)
    return CliRunner().invoke(app, list(args), env=base)


def refused(result, rule: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {rule}: ")
    assert "Traceback" not in result.stdout + result.stderr


def test_init_creates_a_clinic_then_only_upgrades(tmp_path: Path) -> None:
    db = str(tmp_path / "new.db")
    env = {"VIALBOOK_PASSWORD": "first-admin-pw"}
    first = CliRunner().invoke(
        app, ["init", "--clinic", "Calm", "--admin", "boss", "--db", db, "--json"], env=env
    )
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout) == {"clinic": "Calm", "admin_id": 1, "admin": "boss"}
    again = CliRunner().invoke(
        app, ["init", "--clinic", "Other", "--admin", "x", "--db", db, "--json"], env=env
    )
    assert json.loads(again.stdout)["upgraded"] is True
    users = CliRunner().invoke(
        app, ["user", "list", "--db", db, "--user", "boss", "--json"], env=env
    )
    assert [u["username"] for u in json.loads(users.stdout)["users"]] == ["boss"]


def test_every_setup_command_prints_the_new_key_as_json(sqlite_clinic: Clinic) -> None:
    c = sqlite_clinic
    r = run(
        c,
        "user",
        "add",
        "zed",
        "--name",
        "Zed",
        "--role",
        "nurse",
        "--json",
        VIALBOOK_NEW_PASSWORD="zed-password",
    )
    assert json.loads(r.stdout) == {"user_id": 8, "username": "zed"}
    r = run(
        c,
        "registration",
        "add",
        "--dea",
        "BK7654329",
        "--registrant",
        "Dr K",
        "--address",
        "2 Rd",
        "--schedules",
        "3,4",
        "--expires",
        "2030-01-01",
        "--json",
    )
    assert json.loads(r.stdout) == {"registration_id": 2, "dea_number": "BK7654329"}
    r = run(
        c,
        "supplier",
        "add",
        "--name",
        "Cardinal",
        "--address",
        "1 Pl",
        "--dea",
        "PC1234563",
        "--json",
    )
    assert json.loads(r.stdout)["supplier_id"] == 2
    r = run(
        c,
        "product",
        "add",
        "--name",
        "Ketamine 10",
        "--ndc",
        "0143-9509-01",
        "--schedule",
        "3",
        "--strength",
        "10mg/mL",
        "--volume",
        "20mL",
        "--json",
    )
    assert json.loads(r.stdout) == {"product_id": 4, "ndc": "00143-9509-01"}
    r = run(
        c,
        "patient",
        "add",
        "--name",
        "Q",
        "--address",
        "1 St",
        "--dob",
        "1990-01-01",
        "--weight",
        "72.5kg",
        "--json",
        user="nina",
    )
    assert json.loads(r.stdout) == {"patient_id": 4, "mrn": "P000004"}


def test_a_wrong_password_is_one_error_line_and_changes_nothing(sqlite_clinic: Clinic) -> None:
    before = dump(sqlite_clinic.db)
    refused(run(sqlite_clinic, "stock", user="nina", password="wrong-wrong"), "WrongPassword")
    assert dump(sqlite_clinic.db) == before


def test_a_locked_account_is_refused_at_the_command_line(sqlite_clinic: Clinic) -> None:
    for _ in range(5):
        run(sqlite_clinic, "stock", user="nina", password="wrong-wrong")
    before = dump(sqlite_clinic.db)
    refused(run(sqlite_clinic, "stock", user="nina"), "AccountLocked")
    assert dump(sqlite_clinic.db) == before


def test_a_wrong_role_is_refused(sqlite_clinic: Clinic) -> None:
    before = dump(sqlite_clinic.db)
    refused(
        run(
            sqlite_clinic,
            "supplier",
            "add",
            "--name",
            "X",
            "--address",
            "Y",
            "--dea",
            "AB1234563",
            user="bella",
        ),
        "PermissionDenied",
    )
    assert dump(sqlite_clinic.db) == before


def test_an_invalid_dea_number_is_refused(sqlite_clinic: Clinic) -> None:
    before = dump(sqlite_clinic.db)
    refused(
        run(
            sqlite_clinic,
            "registration",
            "add",
            "--dea",
            "AB1234564",
            "--registrant",
            "X",
            "--address",
            "Y",
            "--schedules",
            "3",
            "--expires",
            "2030-01-01",
        ),
        "InvalidDEANumber",
    )
    assert dump(sqlite_clinic.db) == before


def test_a_duplicate_ndc_is_refused(sqlite_clinic: Clinic) -> None:
    before = dump(sqlite_clinic.db)
    refused(
        run(
            sqlite_clinic,
            "product",
            "add",
            "--name",
            "K",
            "--ndc",
            "0409-2051-05",
            "--schedule",
            "3",
            "--strength",
            "50mg/mL",
            "--volume",
            "10mL",
        ),
        "DuplicateRecord",
    )
    assert dump(sqlite_clinic.db) == before


@pytest.mark.parametrize(
    "strength,volume",
    [
        ("50mg/L", "10mL"),
        ("50mg", "10mL"),
        ("50mg/mL", "10kg"),
        ("-5mg/mL", "10mL"),
        ("NaN", "10mL"),
        ("50mg/mL", "1e3mL"),
    ],
)
def test_bad_units_on_a_product_are_refused(
    sqlite_clinic: Clinic, strength: str, volume: str
) -> None:
    before = dump(sqlite_clinic.db)
    refused(
        run(
            sqlite_clinic,
            "product",
            "add",
            "--name",
            "K",
            "--ndc",
            "0143-9509-01",
            "--schedule",
            "3",
            "--strength",
            strength,
            "--volume",
            volume,
        ),
        "InvalidAmount",
    )
    assert dump(sqlite_clinic.db) == before


def test_an_infusion_in_ml_converts_exactly_and_reports_the_balance(sqlite_clinic: Clinic) -> None:
    r = run(
        sqlite_clinic,
        "infusion",
        "--patient",
        "MRN1",
        "--vial",
        "K-000001",
        "--drawn",
        "0.9mL",
        "--given",
        "40mg",
        "--wasted",
        "0.1 ml",
        "--witness",
        "omar",
        "--protocol",
        "depression",
        "--json",
        user="nina",
        VIALBOOK_WITNESS_PASSWORD=pw("omar"),
    )
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["balance_after_ug"] == 455_000
    assert data["ordered_mg"] == "40" and data["given_mg"] == "40" and data["wasted_mg"] == "5"
    assert len(data["movement_ids"]) == 2


def test_a_volume_that_is_not_a_whole_microgram_is_refused_not_rounded(
    sqlite_clinic: Clinic,
) -> None:
    before = dump(sqlite_clinic.db)
    refused(
        run(
            sqlite_clinic,
            "infusion",
            "--patient",
            "MRN1",
            "--vial",
            "M-000001",
            "--drawn",
            "0.0005mL",
            "--given",
            "0.0005mL",
            "--wasted",
            "0mg",
            user="nina",
        ),
        "InvalidAmount",
    )
    assert dump(sqlite_clinic.db) == before


def test_stock_json_has_exact_decimal_strings(sqlite_clinic: Clinic) -> None:
    run(
        sqlite_clinic,
        "infusion",
        "--patient",
        "MRN1",
        "--vial",
        "K-000001",
        "--drawn",
        "0.33mL",
        "--given",
        "16.5mg",
        "--wasted",
        "0mg",
        user="nina",
    )
    data = json.loads(run(sqlite_clinic, "stock", "--json", user="audrey").stdout)
    k1 = next(v for v in data["vials"] if v["label"] == "K-000001")
    assert (k1["balance_mg"], k1["balance_ml"], k1["state"]) == ("483.5", "9.67", "open")
    keta = next(p for p in data["products"] if p["ndc"] == "00409-2051-05")
    assert keta == {
        "ndc": "00409-2051-05",
        "name": "Ketamine 50 mg/mL",
        "balance_ug": 2_483_500,
        "balance_mg": "2483.5",
        "balance_ml": "49.67",
        "sealed": 4,
        "open": 1,
    }
    assert set(k1) >= {
        "label",
        "product",
        "ndc",
        "lot",
        "expires",
        "state",
        "bud",
        "balance_mg",
        "balance_ml",
    }


def test_receive_prints_the_new_vial_labels(sqlite_clinic: Clinic) -> None:
    r = run(
        sqlite_clinic,
        "receive",
        "--supplier",
        "Henry Schein",
        "--invoice",
        "I-7",
        "--product",
        "0409-2051-05",
        "--lot",
        "Z1",
        "--expires",
        "2033-01-31",
        "--vials",
        "2",
        "--json",
        user="maria",
    )
    data = json.loads(r.stdout)
    assert data["vials"] == ["K-000006", "K-000007"]
    assert isinstance(data["receipt_id"], int)


def test_log_shows_running_balances(sqlite_clinic: Clinic) -> None:
    run(
        sqlite_clinic,
        "infusion",
        "--patient",
        "MRN1",
        "--vial",
        "K-000001",
        "--drawn",
        "45mg",
        "--given",
        "40mg",
        "--wasted",
        "5mg",
        "--witness",
        "omar",
        user="nina",
        VIALBOOK_WITNESS_PASSWORD=pw("omar"),
    )
    data = json.loads(
        run(sqlite_clinic, "log", "--vial", "K-000001", "--json", user="audrey").stdout
    )
    assert [(m["kind"], m["balance_ug"]) for m in data["movements"]] == [
        ("receive", 500_000),
        ("administer", 460_000),
        ("waste", 455_000),
    ]
    by_patient = json.loads(
        run(sqlite_clinic, "log", "--patient", "MRN1", "--json", user="audrey").stdout
    )
    assert [m["kind"] for m in by_patient["movements"]] == ["administer", "waste"]


def test_an_uninitialised_database_gets_a_hint_not_a_traceback(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app,
        ["stock", "--db", str(tmp_path / "none.db")],
        env={"VIALBOOK_USER": "x", "VIALBOOK_PASSWORD": "y"},
    )
    refused(r, "DatabaseNotInitialised")


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app,
        ["stock", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/x"],
        env={"VIALBOOK_USER": "x", "VIALBOOK_PASSWORD": "y"},
    )
    assert r.exit_code != 0
    assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr


def test_help_starts_without_loading_the_ui_or_report_libraries() -> None:
    code = (
        "import sys; from tui.cli import app; "
        "bad = [m for m in ('textual', 'reportlab', 'openpyxl') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_patient_import_from_a_file(sqlite_clinic: Clinic, tmp_path: Path) -> None:
    f = tmp_path / "patients.csv"
    f.write_text("name,address,dob\nAnn,1 St,1970-01-01\nBo,2 St,1971-02-02\n")
    r = run(sqlite_clinic, "patient", "import", str(f), "--json")
    assert json.loads(r.stdout)["imported"] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("name,address,dob\nCy,3 St,1972-03-03\nDee,4 St,not-a-date\n")
    before = dump(sqlite_clinic.db)
    r = run(sqlite_clinic, "patient", "import", str(bad))
    refused(r, "ImportRejected")
    assert "line 3" in r.stderr
    assert dump(sqlite_clinic.db) == before
    with open_database(sqlite_clinic.db.url).engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from patient").scalar() == 5
