"""The ledger browser's page query: each filter, keyset paging, and a mistyped filter said."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ledger import clock
from ledger.errors import InvalidDate, UnknownRecord
from ledger.queries.ledger_browser import MovementFilter, movement_page
from ledger.services.corrections import reverse
from ledger.services.infusions import record_infusion
from tests.support import MIDAZOLAM, Clinic

#: The clinic's second day, 10:00 in Denver (the deliveries were on the first).
SECOND_DAY = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)


def _ids(clinic: Clinic, f: MovementFilter, **kw: object) -> list[int]:
    return [b.line.id for b in movement_page(clinic.db, clinic.actor("audrey"), f, **kw)]  # type: ignore[arg-type]


@pytest.fixture
def day_two(clinic: Clinic) -> Clinic:
    clock.set_clock(lambda: SECOND_DAY)
    record_infusion(
        clinic.db,
        clinic.actor("nina"),
        patient="MRN1",
        vial="K-000001",
        drawn_ug=45_000,
        given_ug=40_000,
        wasted_ug=5_000,
        witness=clinic.witness("omar"),
    )  # movements 9 (administer) and 10 (waste)
    return clinic


def test_each_filter_narrows_the_newest_first_page(day_two: Clinic) -> None:
    c = day_two
    assert _ids(c, MovementFilter()) == list(range(10, 0, -1))
    assert _ids(c, MovementFilter(kind="waste")) == [10]
    assert _ids(c, MovementFilter(product=MIDAZOLAM)) == [8, 7, 6]
    assert _ids(c, MovementFilter(product="midazolam")) == [8, 7, 6]
    assert _ids(c, MovementFilter(vial="K-000001")) == [10, 9, 1]
    assert _ids(c, MovementFilter(patient="MRN1")) == [10, 9]
    # Who recorded it, or who witnessed it.
    assert _ids(c, MovementFilter(user="omar")) == [10]
    assert _ids(c, MovementFilter(user="maria")) == list(range(8, 0, -1))
    # The clinic's calendar: the infusion was on the second day, the deliveries on the first.
    assert _ids(c, MovementFilter(date_from=date(2026, 1, 6))) == [10, 9]
    assert _ids(c, MovementFilter(date_to=date(2026, 1, 5))) == list(range(8, 0, -1))
    assert _ids(c, MovementFilter(kind="receive", product="ketamine 50")) == [5, 4, 3, 2, 1]


def test_pages_follow_on_by_keyset(day_two: Clinic) -> None:
    c = day_two
    assert _ids(c, MovementFilter(), limit=4) == [10, 9, 8, 7]
    assert _ids(c, MovementFilter(), before_id=7, limit=4) == [6, 5, 4, 3]
    assert _ids(c, MovementFilter(kind="receive"), before_id=3, limit=4) == [2, 1]
    assert _ids(c, MovementFilter(), before_id=1) == []


def test_a_reversed_movement_names_its_reversal(day_two: Clinic) -> None:
    c = day_two
    reverse(c.db, c.actor("maria"), movement_id=9, reason="wrong chair", witness=c.witness("omar"))
    page = movement_page(c.db, c.actor("audrey"), MovementFilter(vial="K-000001"))
    shown = [(b.line.id, b.line.kind, b.line.original_id, b.reversed_by) for b in page]
    assert shown[:4] == [
        (12, "reversal", 10, None),
        (11, "reversal", 9, None),
        (10, "waste", None, 12),
        (9, "administer", None, 11),
    ]
    assert page[0].line.balance_ug == 500_000  # the vial is whole again


@pytest.mark.parametrize(
    "f, words",
    [
        (MovementFilter(kind="wasted"), "no movement kind 'wasted'"),
        (MovementFilter(product="aspirin"), "no product 'aspirin'"),
        (MovementFilter(vial="K-999999"), "K-999999"),
        (MovementFilter(patient="MRN404"), "no patient with MRN 'MRN404'"),
        (MovementFilter(user="nobody"), "no user 'nobody'"),
    ],
)
def test_a_filter_naming_nothing_is_said_not_shown_empty(
    clinic: Clinic, f: MovementFilter, words: str
) -> None:
    with pytest.raises(UnknownRecord, match=words):
        _ids(clinic, f)


def test_a_period_ending_before_it_starts_is_refused(clinic: Clinic) -> None:
    f = MovementFilter(date_from=date(2026, 2, 1), date_to=date(2026, 1, 1))
    with pytest.raises(InvalidDate):
        _ids(clinic, f)
