"""Infusion time units from the recorded start and end (CPT infusion time rules).

96365 covers an IV infusion up to the first hour. 96366 is each additional hour, and a
final part-hour counts as one more 96366 only once it runs beyond 30 minutes: 90 minutes
in all is 96365 alone, 91 minutes is 96365 + 96366, a 4-hour pain infusion is 96365 + 3 ×
96366. Seconds are compared, never rounded minutes, so 30 minutes 1 second past the hour
is an additional unit and 30 minutes exactly is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FIRST_HOUR = "96365"
ADDITIONAL_HOUR = "96366"
_HOUR = 3600
_HALF_HOUR = 1800


@dataclass(frozen=True)
class TimeUnits:
    """The units an infusion's recorded times support."""

    #: Seconds from start to end.
    seconds: int
    first_hour: int
    additional_hours: int

    def by_code(self) -> dict[str, int]:
        return {FIRST_HOUR: self.first_hour, ADDITIONAL_HOUR: self.additional_hours}

    def minutes_text(self) -> str:
        minutes, seconds = divmod(self.seconds, 60)
        return f"{minutes} min" + (f" {seconds} s" if seconds else "")


def units_for_seconds(seconds: int) -> TimeUnits:
    if seconds <= 0:
        return TimeUnits(seconds=max(seconds, 0), first_hour=0, additional_hours=0)
    beyond = seconds - _HOUR
    if beyond <= 0:
        return TimeUnits(seconds=seconds, first_hour=1, additional_hours=0)
    hours, rest = divmod(beyond, _HOUR)
    return TimeUnits(
        seconds=seconds, first_hour=1, additional_hours=hours + (1 if rest > _HALF_HOUR else 0)
    )


def time_units(started_at: datetime | None, ended_at: datetime | None) -> TimeUnits | None:
    """The units for an infusion's recorded times, or None when either time is missing."""
    if started_at is None or ended_at is None:
        return None
    elapsed = ended_at - started_at
    return units_for_seconds(elapsed.days * 86_400 + elapsed.seconds)
