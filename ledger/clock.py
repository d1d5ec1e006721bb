"""The ledger's clock: always timezone-aware UTC; tests may pin it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current instant in UTC."""
    return _now()


_pinned = False


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Pin the clock (tests, the deterministic demo). `None` restores the wall clock."""
    global _now, _pinned
    _now = fn if fn is not None else (lambda: datetime.now(UTC))
    _pinned = fn is not None


def is_pinned() -> bool:
    """True while tests or the demo hold the clock at a chosen time."""
    return _pinned


def as_utc(value: datetime) -> datetime:
    """Refuse naive datetimes: a naive time in a DEA record is ambiguous."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: every ledger time must carry a timezone")
    return value.astimezone(UTC)


def local_date(timezone: str, instant: datetime) -> date:
    """The calendar day an instant falls on at the clinic."""
    return instant.astimezone(ZoneInfo(timezone)).date()


def end_of_day(timezone: str, day: date) -> datetime:
    """The last instant of a calendar day at the clinic: a lot expires at its day's end, and
    a report's period runs from one day's end to another's."""
    tz = ZoneInfo(timezone)
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return midnight.astimezone(UTC) - timedelta(microseconds=1)


def clinic_today(timezone: str) -> date:
    """Today's date on the clinic's wall calendar (expiry is a calendar matter)."""
    return now().astimezone(ZoneInfo(timezone)).date()


def valid_timezone(value: str) -> str:
    """An IANA zone name the clinic can be set to, or a refusal naming the rule."""
    from ledger.errors import InvalidText

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidText(
            f"timezone {value!r} is not a known IANA zone like America/Denver"
        ) from None
    return value
