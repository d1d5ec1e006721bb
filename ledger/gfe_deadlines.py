"""When a good faith estimate is due (No Surprises Act, 45 CFR 149.610(b)(1)(vi)).

- A service scheduled at least 3 business days ahead: within 1 business day of scheduling.
- One scheduled at least 10 business days ahead: within 3 business days of scheduling.
- On a patient's request: within 3 business days of the request.
- A service scheduled fewer than 3 business days ahead needs no estimate before it.

Business days skip weekends and the clinic's holidays (ledger/business_days.py). Recurring
services (an infusion series and its boosters) may be estimated once for up to 12 months.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

from ledger.business_days import add_business_days, business_days_between

#: The longest span one estimate of recurring services may cover.
SERIES_MONTHS = 12


def due_on_scheduling(
    scheduled_on: date, service_on: date, holidays: Collection[date]
) -> date | None:
    """The last day to give the estimate for a service booked on `scheduled_on` for
    `service_on`, or None when the service is fewer than 3 business days away."""
    away = business_days_between(scheduled_on, service_on, holidays)
    if away >= 10:
        return add_business_days(scheduled_on, 3, holidays)
    if away >= 3:
        return add_business_days(scheduled_on, 1, holidays)
    return None


def due_on_request(requested_on: date, holidays: Collection[date]) -> date:
    """The last day to give the estimate a patient asked for on `requested_on`."""
    return add_business_days(requested_on, 3, holidays)


def series_covers_until(first_day: date) -> date:
    """The last day a recurring-services estimate starting `first_day` may cover: the day
    before the same date twelve months on (Feb 29 falls back to Feb 28)."""
    year = first_day.year + SERIES_MONTHS // 12
    try:
        same_day = first_day.replace(year=year)
    except ValueError:  # 29 February into a common year
        same_day = first_day.replace(year=year, day=28) + timedelta(days=1)
    return same_day - timedelta(days=1)
