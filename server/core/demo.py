"""Helpers the service lines' demo seeders share."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from server.core import calendar


def office_hours(moment: datetime, rng: random.Random) -> datetime:
    """The same moment if an office is open then, else a random time on the next working day."""
    local = timezone.localtime(moment)
    if calendar.is_working_day(local.date()) and 9 <= local.hour < 17:
        return moment
    day = local.date() if local.hour < 9 else local.date() + timedelta(days=1)
    day = calendar.add_working_days(day, 0 if calendar.is_working_day(day) else 1)
    return datetime.combine(day, time(9), tzinfo=calendar.local_zone()) + timedelta(
        minutes=rng.randint(0, 420)
    )
