"""Patients are named by MRN only, whatever its case, and MRNs never collide under concurrency."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from ledger.errors import DuplicateRecord, Refusal, UnknownRecord
from ledger.models import Infusion, Patient
from ledger.services.infusions import record_infusion
from ledger.services.patients import NewPatient, add_patient
from tests.support import Clinic, audit_rows, dump


def _infuse(clinic: Clinic, patient: str) -> int:
    """Record an infusion for `patient` as typed; the id of the patient it was recorded for."""
    done = record_infusion(
        clinic.db, clinic.actor("nina"), patient=patient, vial="K-000001",
        drawn_ug=45_000, given_ug=40_000, wasted_ug=5_000, witness=clinic.witness("omar"),
    )  # fmt: skip
    with clinic.db.read() as s:
        infusion = s.get(Infusion, done.infusion_id)
        assert infusion is not None
        return infusion.patient_id


def _mrn_of(clinic: Clinic, patient_id: int) -> str:
    with clinic.db.read() as s:
        person = s.get(Patient, patient_id)
        assert person is not None
        return person.mrn


def test_a_number_is_an_mrn_never_a_row_id(clinic: Clinic) -> None:
    before = dump(clinic.db)
    # Patient id 2 exists (MRN2), but nobody holds MRN "2".
    with pytest.raises(UnknownRecord, match="no patient with MRN '2'"):
        _infuse(clinic, "2")
    assert dump(clinic.db) == before
    row = add_patient(
        clinic.db, clinic.actor("nina"), NewPatient("Two Person", "2 Elm", date(1970, 1, 1), "2")
    )
    assert _mrn_of(clinic, _infuse(clinic, "2")) == "2"
    assert row.id != 2


def test_mrns_are_stored_upper_case_and_found_in_any_case(clinic: Clinic) -> None:
    row = add_patient(
        clinic.db, clinic.actor("nina"), NewPatient("Low Case", "5 Elm", date(1970, 1, 1), " ab-7 ")
    )
    assert row.mrn == "AB-7"
    assert _mrn_of(clinic, _infuse(clinic, "ab-7")) == "AB-7"
    assert _mrn_of(clinic, _infuse(clinic, "mrn1")) == "MRN1"


def test_an_mrn_differing_only_by_case_is_a_duplicate(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(DuplicateRecord, match="MRN1"):
        add_patient(
            clinic.db, clinic.actor("nina"), NewPatient("Other", "1 St", date(1990, 1, 1), "mrn1")
        )
    assert dump(clinic.db) == before


def test_an_mrn_stored_before_normalizing_is_still_found_and_still_taken(clinic: Clinic) -> None:
    with clinic.db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE patient SET mrn = 'old-7' WHERE mrn = 'MRN2'"))
    assert _mrn_of(clinic, _infuse(clinic, "OLD-7")) == "old-7"
    with pytest.raises(DuplicateRecord):
        add_patient(
            clinic.db, clinic.actor("nina"), NewPatient("Other", "1 St", date(1990, 1, 1), "OLD-7")
        )


@pytest.mark.parametrize("mrn", ["MRN 1", "MRN\u202e1", "MRN\u200b1", "x" * 41, "é1"])
def test_an_mrn_that_would_not_read_the_same_everywhere_is_refused(
    clinic: Clinic, mrn: str
) -> None:
    before = dump(clinic.db)
    with pytest.raises(Refusal, match="MRN"):
        add_patient(
            clinic.db, clinic.actor("nina"), NewPatient("Some One", "1 St", date(1990, 1, 1), mrn)
        )
    assert dump(clinic.db) == before


def test_patients_added_at_once_from_eight_workstations_all_get_their_own_mrn(
    clinic: Clinic,
) -> None:
    nurse = clinic.actor("nina")
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def add(i: int) -> None:
        start.wait()
        try:
            add_patient(
                clinic.db, nurse, NewPatient(f"Walk In {i}", f"{i} Elm", date(1980, 1, i + 1))
            )
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == ["ok"] * 8
    with clinic.db.read() as s:
        mrns = s.exec(sa.select(Patient.mrn)).scalars().all()  # type: ignore[call-overload]
    assert len(mrns) == len(set(mrns)) == 11
    assert sorted(m for m in mrns if m.startswith("P")) == [f"P{n:06d}" for n in range(4, 12)]


def test_concurrent_adds_of_the_same_mrn_leave_one_patient_and_an_audited_refusal(
    clinic: Clinic,
) -> None:
    nurse = clinic.actor("nina")
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def add(i: int) -> None:
        start.wait()
        try:
            add_patient(
                clinic.db, nurse, NewPatient(f"Twin {i}", "1 Elm", date(1980, 1, 1), "SAME-1")
            )
            outcomes.append("ok")
        except Refusal as exc:
            outcomes.append(exc.rule)
        except Exception as exc:  # noqa: BLE001 - an unnamed failure is the finding
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["DuplicateRecord"] * 5 + ["ok"]
    refusals = [
        r
        for r in audit_rows(clinic.db)
        if r == ("nina", "patient.add", "refused", "DuplicateRecord")
    ]
    assert len(refusals) == 5
