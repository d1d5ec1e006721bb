"""More bad input, each refused by its named rule with the ledger unchanged (issue 9, item 15).

What a careless clinic or an attacker typed into set-up and receiving: implausible dates,
strengths, volumes and weights, placeholder codes, the clinic's own DEA number as a
counterparty, invisible characters in names, and files and ids the database cannot hold.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.database import Database
from tests.reliability.cli import assert_refused, vialbook
from tests.support import DEA, KETAMINE, SUPPLIER_DEA, dump


def _receive(db: Database, *, expires: str = "2031-01-01", supplier: str = "Henry Schein"):  # type: ignore[no-untyped-def]
    return vialbook(
        db.url, "receive", "--supplier", supplier, "--invoice", "INV-9", "--product", KETAMINE,
        "--lot", "L9", "--expires", expires, "--vials", "1", user="maria",
    )  # fmt: skip


@pytest.mark.parametrize("day", ["9999-12-31", "2101-01-01", "0001-01-01"])
def test_a_lot_expiring_beyond_2100_is_refused_before_any_draw_can_overflow(
    sqlite_db: Database, day: str
) -> None:
    before = dump(sqlite_db)
    assert_refused(_receive(sqlite_db, expires=day), "InvalidDate")
    assert dump(sqlite_db) == before


def test_a_supplier_is_found_whatever_the_case_it_is_typed_in(sqlite_db: Database) -> None:
    result = _receive(sqlite_db, supplier="henry schein")
    assert result.exit_code == 0, result.output


def _product(db: Database, *, strength: str = "50mg/mL", volume: str = "10mL", ndc: str):  # type: ignore[no-untyped-def]
    return vialbook(
        db.url, "product", "add", "--name", "Test Drug", "--ndc", ndc, "--schedule", "3",
        "--strength", strength, "--volume", volume, user="admin",
    )  # fmt: skip


@pytest.mark.parametrize(
    "strength,volume",
    [("5000mg/mL", "10mL"), ("0.0001mg/mL", "10mL"), ("50mg/mL", "0.01mL"), ("50mg/mL", "5000mL")],
)
def test_an_implausible_strength_or_volume_is_refused(
    sqlite_db: Database, strength: str, volume: str
) -> None:
    before = dump(sqlite_db)
    result = _product(sqlite_db, strength=strength, volume=volume, ndc="12345-6789-01")
    assert_refused(result, "InvalidAmount")
    assert dump(sqlite_db) == before


@pytest.mark.parametrize("ndc", ["00000-0000-00", "0000-0000-00", "00000000000", "00000-1234-56"])
def test_an_ndc_of_zeros_is_refused(sqlite_db: Database, ndc: str) -> None:
    before = dump(sqlite_db)
    assert_refused(_product(sqlite_db, ndc=ndc), "InvalidNDC")
    assert dump(sqlite_db) == before


@pytest.mark.parametrize(
    "expires,rule", [("2020-01-01", "RegistrationExpired"), ("2150-01-01", "InvalidDate")]
)
def test_a_registration_already_expired_or_beyond_2100_is_refused(
    sqlite_db: Database, expires: str, rule: str
) -> None:
    before = dump(sqlite_db)
    result = vialbook(
        sqlite_db.url, "registration", "add", "--dea", "BK7654329", "--registrant", "Dr K",
        "--address", "2 Rd", "--schedules", "3", "--expires", expires, user="admin",
    )  # fmt: skip
    assert_refused(result, rule)
    assert dump(sqlite_db) == before


@pytest.mark.parametrize("dea", [DEA, DEA.lower()])
def test_a_reverse_distributor_with_the_clinics_own_dea_number_is_refused(
    sqlite_db: Database, dea: str
) -> None:
    before = dump(sqlite_db)
    result = vialbook(
        sqlite_db.url, "return", "--vial", "K-000005", "--distributor", "Ourselves LLC",
        "--distributor-address", "1 Pearl St", "--distributor-dea", dea, "--invoice", "R-1",
        user="maria",
    )  # fmt: skip
    assert_refused(result, "TransferNotAllowed")
    assert dump(sqlite_db) == before


def test_a_transfer_to_the_registration_the_vial_is_at_is_refused(sqlite_db: Database) -> None:
    before = dump(sqlite_db)
    result = vialbook(
        sqlite_db.url, "transfer", "--vial", "K-000005", "--to", DEA, "--reason", "move",
        user="maria",
    )  # fmt: skip
    assert_refused(result, "TransferNotAllowed")
    assert dump(sqlite_db) == before


@pytest.mark.parametrize("name", ["HENRY SCHEIN", "henry schein", " Henry Schein "])
def test_a_supplier_differing_only_by_case_is_a_duplicate(sqlite_db: Database, name: str) -> None:
    before = dump(sqlite_db)
    result = vialbook(
        sqlite_db.url, "supplier", "add", "--name", name, "--address", "1 Rd",
        "--dea", SUPPLIER_DEA, user="admin",
    )  # fmt: skip
    assert_refused(result, "DuplicateRecord")
    assert dump(sqlite_db) == before


@pytest.mark.parametrize(
    "name",
    [
        "Ada \u202eenoL",  # right-to-left override: prints "Ada Lone" reversed
        "Ada\u200bLone",  # zero-width space
        "Ada\u200dLone",  # zero-width joiner
        "Ada\u2066Lone\u2069",  # isolates
        "Ada\nLone",  # a second line on a DEA log
        "Ada\tLone",
        "Ada\u2028Lone",  # line separator
        "\ufeffAda Lone",  # byte-order mark
    ],
)
def test_a_name_with_control_or_invisible_characters_is_refused(
    sqlite_db: Database, name: str
) -> None:
    before = dump(sqlite_db)
    result = vialbook(
        sqlite_db.url, "patient", "add", "--name", name, "--address", "1 Elm",
        "--dob", "1980-01-01", user="nina",
    )  # fmt: skip
    assert_refused(result, "InvalidText")
    assert dump(sqlite_db) == before


@pytest.mark.parametrize("weight", ["180", "1000lb", "0.5kg", "900kg", "1g", "180 stone"])
def test_a_weight_without_a_unit_or_outside_plausible_bounds_is_refused(
    sqlite_db: Database, weight: str
) -> None:
    before = dump(sqlite_db)
    result = vialbook(
        sqlite_db.url, "patient", "add", "--name", "Ada Lone", "--address", "1 Elm",
        "--dob", "1980-01-01", "--weight", weight, user="nina",
    )  # fmt: skip
    assert_refused(result, "InvalidAmount")
    assert dump(sqlite_db) == before


def test_a_weight_in_pounds_is_converted(sqlite_db: Database) -> None:
    result = vialbook(
        sqlite_db.url, "patient", "add", "--name", "Ada Lone", "--address", "1 Elm",
        "--dob", "1980-01-01", "--weight", "176lb", "--json", user="nina",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    from ledger.models import Patient

    with sqlite_db.read() as s:
        row = s.get(Patient, 4)
        assert row is not None and row.weight_g == 79_832


@pytest.mark.parametrize(
    "data,where",
    [
        (b"name,address,dob,name\nA,B,1970-01-01,C\n", "line 1: columns must be"),
        (b"name,address,dob,dob\nA,B,1970-01-01,1970-01-01\n", "repeated dob"),
        (b'name,address,dob\n"' + b"x" * 200_000 + b'",B,1970-01-01\n', "line 2:"),
        (b"name,address,dob\nA," + b"y" * 20_000 + b",1970-01-01\n", "line 2:"),
    ],
    ids=["repeated_name", "repeated_dob", "oversized_quoted_field", "oversized_line"],
)
def test_a_csv_with_a_repeated_header_or_an_oversized_field_is_refused(
    sqlite_db: Database, tmp_path: Path, data: bytes, where: str
) -> None:
    path = tmp_path / "patients.csv"
    path.write_bytes(data)
    before = dump(sqlite_db)
    result = vialbook(sqlite_db.url, "patient", "import", str(path), user="maria")
    assert_refused(result, "ImportRejected")
    assert where in result.output
    assert len(result.output) < 1000
    assert dump(sqlite_db) == before


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_date_out_of_range_in_a_query_is_refused(sqlite_db: Database, day: str) -> None:
    assert_refused(vialbook(sqlite_db.url, "log", "--from", day), "InvalidDate")
    assert_refused(
        vialbook(
            sqlite_db.url, "waste", "--vial", "K-000001", "--amount", "2mg", "--reason", "spill",
            "--method", "sink", "--witness", "omar", "--at", f"{day}T10:00",
        ),
        "InvalidDate",
    )  # fmt: skip


def test_an_id_too_large_for_the_database_is_refused_by_rule(sqlite_db: Database) -> None:
    before = dump(sqlite_db)
    result = vialbook(
        sqlite_db.url, "reverse", str(10**30), "--reason", "typo", "--witness", "omar",
        user="drkim",
    )  # fmt: skip
    assert_refused(result, "ValueOutOfRange")
    assert dump(sqlite_db) == before


def test_a_database_path_that_is_a_directory_is_unavailable_not_uninitialised(
    tmp_path: Path,
) -> None:
    result = vialbook(str(tmp_path), "stock")
    assert_refused(result, "DatabaseUnavailable")
    assert "cannot be opened" in result.output


def test_a_file_that_is_not_a_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is a shopping list, not a ledger" * 100)
    result = vialbook(str(path), "stock")
    assert_refused(result, "DatabaseUnavailable")
    assert "not a vialbook" in result.output


def test_a_100_kb_label_is_not_echoed_back_whole(sqlite_db: Database) -> None:
    label = "K" * 100_000
    result = vialbook(
        sqlite_db.url, "waste", "--vial", label, "--amount", "2mg", "--reason", "spill",
        "--method", "sink", "--witness", "omar",
    )  # fmt: skip
    assert_refused(result, "UnknownRecord")
    assert len(result.output) < 500
    assert "(100002 characters)" in result.output  # the label and its quotes
