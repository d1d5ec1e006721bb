"""The same patient twice: the same name and date of birth is refused with the MRN already held,
unless the clinic says it is a different person."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.errors import DuplicateRecord, ImportRejected
from ledger.services.patients import NewPatient, add_patient, import_patients
from tests.reliability.cli import assert_refused, vialbook
from tests.support import Clinic, dump


def test_the_same_name_and_birth_date_is_refused_naming_the_mrn_held(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(DuplicateRecord) as refused:
        # The test clinic holds "Pat One", born 1980-01-01, as MRN1.
        add_patient(
            clinic.db, clinic.actor("nina"), NewPatient("pat  ONE", "7 Elm", date(1980, 1, 1))
        )
    assert "MRN1" in refused.value.message
    assert dump(clinic.db) == before


def test_a_different_person_with_the_same_name_and_birth_date_is_added_when_said(
    clinic: Clinic,
) -> None:
    row = add_patient(
        clinic.db, clinic.actor("nina"), NewPatient("Pat One", "7 Elm", date(1980, 1, 1)),
        allow_duplicate=True,
    )  # fmt: skip
    assert row.mrn != "MRN1"
    other_day = add_patient(
        clinic.db, clinic.actor("nina"), NewPatient("Pat One", "7 Elm", date(1980, 1, 2))
    )
    assert other_day.mrn not in ("MRN1", row.mrn)


def test_an_import_row_of_a_patient_held_names_its_line_and_the_mrn(clinic: Clinic) -> None:
    before = dump(clinic.db)
    data = b"name,address,dob\nAnn New,9 Elm,1990-01-01\nSam Two,4 Oak St,1975-05-05\n"
    with pytest.raises(ImportRejected) as refused:
        import_patients(clinic.db, clinic.actor("admin"), data)
    assert refused.value.message.startswith("line 3:") and "MRN2" in refused.value.message
    assert dump(clinic.db) == before


def test_an_import_row_repeating_an_earlier_line_names_both_lines(clinic: Clinic) -> None:
    data = b"name,address,dob,mrn\nAnn New,9 Elm,1990-01-01,X1\nAnn New,9 Elm,1990-01-01,X2\n"
    before = dump(clinic.db)
    with pytest.raises(ImportRejected) as refused:
        import_patients(clinic.db, clinic.actor("admin"), data)
    assert refused.value.message.startswith("line 3:") and "line 2" in refused.value.message
    assert dump(clinic.db) == before
    ids = import_patients(clinic.db, clinic.actor("admin"), data, allow_duplicate=True)
    assert len(ids) == 2


def test_the_command_line_refuses_a_second_pat_one_unless_told(sqlite_clinic: Clinic) -> None:
    args = ["patient", "add", "--name", "Pat One", "--address", "7 Elm", "--dob", "1980-01-01"]
    before = dump(sqlite_clinic.db)
    refused = vialbook(sqlite_clinic.db.url, *args)
    assert_refused(refused, "DuplicateRecord")
    assert "MRN1" in refused.output
    assert dump(sqlite_clinic.db) == before
    added = vialbook(sqlite_clinic.db.url, *args, "--allow-duplicate")
    assert added.exit_code == 0, added.output
