"""The export commands: the list, one export, refusals as `error: Rule: message`, and
verify-export's exit code. The command line must not load reportlab or openpyxl."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from reports.catalogue import ALL_REPORTS
from tests.support import Clinic, pw
from tui.cli import app

runner = CliRunner()


def _run(clinic: Clinic, user: str, *args: str):  # type: ignore[no-untyped-def]
    env = {"VIALBOOK_USER": user, "VIALBOOK_PASSWORD": pw(user), "VIALBOOK_DB": clinic.db.url}
    return runner.invoke(app, list(args), env=env)


def test_export_list_prints_one_report_per_line_name_first(sqlite_clinic: Clinic) -> None:
    result = _run(sqlite_clinic, "audrey", "export", "list")
    lines = result.output.strip().splitlines()
    assert result.exit_code == 0
    assert [line.split()[0] for line in lines] == [k.name for k in ALL_REPORTS]


def test_an_export_writes_the_file_and_reports_its_hash(sqlite_clinic: Clinic, tmp_path) -> None:
    out = tmp_path / "receiving.xlsx"
    result = _run(
        sqlite_clinic,
        "maria",
        "export",
        "receiving-log",
        "--from",
        "2020-01-01",
        "--to",
        "2040-01-01",
        "--out",
        str(out),
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["format"] == "xlsx" and out.exists()
    assert "exporting" not in result.output  # no progress line off a terminal
    check = _run(sqlite_clinic, "audrey", "verify-export", str(out))
    assert check.exit_code == 0 and check.output.startswith("OK: xlsx")


def test_refusals_print_one_error_line(sqlite_clinic: Clinic, tmp_path) -> None:
    out = str(tmp_path / "x.pdf")
    cases = [
        (("waste-log", "--from", "2026-03-02", "--to", "2026-03-01"), "error: InvalidDate: "),
        (("waste-log", "--from", "03/01/2026", "--to", "2026-03-01"), "error: InvalidDate: "),
        (
            ("inventory", "--to", "2026-03-01", "--taken", "noon"),
            "error: InvalidDate: ",
        ),
        (
            ("waste-log", "--from", "2026-03-01", "--to", "2026-03-01", "--format", "csv"),
            "error: UnknownFormat: ",
        ),
        (
            ("proof-of-use", "--from", "2026-03-01", "--to", "2026-03-01", "--vial", "Z-9"),
            "error: UnknownRecord: no vial labelled",
        ),
        (
            (
                "waste-log",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-01",
                "--registration",
                "AB1234563",
            ),
            "error: UnknownRecord: no registration",
        ),
    ]
    for args, expected in cases:
        result = _run(sqlite_clinic, "nina", "export", *args, "--out", out)
        assert result.exit_code == 1, args
        assert result.output.startswith(expected), (args, result.output)
    denied = _run(
        sqlite_clinic,
        "bella",
        "export",
        "waste-log",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-01",
        "--out",
        out,
    )
    assert denied.output.startswith("error: PermissionDenied: bella (billing) may not export")


def test_verify_export_exits_1_on_a_changed_file(sqlite_clinic: Clinic, tmp_path) -> None:
    out = tmp_path / "inv.pdf"
    made = _run(
        sqlite_clinic,
        "drkim",
        "export",
        "inventory",
        "--to",
        "2040-01-01",
        "--out",
        str(out),
    )
    assert made.exit_code == 0, made.output
    out.write_bytes(out.read_bytes().replace(b"Controlled", b"Contr0lled", 1))
    result = _run(sqlite_clinic, "audrey", "verify-export", str(out))
    assert result.exit_code == 1
    assert "FileNotRecorded" in result.output


def test_the_command_line_does_not_load_the_renderers() -> None:
    code = (
        "import sys, tui.cli; "
        "print(sorted(m for m in ('reportlab', 'openpyxl', 'pypdf') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_report_offers_exactly_the_options_it_reads(sqlite_clinic: Clinic, tmp_path) -> None:
    out = tmp_path / "inv.pdf"
    made = _run(
        sqlite_clinic, "drkim", "export", "inventory", "--to", "2040-01-01", "--out", str(out)
    )
    assert made.exit_code == 0, made.output
    assert out.exists()
    assert "--from" not in _run(sqlite_clinic, "drkim", "export", "inventory", "--help").output
    refused = _run(
        sqlite_clinic, "drkim", "export", "receiving-log", "--from", "2026-03-01",
        "--to", "2026-03-31", "--vial", "K-000001", "--out", str(tmp_path / "r.pdf"),
    )  # fmt: skip
    assert refused.exit_code == 2 and "No such option: --vial" in refused.output
    for name, option in (("administration-log", "--schedule"), ("waste-log", "--vial")):
        assert option in _run(sqlite_clinic, "drkim", "export", name, "--help").output


def test_the_administration_log_can_be_exported_for_one_schedule(
    sqlite_clinic: Clinic, tmp_path
) -> None:
    out = tmp_path / "admin.xlsx"
    made = _run(
        sqlite_clinic, "drkim", "export", "administration-log", "--from", "2020-01-01",
        "--to", "2040-01-01", "--schedule", "III", "--out", str(out), "--json",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    bad = _run(
        sqlite_clinic, "drkim", "export", "administration-log", "--from", "2020-01-01",
        "--to", "2040-01-01", "--schedule", "7", "--out", str(out),
    )  # fmt: skip
    assert bad.exit_code == 1 and bad.output.startswith("error: InvalidSchedule: ")
