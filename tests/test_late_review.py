"""Late entries stay flagged (the late_entry alert) until the registrant reviews each one; a
review is a row of its own, append-only, and never touches the entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from ledger import clock
from ledger.errors import AlreadyReviewed, NotALateEntry, PermissionDenied
from ledger.queries.alerts import alerts
from ledger.services.infusions import record_infusion
from ledger.services.reviews import review_late
from tests.reliability.cli import assert_refused, vialbook
from tests.support import Clinic, dump

NOON = datetime(2026, 3, 6, 19, 0, tzinfo=UTC)


def _late_infusion(clinic: Clinic) -> list[int]:
    clock.set_clock(lambda: NOON)
    done = record_infusion(
        clinic.db, clinic.actor("nina"), patient="MRN1", vial="K-000001", drawn_ug=40_000,
        given_ug=40_000, wasted_ug=0, witness=clinic.witness("omar"),
        drawn_at=NOON - timedelta(hours=2), reason="charted after the emergency",
    )  # fmt: skip
    return list(done.movement_ids)


def _late(clinic: Clinic) -> list[str]:
    return [a.subject for a in alerts(clinic.db, clinic.actor("maria")) if a.kind == "late_entry"]


def test_a_late_entry_is_flagged_until_the_registrant_reviews_it(clinic: Clinic) -> None:
    clock.set_clock(lambda: NOON)
    record_infusion(
        clinic.db, clinic.actor("nina"), patient="MRN2", vial="K-000002", drawn_ug=40_000,
        given_ug=40_000, wasted_ug=0, witness=clinic.witness("omar"),
    )  # fmt: skip
    assert _late(clinic) == []  # entered on time
    (movement,) = _late_infusion(clinic)
    assert _late(clinic) == [f"movement {movement}"]
    before = dump(clinic.db)
    with pytest.raises(PermissionDenied):
        review_late(clinic.db, clinic.actor("maria"), movement)
    with pytest.raises(NotALateEntry):
        review_late(clinic.db, clinic.actor("drkim"), movement - 1)
    assert dump(clinic.db) == before
    done = review_late(clinic.db, clinic.actor("drkim"), movement, note="chart matches")
    assert done["reviewed_by"] == "drkim"
    assert _late(clinic) == []
    after = dump(clinic.db)
    assert after["movement"] == before["movement"]  # the entry itself is untouched
    with pytest.raises(AlreadyReviewed):
        review_late(clinic.db, clinic.actor("drkim"), movement)
    assert dump(clinic.db) == after
    with clinic.db.engine.begin() as conn, pytest.raises(sa.exc.DBAPIError, match="AppendOnly"):
        conn.exec_driver_sql("DELETE FROM late_review")


def test_review_late_at_the_terminal(clinic: Clinic) -> None:
    (movement,) = _late_infusion(clinic)
    url = clinic.db.url
    assert_refused(vialbook(url, "review-late", str(movement), user="maria"), "PermissionDenied")
    shown = vialbook(url, "review-late", str(movement), "--json", user="drkim")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["movement"] == movement
    listed = json.loads(vialbook(url, "alerts", "--json", user="maria").output)
    assert "late_entry" not in {a["kind"] for a in listed}
