"""A patient's name, address and date of birth change only through an audited correction."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from ledger.check import run_check
from ledger.errors import InvalidText, PermissionDenied, UnknownRecord
from ledger.models import PatientCorrection
from ledger.models.base import table_of
from ledger.services.patient_corrections import correct_patient
from tests.reliability.tampering import drop_guards, execute
from tests.support import Clinic, audit_rows, dump


def _patient(clinic: Clinic, mrn: str) -> tuple[str, str, date]:
    with clinic.db.engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT name, address, dob FROM patient WHERE mrn = :m"), {"m": mrn}
        ).one()
    return row[0], row[1], date.fromisoformat(str(row[2])[:10])


def _corrections(clinic: Clinic) -> list[tuple[object, ...]]:
    c = table_of(PatientCorrection)
    with clinic.db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(c).order_by(c.c.id))]


def test_a_manager_corrects_a_patients_address_and_the_correction_is_kept(clinic: Clinic) -> None:
    made = correct_patient(
        clinic.db,
        clinic.actor("maria"),
        mrn="MRN1",
        address="9 New Rd, Boulder",
        reason="patient moved; confirmed at check-in",
    )
    assert _patient(clinic, "MRN1") == ("Pat One", "9 New Rd, Boulder", date(1980, 1, 1))
    assert (made.old_address, made.new_address) == ("3 Elm St, Boulder", "9 New Rd, Boulder")
    assert (made.old_name, made.new_name) == ("Pat One", "Pat One")
    assert len(_corrections(clinic)) == 1
    assert audit_rows(clinic.db)[-1] == ("maria", "patient.correct", "ok", None)
    assert run_check(clinic.db).ok
    # A second correction follows from the first.
    correct_patient(
        clinic.db, clinic.actor("drkim"), mrn="MRN1", name="Pat Onee", reason="legal name"
    )
    assert _patient(clinic, "MRN1")[0] == "Pat Onee"
    assert run_check(clinic.db).ok


@pytest.mark.parametrize(
    ("who", "fields", "rule"),
    [
        ("nina", {"name": "X"}, PermissionDenied),
        ("audrey", {"name": "X"}, PermissionDenied),
        ("maria", {"name": "Pat One"}, InvalidText),
        ("maria", {}, InvalidText),
    ],
)
def test_a_correction_is_refused_and_changes_nothing(
    clinic: Clinic, who: str, fields: dict[str, str], rule: type[Exception]
) -> None:
    before = dump(clinic.db)
    with pytest.raises(rule):
        correct_patient(clinic.db, clinic.actor(who), mrn="MRN1", reason="why", **fields)
    assert dump(clinic.db) == before
    assert audit_rows(clinic.db)[-1][1:3] == ("patient.correct", "refused")


def test_an_unknown_patient_is_refused(clinic: Clinic) -> None:
    with pytest.raises(UnknownRecord):
        correct_patient(clinic.db, clinic.actor("maria"), mrn="NOPE", name="X", reason="why")


def test_the_database_refuses_a_change_no_correction_describes(clinic: Clinic) -> None:
    correct_patient(clinic.db, clinic.actor("maria"), mrn="MRN1", name="Pat A", reason="typo")
    before = dump(clinic.db)
    for sql in (
        "UPDATE patient SET name = 'Pat One' WHERE mrn = 'MRN1'",  # undoing it by hand
        "UPDATE patient SET name = 'Pat A', address = 'elsewhere' WHERE mrn = 'MRN1'",
        "UPDATE patient SET name = 'Pat A' WHERE mrn = 'MRN2'",  # replaying it elsewhere
        "UPDATE patient_correction SET new_name = 'Pat B'",
        "DELETE FROM patient_correction",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="IdentityNotCorrected|AppendOnly"):
            execute(clinic.db, sql)
        assert dump(clinic.db) == before, sql


def test_an_identity_edited_behind_a_correction_is_named_by_check(clinic: Clinic) -> None:
    correct_patient(clinic.db, clinic.actor("maria"), mrn="MRN2", name="Sam Too", reason="typo")
    drop_guards(clinic.db)
    execute(clinic.db, "UPDATE patient SET address = '1 Forged Way' WHERE mrn = 'MRN2'")
    report = run_check(clinic.db)
    assert [p.rule for p in report.problems] == ["IdentityNotCorrected"]
    assert "MRN2" in report.problems[0].message


def test_the_command_line_corrects_by_mrn_in_any_case_and_refuses_a_nurse(
    sqlite_clinic: Clinic,
) -> None:
    from tests.reliability.cli import assert_refused, vialbook

    db = sqlite_clinic.db
    before = dump(db)
    refused = vialbook(db.url, "patient", "correct", "mrn2", "--address", "9 Ash St",
                       "--reason", "moved", user="nina")  # fmt: skip
    assert_refused(refused, "PermissionDenied")
    assert dump(db) == before
    done = vialbook(db.url, "patient", "correct", "mrn2", "--address", "9 Ash St, Denver",
                    "--reason", "moved in March", "--json", user="maria")  # fmt: skip
    assert done.exit_code == 0, done.output
    with db.engine.connect() as conn:
        address = conn.exec_driver_sql("SELECT address FROM patient WHERE mrn = 'MRN2'").scalar()
        kept = conn.exec_driver_sql("SELECT old_address, reason FROM patient_correction").all()
    assert address == "9 Ash St, Denver"
    assert kept == [("4 Oak St, Denver", "moved in March")]
    assert run_check(db).ok
