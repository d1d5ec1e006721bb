"""Clinic settings: validated, admin-only, audited, and obeyed by the services."""

from __future__ import annotations

import pytest

from ledger.errors import InvalidText, PermissionDenied
from ledger.services.infusions import record_infusion
from ledger.services.settings import npi_is_valid, update_settings
from tests.support import Clinic, audit_rows, dump


def test_a_valid_npi_passes_and_a_typo_fails() -> None:
    assert npi_is_valid("1234567893")
    assert not npi_is_valid("1234567890")
    assert not npi_is_valid("123456789")


def test_an_admin_changes_settings_and_the_change_is_audited(clinic: Clinic) -> None:
    after = update_settings(
        clinic.db,
        clinic.actor("admin"),
        npi="1234567893",
        tax_id="84-1234567",
        bud_days=14,
        retention_years=5,
    )
    assert (after["npi"], after["tax_id"], after["bud_days"], after["retention_years"]) == (
        "1234567893",
        "84-1234567",
        14,
        5,
    )
    assert ("admin", "settings.edit", "ok", None) in audit_rows(clinic.db)


@pytest.mark.parametrize(
    "change",
    [
        {"npi": "1234567890"},
        {"tax_id": "841234567"},
        {"retention_years": 1},
        {"witness_policy": "never"},
        {"timezone": "Mars/Olympus"},
        {"bud_days": 0},
        {"inventory_interval_months": 36},
        {"colour": "blue"},
    ],
)
def test_bad_settings_are_refused_and_change_nothing(clinic: Clinic, change: dict) -> None:  # type: ignore[type-arg]
    before = dump(clinic.db)
    with pytest.raises(InvalidText):
        update_settings(clinic.db, clinic.actor("admin"), **change)
    assert dump(clinic.db) == before


def test_only_an_admin_changes_settings(clinic: Clinic) -> None:
    before = dump(clinic.db)
    with pytest.raises(PermissionDenied):
        update_settings(clinic.db, clinic.actor("drkim"), bud_days=7)
    assert dump(clinic.db) == before


def test_with_a_recommended_witness_policy_waste_may_stand_alone(clinic: Clinic) -> None:
    update_settings(clinic.db, clinic.actor("admin"), witness_policy="recommended")
    result = record_infusion(
        clinic.db,
        clinic.actor("nina"),
        patient="MRN1",
        vial="K-000001",
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
    )
    assert result.wasted_ug == 5_000
