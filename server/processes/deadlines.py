"""Turn the engine's evaluated due/follow-up values into moments.

A value is an ISO 8601 duration counted from the moment the task became ready ("P7D",
"PT4H", "P1DT12H") or an ISO 8601 date/time ("2026-12-01", "2026-12-01T17:00:00+08:00").
"""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(value: str) -> timedelta | None:
    match = _DURATION.match(value.strip())
    if not match or value.strip() in {"P", "PT"} or value.strip().endswith("T"):
        return None
    parts = {key: float(number) for key, number in match.groupdict().items() if number}
    return timedelta(**parts)


def resolve_moment(value: str | None, *, start: datetime) -> datetime | None:
    """The moment `value` names, counted from `start` for a duration; None when absent or unreadable."""
    if not value:
        return None
    value = str(value).strip()
    if value.startswith("P"):
        duration = parse_duration(value)
        return start + duration if duration is not None else None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if isinstance(moment, datetime) and moment.tzinfo is None:
        local = ZoneInfo(settings.TIME_ZONE)
        if len(value) == 10:  # a bare date means the end of that working day
            moment = datetime.combine(date.fromisoformat(value), time(23, 59, 59))
        moment = moment.replace(tzinfo=local)
    return moment
