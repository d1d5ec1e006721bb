"""What the infusion form suggests: patients by name or MRN, and the vial to draw from next."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ledger import clock
from ledger.queries.chair import patients_matching, vials_to_draw
from ledger.services.disposal import record_breakage
from ledger.services.infusions import record_infusion
from tests.support import Clinic

MORNING = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)


def test_patients_are_found_by_mrn_start_or_any_part_of_the_name(clinic: Clinic) -> None:
    with clinic.db.read() as s:
        assert [p.mrn for p in patients_matching(s, "mrn")] == ["MRN3", "MRN1", "MRN2"]
        assert [p.name for p in patients_matching(s, "  o ")] == [
            "No Address",
            "Pat One",
            "Sam Two",
        ]
        found = patients_matching(s, "pat  ONE")
        assert [(p.mrn, p.weight_g, p.address) for p in found] == [
            ("MRN1", 80_000, "3 Elm St, Boulder")
        ]
        # LIKE's wildcards typed in are plain characters.
        assert patients_matching(s, "%") == [] and patients_matching(s, "_") == []
        assert patients_matching(s, "\x00") == []


def test_the_open_vial_nearest_its_bud_comes_first_then_sealed_by_expiry(clinic: Clinic) -> None:
    clock.set_clock(lambda: MORNING)
    nina = clinic.actor("nina")
    record_infusion(clinic.db, nina, patient="MRN2", vial="K-000003", drawn_ug=10_000,
                    given_ug=10_000, wasted_ug=0)  # fmt: skip
    record_breakage(clinic.db, clinic.actor("maria"), vial="K-000001", amount_ug=None,
                    reason="dropped", witness=clinic.witness("omar"))  # fmt: skip
    with clinic.db.read() as s:
        choices = vials_to_draw(s, now=MORNING, today=date(2026, 1, 6), limit=4)
    assert [(c.label, c.state, c.balance_ug) for c in choices] == [
        ("K-000003", "open", 490_000),
        ("K-000002", "sealed", 500_000),  # K-000001 is broken: nothing left to draw
        ("K-000004", "sealed", 500_000),
        ("K-000005", "sealed", 500_000),
    ]
    assert choices[0].bud is not None and choices[1].bud is None
