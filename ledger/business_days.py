"""Business days on the clinic's calendar: weekends and the clinic's holidays are not.

The DEA's one-business-day theft notice and the No Surprises Act's good faith estimate
deadlines both count in these days, so both read the one rule here.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta


def holidays_of(text: str) -> set[date]:
    """The clinic's holidays setting (comma-separated ISO dates) as dates."""
    return {date.fromisoformat(part.strip()) for part in text.split(",") if part.strip()}


def is_business_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def next_business_day(day: date, holidays: Collection[date]) -> date:
    """The first day after `day` that is neither a weekend nor one of the clinic's holidays."""
    nxt = day + timedelta(days=1)
    while not is_business_day(nxt, holidays):
        nxt += timedelta(days=1)
    return nxt


def add_business_days(day: date, count: int, holidays: Collection[date]) -> date:
    """The `count`th business day after `day` (`day` itself never counts, whatever it is)."""
    if count < 0:
        raise ValueError("count business days forwards only")
    for _ in range(count):
        day = next_business_day(day, holidays)
    return day


def business_days_between(start: date, end: date, holidays: Collection[date]) -> int:
    """How many business days fall after `start` up to and including `end` (0 if none):
    a service on Thursday scheduled on Monday is 3 business days away."""
    if end <= start:
        return 0
    # Whole weeks are five weekdays each; only the holidays inside need looking at.
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    day = start + timedelta(days=weeks * 7)
    for _ in range(rest):
        day += timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    count -= sum(1 for h in holidays if start < h <= end and h.weekday() < 5)
    return count
