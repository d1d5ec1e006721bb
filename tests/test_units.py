"""Amounts, strengths and dates are parsed exactly, and anything doubtful is refused."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.errors import InvalidAmount, InvalidDate
from ledger.units import (
    mg_text,
    ml_text,
    parse_amount_ug,
    parse_date,
    parse_strength,
    parse_volume_ul,
    parse_weight_g,
    syringe_ml_text,
)

FIFTY = 50_000  # 50 mg/mL in µg/mL


@pytest.mark.parametrize(
    "text,ug",
    [
        ("50mg", 50_000),
        ("1.0mL", 50_000),
        ("0.8 ml", 40_000),
        ("500mcg", 500),
        ("500µg", 500),
        ("0.5 MG", 500),
        (".5mL", 25_000),
        ("12.345mg", 12_345),
        ("0mg", 0),
    ],
)
def test_amounts_convert_exactly(text: str, ug: int) -> None:
    assert parse_amount_ug(text, FIFTY) == ug


@pytest.mark.parametrize(
    "text",
    [
        "1,5mL",
        "-3mg",
        "1e3mg",
        "NaN",
        "nan mg",
        "",
        "   ",
        "x" * 10_000,
        "5",
        "mg",
        "5 kg",
        "0.0001mg",
        "1.2.3mg",
        "+5mg",
        "5mg ; drop table",
        "inf mg",
        "٥mg",
    ],
)
def test_doubtful_amounts_are_refused(text: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_amount_ug(text, FIFTY)


def test_ml_that_is_not_a_whole_microgram_is_refused_not_rounded() -> None:
    with pytest.raises(InvalidAmount, match="rounded"):
        parse_amount_ug("0.0000001mL", FIFTY)


def test_strength_volume_and_weight() -> None:
    assert parse_strength("50mg/mL") == 50_000
    assert parse_strength("100 mg / ml") == 100_000
    assert parse_volume_ul("10mL") == 10_000
    assert parse_volume_ul("0.5 mL") == 500
    assert parse_weight_g("80kg") == 80_000
    assert parse_weight_g("176 lb") == 79_832
    for bad in ("0kg", "-80kg", "900kg", "80"):
        with pytest.raises(InvalidAmount):
            parse_weight_g(bad)


def test_display_text_is_exact() -> None:
    assert mg_text(12_345) == "12.345"
    assert mg_text(500_000) == "500"
    assert mg_text(-5_000) == "-5"
    assert ml_text(455_000, FIFTY) == "9.1"
    assert ml_text(1, 30_000) == "0"  # beyond any syringe; 4 decimal places at most
    assert syringe_ml_text(455_000, FIFTY) == "9.10"


@pytest.mark.parametrize(
    "text", ["03/04/2026", "2026-13-01", "2026-02-30", "", "20260101", "2026-1-1", "x" * 100]
)
def test_dates_must_be_written_yyyy_mm_dd(text: str) -> None:
    with pytest.raises(InvalidDate):
        parse_date(text)


def test_a_good_date() -> None:
    assert parse_date("2026-02-28") == date(2026, 2, 28)
