"""The official working-day calendar of mainland China, with admin overrides.

Working days follow the State Council's yearly holiday arrangement: public holidays are
off, and some weekend days are made working days (调休). The `holidays` package knows the
arrangement for the years it has been published; `CalendarOverride` rows let an
administrator add or correct a day the package does not know yet (a new year's
arrangement announced in November, a local emergency closure) without a release.

Deadlines counted in working days do not count the day they start on: "within 7 working
days of receipt" on a Friday means by the end of the 7th working day after that Friday.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from time import monotonic
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

_LOCK = threading.Lock()
_OVERRIDES: dict[date, bool] | None = None
_LOADED_AT = 0.0
# Other server processes learn of an admin's change within this many seconds.
CACHE_SECONDS = 60.0
END_OF_DAY = time(23, 59, 59)
MAX_SEARCH_DAYS = 3660  # no deadline runs ten years; stops a runaway loop on a bad override table


@lru_cache(maxsize=64)
def _official(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year, language="zh_CN")


def _overrides() -> dict[date, bool]:
    global _OVERRIDES, _LOADED_AT
    overrides = _OVERRIDES
    if overrides is None or monotonic() - _LOADED_AT > CACHE_SECONDS:
        from server.core.models import CalendarOverride

        overrides = dict(CalendarOverride.objects.values_list("day", "is_working_day"))
        with _LOCK:
            _OVERRIDES, _LOADED_AT = overrides, monotonic()
    return overrides


def overrides_changed() -> None:
    """Forget the cached override table (called when a row is saved or deleted)."""
    global _OVERRIDES
    with _LOCK:
        _OVERRIDES = None


def is_working_day(day: date) -> bool:
    override = _overrides().get(day)
    if override is not None:
        return override
    return _official(day.year).is_working_day(day)


def day_name(day: date) -> str | None:
    """The holiday's official name (e.g. "春节"), or None for an ordinary day."""
    return _official(day.year).get(day)


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (start itself not counted); start when count is 0."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    remaining = count
    for _ in range(MAX_SEARCH_DAYS):
        if remaining == 0:
            return day
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    raise ValueError(f"no {count} working days found within {MAX_SEARCH_DAYS} days of {start}")


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range(1, (end - start).days + 1) if is_working_day(start + timedelta(days=n)))


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def end_of_day(day: date) -> datetime:
    """23:59:59 of `day` in the service's time zone: a deadline day runs to its end."""
    return datetime.combine(day, END_OF_DAY, tzinfo=local_zone())
