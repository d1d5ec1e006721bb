"""Setting the clinic up: registrations, suppliers, products and patients, with their refusals."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.errors import (
    DuplicateRecord,
    ImportRejected,
    InvalidDEANumber,
    InvalidNDC,
    InvalidSchedule,
    InvalidText,
    PermissionDenied,
)
from ledger.identifiers import normalize_ndc, validate_dea_number
from ledger.models import Patient, Product
from ledger.services.catalogue import add_product, add_registration, add_supplier
from ledger.services.patients import NewPatient, add_patient, import_patients
from tests.support import Clinic, dump


@pytest.mark.parametrize("number", ["AB1234563", "fk1234563", "BK7654329"])
def test_valid_dea_numbers_pass_their_check_digit(number: str) -> None:
    assert validate_dea_number(number) == number.upper()


@pytest.mark.parametrize("number", ["AB1234564", "AB123456", "1B1234563", "ZZ1234563", ""])
def test_invalid_dea_numbers_are_refused(number: str) -> None:
    with pytest.raises(InvalidDEANumber):
        validate_dea_number(number)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("0409-2051-05", "00409-2051-05"),
        ("12345-678-90", "12345-0678-90"),
        ("12345-6789-0", "12345-6789-00"),
        ("12345678901", "12345-6789-01"),
    ],
)
def test_ndcs_are_stored_in_the_eleven_digit_form(text: str, expected: str) -> None:
    assert normalize_ndc(text) == expected


@pytest.mark.parametrize("text", ["0409205105", "04-09-2051", "abcd-efgh-ij", ""])
def test_malformed_ndcs_are_refused(text: str) -> None:
    with pytest.raises(InvalidNDC):
        normalize_ndc(text)


def test_a_registration_with_a_bad_check_digit_changes_nothing(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(InvalidDEANumber):
        add_registration(
            clinic.db,
            clinic.actor("admin"),
            dea_number="AB1234564",
            registrant="X",
            address="Y",
            schedules=[3],
            expires=date(2030, 1, 1),
        )
    assert dump(clinic.db) == before


def test_schedule_one_is_not_a_clinic_schedule(clinic: Clinic) -> None:
    with pytest.raises(InvalidSchedule):
        add_registration(
            clinic.db,
            clinic.actor("admin"),
            dea_number="AB1234563",
            registrant="X",
            address="Y",
            schedules=[1],
            expires=date(2030, 1, 1),
        )


def test_a_duplicate_ndc_is_refused(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(DuplicateRecord, match="00409-2051-05"):
        add_product(
            clinic.db,
            clinic.actor("maria"),
            name="Ketamine again",
            ndc="0409-2051-05",
            schedule=3,
            strength_ug_per_ml=50_000,
            volume_ul=10_000,
        )
    assert dump(clinic.db) == before


def test_a_product_records_its_strength_and_container_exactly(clinic: Clinic) -> None:
    pid = add_product(
        clinic.db,
        clinic.actor("maria"),
        name="Ketamine 10 mg/mL",
        ndc="0143-9509-01",
        schedule="III",
        strength_ug_per_ml=10_000,
        volume_ul=20_000,
        bud_days=14,
    )
    with clinic.db.read() as s:
        p = s.get(Product, pid)
    assert (p.schedule, p.content_ug, p.bud_days, p.label_prefix) == (3, 200_000, 14, "K")


def test_billing_staff_cannot_add_suppliers(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(PermissionDenied):
        add_supplier(
            clinic.db, clinic.actor("bella"), name="X", address="Y", dea_number="AB1234563"
        )
    assert dump(clinic.db) == before


def test_a_patient_without_an_mrn_gets_the_clinics_next_one(clinic: Clinic) -> None:
    row = add_patient(
        clinic.db,
        clinic.actor("nina"),
        NewPatient("New Person", "9 Ash St", date(1999, 9, 9), None, 70_000),
    )
    assert row.mrn == "P000004"


def test_a_duplicate_mrn_is_refused(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(DuplicateRecord):
        add_patient(
            clinic.db, clinic.actor("nina"), NewPatient("Other", "1 St", date(1990, 1, 1), "MRN1")
        )
    assert dump(clinic.db) == before


def test_control_characters_in_a_name_are_refused(clinic: Clinic) -> None:
    with pytest.raises(InvalidText):
        add_patient(
            clinic.db, clinic.actor("nina"), NewPatient("Bad\x00Name", "1 St", date(1990, 1, 1))
        )


GOOD_CSV = (
    b"name,address,dob,mrn,weight\n"
    b"Ann Lee,1 Main St,1970-03-04,A100,70kg\n"
    b"Bo Ray,2 Main St,1985-12-01,,\n"
)


def test_a_patient_list_imports_in_one_transaction(clinic: Clinic) -> None:
    ids = import_patients(clinic.db, clinic.actor("maria"), GOOD_CSV)
    assert len(ids) == 2
    with clinic.db.read() as s:
        ann = s.get(Patient, ids[0])
    assert (ann.name, ann.mrn, ann.weight_g) == ("Ann Lee", "A100", 70_000)


@pytest.mark.parametrize(
    "data,where",
    [
        (b"name,address\nA,B\n", "line 1"),
        (b"name,address,dob\nA,B,1970-01-01\nC,D,01/02/1970\n", "line 3"),
        (b"name,address,dob\nA,B,1970-01-01\nA,B,1970-01-01\n", "line 3: duplicate of line 2"),
        (b"name,address,dob\nA,B,1970-01-01\n\xe9,B,1970-01-01\n", "line 3"),
        (b"name,address,dob,mrn\nA,B,1970-01-01,MRN1\n", "line 2"),
    ],
)
def test_a_bad_patient_list_imports_nothing_and_names_the_line(
    clinic: Clinic, data: bytes, where: str
) -> None:
    before = dump(clinic.db)
    with pytest.raises(ImportRejected, match=where):
        import_patients(clinic.db, clinic.actor("maria"), data)
    assert dump(clinic.db) == before
