"""`vialbook protocol` and the over-order options of `vialbook infusion`, as a script sees them."""

from __future__ import annotations

import json

from ledger.models import Infusion
from tests.support import Clinic, dump
from tests.test_cli import refused, run


def _infusion(clinic: Clinic, *extra: str):  # type: ignore[no-untyped-def]
    return run(
        clinic,
        "infusion",
        "--patient", "MRN1", "--vial", "K-000001",
        "--drawn", "60mg", "--given", "60mg", "--wasted", "0mg",
        "--weight", "80kg",
        *extra,
        "--json",
        user="nina",
    )  # fmt: skip


def test_a_banana_protocol_and_an_unconfirmed_over_order_are_refused_by_name(
    sqlite_clinic: Clinic,
) -> None:
    before = dump(sqlite_clinic.db)
    banana = _infusion(sqlite_clinic, "--protocol", "banana")
    refused(banana, "UnknownProtocol")
    assert json.loads(banana.stdout)["error"]["rule"] == "UnknownProtocol"
    over = _infusion(sqlite_clinic, "--protocol", "0.5mg/kg")
    refused(over, "OverOrderNotConfirmed")
    assert "60 mg is more than 10% above the ordered 40 mg" in over.stderr
    refused(_infusion(sqlite_clinic, "--protocol", "depression", "--confirm-over-order"),
            "OverOrderNeedsReason")  # fmt: skip
    assert dump(sqlite_clinic.db) == before


def test_a_confirmed_over_order_is_recorded_and_said(sqlite_clinic: Clinic) -> None:
    r = _infusion(
        sqlite_clinic,
        "--protocol", "depression",
        "--confirm-over-order", "--over-order-reason", "tolerance; prescriber's order",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["over_order"] is True and data["ordered_mg"] == "40"
    with sqlite_clinic.db.read() as s:
        inf = s.get(Infusion, data["infusion_id"])
        assert inf.over_order and inf.over_order_reason == "tolerance; prescriber's order"


def test_protocol_add_list_retire(sqlite_clinic: Clinic) -> None:
    added = run(sqlite_clinic, "protocol", "add", "--name", "PTSD", "--dose", "0.75mg/kg",
                "--minutes", "40", "--json", user="drkim")  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert json.loads(added.stdout) == {
        "name": "ptsd", "ug_per_kg": 750, "mg_per_kg": "0.75", "minutes": 40, "active": True,
    }  # fmt: skip
    listed = run(sqlite_clinic, "protocol", "list", user="nina")
    assert listed.stdout.split("\n")[:3] == [
        "depression           0.5 mg/kg over 40 min",
        "pain                 1.4 mg/kg over 240 min",
        "ptsd                 0.75 mg/kg over 40 min",
    ]
    refused(run(sqlite_clinic, "protocol", "retire", "ptsd", user="nina"), "PermissionDenied")
    assert run(sqlite_clinic, "protocol", "retire", "ptsd").exit_code == 0
    refused(run(sqlite_clinic, "protocol", "add", "--name", "x", "--dose", "lots",
                "--minutes", "40"), "InvalidAmount")  # fmt: skip
    names = json.loads(run(sqlite_clinic, "protocol", "list", "--retired", "--json").stdout)
    assert [(p["name"], p["active"]) for p in names][-1] == ("ptsd", False)


def test_settings_set_idle_lock_minutes(sqlite_clinic: Clinic) -> None:
    r = run(sqlite_clinic, "settings", "set", "--idle-lock-minutes", "3", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["idle_lock_minutes"] == 3
    refused(run(sqlite_clinic, "settings", "set", "--idle-lock-minutes", "0"), "InvalidText")
