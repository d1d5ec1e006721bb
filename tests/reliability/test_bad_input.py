"""Bad input at the edges: what a tired nurse or a broken export can type or hand over.

Every case goes through the real command line and must end in one `error: Rule: ...` line,
a non-zero exit, no traceback, and a ledger exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.database import Database
from tests.reliability.cli import assert_refused, vialbook
from tests.support import KETAMINE, dump

LONG = "9" * 10_000

BAD_AMOUNTS = [
    "1,5mL",
    "-3mg",
    "1e3mg",
    "NaN",
    "nan mg",
    "",
    "   ",
    LONG,
    LONG + "mg",
    "45",
    "0.00001mL",
    "45 mg/kg",
    "inf mg",
    "4 5mg",
    "45mg; DROP TABLE movement",
]


@pytest.mark.parametrize("amount", BAD_AMOUNTS, ids=lambda a: repr(a[:20]))
def test_an_amount_that_is_not_an_amount_is_refused_at_the_chair(
    sqlite_db: Database, amount: str
) -> None:
    before = dump(sqlite_db)
    args = ["--patient", "MRN1", "--vial", "K-000001", "--witness", "omar"]
    result = vialbook(
        sqlite_db.url, "infusion", *args, "--drawn", amount, "--given", "40mg", "--wasted", "5mg"
    )
    assert_refused(result, "InvalidAmount")
    assert dump(sqlite_db) == before


@pytest.mark.parametrize("amount", ["1,5mL", "-3mg", "1e3mg", "NaN", "", LONG])
def test_a_bad_waste_or_adjustment_amount_is_refused(sqlite_db: Database, amount: str) -> None:
    before = dump(sqlite_db)
    waste = ["waste", "--vial", "K-000001", "--amount", amount, "--reason", "spill"]
    result = vialbook(sqlite_db.url, *waste, "--method", "sink", "--witness", "omar")
    assert_refused(result, "InvalidAmount")
    adjust = ["adjust", "--vial", "K-000001", "--down", amount, "--reason", "count"]
    result = vialbook(sqlite_db.url, *adjust, "--witness", "omar", user="drkim")
    assert_refused(result, "InvalidAmount")
    assert dump(sqlite_db) == before


BAD_DATES = [
    "31/12/2030",
    "2030-13-01",
    "2030-02-30",
    "12-31-2030",
    "tomorrow",
    "",
    LONG,
    "2030-1-5",
    "2030-01-01T00:00",
]


@pytest.mark.parametrize("day", BAD_DATES, ids=lambda d: repr(d[:20]))
def test_a_lot_expiry_in_the_wrong_format_is_refused(sqlite_db: Database, day: str) -> None:
    before = dump(sqlite_db)
    result = vialbook(
        sqlite_db.url, "receive", "--supplier", "Henry Schein", "--invoice", "INV-9",
        "--product", KETAMINE, "--lot", "L9", "--expires", day, "--vials", "2", user="maria",
    )  # fmt: skip
    assert_refused(result, "InvalidDate")
    assert dump(sqlite_db) == before


@pytest.mark.parametrize("when", ["27/11/2026 14:30", "yesterday", LONG, "2026-11-27 25:00"])
def test_a_waste_time_in_the_wrong_format_is_refused(sqlite_db: Database, when: str) -> None:
    before = dump(sqlite_db)
    result = vialbook(
        sqlite_db.url, "waste", "--vial", "K-000001", "--amount", "2mg", "--reason", "spill",
        "--method", "sink", "--witness", "omar", "--at", when,
    )  # fmt: skip
    assert_refused(result, "InvalidDate")
    assert dump(sqlite_db) == before


@pytest.mark.parametrize("count", ["-1", "0", "1e3", "NaN", "", "2.5", LONG])
def test_a_bad_number_of_vials_is_refused(sqlite_db: Database, count: str) -> None:
    before = dump(sqlite_db)
    result = vialbook(
        sqlite_db.url, "receive", "--supplier", "Henry Schein", "--invoice", "INV-9",
        "--product", KETAMINE, "--lot", "L9", "--expires", "2031-01-01", "--vials", count,
        user="maria",
    )  # fmt: skip
    assert_refused(result, "InvalidAmount")
    assert dump(sqlite_db) == before


def test_a_log_date_in_the_wrong_format_is_refused(sqlite_db: Database) -> None:
    assert_refused(vialbook(sqlite_db.url, "log", "--from", "2026/01/01"), "InvalidDate")


GOOD = "name,address,dob\nAda One,1 Elm St,1980-01-01\n"

BAD_FILES = {
    "wrong_columns": (b"name,street,dob\nAda One,1 Elm St,1980-01-01\n", "line 1:"),
    "latin_1_bytes": (
        "name,address,dob\nAda One,1 Elm St,1980-01-01\nJosé Ñ,2 Elm St,1981-01-01\n".encode(
            "latin-1"
        ),
        "line 3:",
    ),
    "duplicate_rows": (
        (GOOD + "Bo Two,2 Elm St,1981-02-02\nAda One,1 Elm St,1980-01-01\n").encode(),
        "line 4: duplicate of line 2",
    ),
    "bad_date_on_line_4": (
        (GOOD + "Bo Two,2 Elm St,1981-02-02\nCy Three,3 Elm St,02/03/1982\n").encode(),
        "line 4:",
    ),
    "missing_field": ((GOOD + "Bo Two,1981-02-02\n").encode(), "line 3:"),
    "empty_file": (b"", "line 1:"),
    "header_only": (b"name,address,dob\n", "no patients"),
    "control_character": ((GOOD + "Bo\x00Two,2 Elm St,1981-02-02\n").encode(), "line 3:"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_patient_file_imports_nothing_and_names_the_line(
    sqlite_db: Database, tmp_path: Path, case: str
) -> None:
    data, where = BAD_FILES[case]
    path = tmp_path / "patients.csv"
    path.write_bytes(data)
    before = dump(sqlite_db)
    result = vialbook(sqlite_db.url, "patient", "import", str(path), user="maria")
    assert_refused(result, "ImportRejected")
    assert where in result.output
    assert dump(sqlite_db) == before


def test_a_good_patient_file_imports_every_row(sqlite_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "patients.csv"
    path.write_bytes((GOOD + "Bo Two,2 Elm St,1981-02-02\n").encode())
    result = vialbook(sqlite_db.url, "patient", "import", str(path), user="maria")
    assert result.exit_code == 0, result.output
    assert "imported 2 patients" in result.output
