"""The pure rules behind the billing documents: NPI check digits, ICD-10-CM format, business
days, good faith estimate deadlines and infusion time units."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ledger.business_days import add_business_days, business_days_between, next_business_day
from ledger.errors import InvalidText
from ledger.gfe_deadlines import due_on_request, due_on_scheduling, series_covers_until
from ledger.icd10 import normalize_icd10
from ledger.infusion_units import time_units, units_for_seconds
from ledger.npi import check_digit, npi_is_valid, valid_npi

# -- NPI -----------------------------------------------------------------------------------


def test_the_cms_example_npi_has_check_digit_3() -> None:
    # CMS's worked example: 123456789 -> Luhn over 80840123456789 -> 3.
    assert check_digit("123456789") == 3
    assert npi_is_valid("1234567893")


@pytest.mark.parametrize("wrong", ["1234567890", "1234567894", "123456789", "12345678931", "abc"])
def test_an_npi_with_a_wrong_check_digit_or_length_is_refused(wrong: str) -> None:
    assert not npi_is_valid(wrong)
    with pytest.raises(InvalidText, match="check digit"):
        valid_npi(wrong)


def test_a_single_mistyped_digit_is_always_caught() -> None:
    good = "1234567893"
    for i in range(10):
        for d in "0123456789":
            if d != good[i]:
                assert not npi_is_valid(good[:i] + d + good[i + 1 :])


def test_spaces_and_dashes_a_person_types_are_dropped() -> None:
    assert valid_npi(" 123-456-7893 ") == "1234567893"


# -- ICD-10-CM -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("F33.1", "F33.1"),
        ("f33.2", "F33.2"),
        ("F331", "F33.1"),
        ("F43.10", "F43.10"),
        ("G89.4", "G89.4"),
        ("T40.4X1A", "T40.4X1A"),
        ("F32A", "F32.A"),
        ("F41", "F41"),
    ],
)
def test_icd10_codes_are_written_the_standard_way(typed: str, stored: str) -> None:
    assert normalize_icd10(typed) == stored


@pytest.mark.parametrize(
    "bad", ["", "F3.31", "F33,1", "33.1", "F33.", "F33.12345", "FF3.1", "F33 1"]
)
def test_an_icd10_code_in_the_wrong_format_is_refused(bad: str) -> None:
    with pytest.raises(InvalidText, match="ICD-10-CM"):
        normalize_icd10(bad)


# -- business days -------------------------------------------------------------------------

CHRISTMAS = {date(2026, 12, 25)}


def test_business_days_skip_weekends_and_holidays() -> None:
    assert next_business_day(date(2026, 12, 24), CHRISTMAS) == date(2026, 12, 28)
    assert add_business_days(date(2026, 12, 23), 3, CHRISTMAS) == date(2026, 12, 29)
    assert add_business_days(date(2026, 3, 7), 1, set()) == date(2026, 3, 9)  # from a Saturday


def test_business_days_between_count_the_days_after_the_first_up_to_the_last() -> None:
    monday = date(2026, 3, 2)
    assert business_days_between(monday, monday + timedelta(days=3), set()) == 3  # Thursday
    assert business_days_between(monday, monday + timedelta(days=7), set()) == 5
    assert business_days_between(monday, monday, set()) == 0
    assert business_days_between(date(2026, 12, 21), date(2027, 1, 4), CHRISTMAS) == 9
    # Brute force over a quarter: the week arithmetic agrees with counting day by day.
    for span in range(0, 60):
        end = monday + timedelta(days=span)
        slow = sum(
            1
            for k in range(1, span + 1)
            if (monday + timedelta(days=k)).weekday() < 5
            and monday + timedelta(days=k) not in {date(2026, 3, 20)}
        )
        assert business_days_between(monday, end, {date(2026, 3, 20)}) == slow


# -- good faith estimate deadlines ---------------------------------------------------------


def test_a_service_three_to_nine_business_days_away_is_due_the_next_business_day() -> None:
    friday = date(2026, 3, 6)
    # Booked Friday for Wednesday: Mon, Tue, Wed = 3 business days; due Monday.
    assert due_on_scheduling(friday, date(2026, 3, 11), set()) == date(2026, 3, 9)
    # Nine business days away still the one-day rule.
    assert due_on_scheduling(friday, date(2026, 3, 19), set()) == date(2026, 3, 9)


def test_a_service_ten_or_more_business_days_away_is_due_in_three_business_days() -> None:
    friday = date(2026, 3, 6)
    assert due_on_scheduling(friday, date(2026, 3, 20), set()) == date(2026, 3, 11)


def test_a_service_fewer_than_three_business_days_away_needs_no_estimate_first() -> None:
    # Booked Friday for Tuesday: only Monday and Tuesday count.
    assert due_on_scheduling(date(2026, 3, 6), date(2026, 3, 10), set()) is None


def test_deadlines_step_over_a_weekend_and_a_holiday() -> None:
    # Booked Thursday 24 December for 4 January: Christmas Friday is a holiday, so only
    # Dec 28 to Jan 1 and Jan 4 count (6 business days): due the next business day, Monday 28.
    assert due_on_scheduling(date(2026, 12, 24), date(2027, 1, 4), CHRISTMAS) == date(2026, 12, 28)
    # Without the holiday the Friday would be the day.
    assert due_on_scheduling(date(2026, 12, 24), date(2027, 1, 4), set()) == date(2026, 12, 25)
    # Asked on Wednesday 23 December: Thursday 24, Monday 28, Tuesday 29.
    assert due_on_request(date(2026, 12, 23), CHRISTMAS) == date(2026, 12, 29)


def test_a_series_is_estimated_for_at_most_twelve_months() -> None:
    assert series_covers_until(date(2026, 3, 2)) == date(2027, 3, 1)
    assert series_covers_until(date(2028, 2, 29)) == date(2029, 2, 28)


# -- infusion time units -------------------------------------------------------------------

START = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("minutes", "seconds", "first", "additional"),
    [
        (40, 0, 1, 0),
        (60, 0, 1, 0),
        (90, 0, 1, 0),
        (90, 1, 1, 1),
        (150, 0, 1, 1),
        (151, 0, 1, 2),
        (240, 0, 1, 3),
    ],
)
def test_time_units_come_from_the_recorded_start_and_end(
    minutes: int, seconds: int, first: int, additional: int
) -> None:
    units = time_units(START, START + timedelta(minutes=minutes, seconds=seconds))
    assert units is not None
    assert (units.first_hour, units.additional_hours) == (first, additional)
    assert units.by_code() == {"96365": first, "96366": additional}


def test_no_times_no_units() -> None:
    assert time_units(None, START) is None
    assert time_units(START, None) is None
    assert units_for_seconds(0).first_hour == 0
