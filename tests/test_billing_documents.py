"""Billing documents on both databases: diagnosis codes, provider NPIs and the medical
director, good faith estimates (due dates, the $400 flag), the superbill's refusal of
undelivered sessions and its units from start and end, and the billing cross-check."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ledger.errors import (
    BillingIdentityMissing,
    DuplicateRecord,
    InvalidText,
    NoServiceThatDay,
    PermissionDenied,
)
from ledger.models import metadata
from ledger.services import users
from ledger.services.diagnoses import diagnose, patient_codes
from ledger.services.gfe import EstimateItem, estimate_flags, new_estimate
from ledger.services.settings import update_settings
from ledger.services.superbill import billing_crosscheck, superbill_for
from tests.billing_documents_support import (
    DIRECTOR_NPI,
    MONDAY,
    infusion,
    pin,
    ready_for_billing,
)
from tests.support import Clinic, dump


def _rows(clinic: Clinic, table: str) -> list[dict]:  # type: ignore[type-arg]
    t = metadata.tables[table]
    with clinic.db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(t).order_by(t.c.id))]


# -- diagnoses, NPIs, the medical director ------------------------------------------------


def test_a_diagnosis_is_format_checked_and_kept_append_only(clinic: Clinic) -> None:
    bella = clinic.actor("bella")
    done = diagnose(clinic.db, bella, "mrn1", "f331")
    assert (done.icd10, done.codes) == ("F33.1", ["F33.1"])
    diagnose(clinic.db, clinic.actor("drkim"), "MRN1", "F43.10")
    before = dump(clinic.db)
    with pytest.raises(InvalidText, match="ICD-10-CM"):
        diagnose(clinic.db, bella, "MRN1", "F3.31")
    with pytest.raises(DuplicateRecord):
        diagnose(clinic.db, bella, "MRN1", "F33.1")
    with pytest.raises(PermissionDenied):
        diagnose(clinic.db, clinic.actor("audrey"), "MRN1", "F41.1")
    assert dump(clinic.db) == before
    diagnose(clinic.db, bella, "MRN1", "F33.1", retire=True, reason="in remission")
    assert patient_codes(clinic.db, bella, "MRN1") == ["F43.10"]
    assert [(r["icd10"], r["status"]) for r in _rows(clinic, "patient_diagnosis")] == [
        ("F33.1", "active"),
        ("F43.10", "active"),
        ("F33.1", "retired"),
    ]


def test_a_provider_npi_is_check_digit_verified(clinic: Clinic) -> None:
    admin = clinic.actor("admin")
    before = dump(clinic.db)
    with pytest.raises(InvalidText, match="check digit"):
        users.set_npi(clinic.db, admin, "drkim", "1245319590")
    with pytest.raises(PermissionDenied):
        users.set_npi(clinic.db, clinic.actor("bella"), "drkim", DIRECTOR_NPI)
    assert dump(clinic.db) == before
    users.set_npi(clinic.db, admin, "drkim", DIRECTOR_NPI)
    uid = users.add_user(
        clinic.db, admin, username="drlee", full_name="Dr Lee", roles=["registrant"],
        password="long-enough-pw", npi="1234567893",
    )  # fmt: skip
    npis = {r["id"]: r["npi"] for r in _rows(clinic, "app_user")}
    assert npis[uid] == "1234567893"
    assert DIRECTOR_NPI in npis.values()


def test_the_medical_director_needs_an_npi_and_joins_the_settings_history(clinic: Clinic) -> None:
    admin = clinic.actor("admin")
    before = dump(clinic.db)
    with pytest.raises(InvalidText, match="no NPI"):
        update_settings(clinic.db, admin, medical_director="drkim")
    assert dump(clinic.db) == before
    users.set_npi(clinic.db, admin, "drkim", DIRECTOR_NPI)
    values = update_settings(clinic.db, admin, medical_director="drkim")
    drkim = next(r["id"] for r in _rows(clinic, "app_user") if r["username"] == "drkim")
    assert values["medical_director_id"] == drkim
    assert (
        f'"medical_director_id": {drkim}' in _rows(clinic, "settings_version")[-1]["settings_json"]
    )


# -- good faith estimates -----------------------------------------------------------------


@pytest.fixture
def billing(clinic: Clinic) -> Clinic:
    pin(MONDAY)
    ready_for_billing(clinic)
    diagnose(clinic.db, clinic.actor("bella"), "MRN1", "F33.2")
    return clinic


def test_an_estimate_lists_patient_codes_prices_providers_and_its_due_date(billing: Clinic) -> None:
    pin(MONDAY - timedelta(days=3))  # booked on Friday 27 February
    view = new_estimate(
        billing.db, billing.actor("bella"), mrn="MRN1",
        items=[EstimateItem("CONSULT")], packages=["SERIES6"], scheduled_for=date(2026, 3, 4),
    )  # fmt: skip
    data = view.as_json()
    assert data["patient_name"] == "Pat One" and data["dob"] == "1980-01-01"
    assert data["diagnoses"] == ["F33.2"]
    assert [(ln["code"], ln["cpt"], ln["line_cents"]) for ln in data["lines"]] == [
        ("CONSULT", "99204", 25_000),
        ("SERIES6", "96365", 240_000),
    ]
    assert data["total_cents"] == 265_000
    assert data["provider"] == {"name": "Drkim", "npi": DIRECTOR_NPI}
    assert data["clinic"]["tax_id"] == "84-1234567"
    # Wednesday is 3 business days after Friday: due the next business day, Monday.
    assert data["due_on"] == "2026-03-02"
    assert data["valid_until"] == "2027-03-03"  # a series: twelve months
    assert any("$400" in d for d in data["disclaimers"])
    assert any("not a contract" in d for d in data["disclaimers"])
    row = _rows(billing, "good_faith_estimate")[-1]
    assert row["given_at"] is not None and row["due_on"] == date(2026, 3, 2)


def test_estimate_due_dates_step_over_a_weekend_and_a_holiday(billing: Clinic) -> None:
    update_settings(billing.db, billing.actor("admin"), holidays="2026-03-09")
    bella = billing.actor("bella")
    pin(MONDAY + timedelta(days=4))  # Friday 6 March: booked for the 20th, 9 business days away
    near = new_estimate(
        billing.db, bella, mrn="MRN1", items=[EstimateItem("MOOD")],
        scheduled_for=date(2026, 3, 20),
    )  # fmt: skip
    # The next business day after Friday is Tuesday: Monday 9 March is a holiday.
    assert near.due_on == date(2026, 3, 10)
    far = new_estimate(
        billing.db, bella, mrn="MRN2", items=[EstimateItem("MOOD")],
        scheduled_for=date(2026, 3, 23),
    )  # fmt: skip
    assert far.due_on == date(2026, 3, 12)  # ten business days away: three business days
    asked = new_estimate(
        billing.db, bella, mrn="MRN2", items=[EstimateItem("CONSULT")], requested=True
    )
    assert asked.due_on == date(2026, 3, 12)


def test_an_estimate_without_the_clinic_npi_is_refused_and_leaves_nothing(clinic: Clinic) -> None:
    pin(MONDAY)
    before = dump(clinic.db)
    with pytest.raises(BillingIdentityMissing):
        new_estimate(
            clinic.db, clinic.actor("bella"), mrn="MRN1", items=[EstimateItem("MOOD")],
            requested=True,
        )  # fmt: skip
    assert dump(clinic.db) == before


# -- superbill ----------------------------------------------------------------------------


def test_a_superbill_is_refused_for_a_day_with_no_infusion(billing: Clinic) -> None:
    infusion(billing)
    bella = billing.actor("bella")
    with pytest.raises(NoServiceThatDay, match="never prepaid sessions"):
        superbill_for(billing.db, bella, "MRN1", date(2026, 3, 3))
    with pytest.raises(NoServiceThatDay):
        superbill_for(billing.db, bella, "MRN2", date(2026, 3, 2))
    bill = superbill_for(billing.db, bella, "MRN1", date(2026, 3, 2))
    assert bill.patient.name == "Pat One" and bill.diagnoses == ("F33.2",)
    assert bill.provider.npi == DIRECTOR_NPI


def test_a_nurse_never_reads_a_superbill(billing: Clinic) -> None:
    infusion(billing)
    with pytest.raises(PermissionDenied):
        superbill_for(billing.db, billing.actor("nina"), "MRN1", date(2026, 3, 2))


# -- cross-check --------------------------------------------------------------------------


def test_an_infusion_nobody_billed_is_found(billing: Clinic) -> None:
    iid = infusion(billing)
    found = billing_crosscheck(
        billing.db, billing.actor("audrey"), date(2026, 3, 1), date(2026, 3, 31)
    )
    assert [(f.kind, f.infusion, f.patient) for f in found] == [("unbilled_infusion", iid, "MRN1")]
    assert flags_none(billing)


def flags_none(clinic: Clinic) -> bool:
    return estimate_flags(clinic.db, clinic.actor("bella")) == []
