"""Deadlines: statutory defaults, per-organisation settings, and the moments they name.

Processes never hard-code a deadline. A diagram asks for one by name,
`deadline("legal_aid.decision", since=case["started_at"])`, in a script, a due-date
expression or a timer; the figure comes from the nearest `DeadlineSetting` up the
organisation tree, else from the statutory default a service line registered here.
Periods run to the end (23:59:59 local) of their last day, the start day not counted.
Units: `working_days` (counted on the official calendar), `days` (calendar days, and a
period ending on a holiday ends on the next working day, as procedure law counts them),
`hours`.

The engine also hands the older style of value to `resolve_moment`: an ISO 8601 duration
counted from when the task became ready ("P7D", "PT4H") or an ISO 8601 date/time.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any

from django.utils import timezone

from server.accounts.selectors import ancestor_paths
from server.core import calendar

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
        try:
            duration = parse_duration(value)
            return start + duration if duration is not None else None
        except OverflowError:  # the engine refuses durations over 100 years; never overflow here
            return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if isinstance(moment, datetime) and moment.tzinfo is None:
        if len(value) == 10:  # a bare date means the end of that day
            return calendar.end_of_day(date.fromisoformat(value))
        moment = moment.replace(tzinfo=calendar.local_zone())
    return moment


# ---------------------------------------------------------------------------------------------
# Statutory defaults and organisation settings


@dataclass(frozen=True)
class StatutoryDeadline:
    key: str
    amount: int
    unit: str  # a DeadlineUnit value
    label: str  # "中文 / English"
    basis: str = ""  # the rule it comes from
    warn_before: int = 2  # in the same unit
    pauses_when_suspended: bool = True  # procedure rules: the clock stops while a case is suspended


@dataclass(frozen=True)
class Deadline:
    """The figure in force for one organisation."""

    key: str
    amount: int
    unit: str
    warn_before: int
    label: str
    source: str  # "default" or the organisation code whose setting applies
    pauses_when_suspended: bool = True


_DEFAULTS: dict[str, StatutoryDeadline] = {}


def register_deadline(
    key: str,
    amount: int,
    unit: str,
    label: str,
    *,
    basis: str = "",
    warn_before: int = 2,
    pauses_when_suspended: bool = True,
) -> None:
    """Register a named deadline's statutory default (call from a service line's AppConfig.ready)."""
    _DEFAULTS[key] = StatutoryDeadline(key, amount, unit, label, basis, warn_before, pauses_when_suspended)


def statutory_deadlines() -> dict[str, StatutoryDeadline]:
    return dict(sorted(_DEFAULTS.items()))


_SETTINGS_LOCK = threading.Lock()
_SETTINGS: tuple[float, dict[tuple[str, str], Any], dict[str, str]] | None = None
SETTINGS_CACHE_SECONDS = 60.0


def settings_changed() -> None:
    global _SETTINGS
    with _SETTINGS_LOCK:
        _SETTINGS = None


def _settings() -> tuple[dict[tuple[str, str], Any], dict[str, str]]:
    """(organisation path, key) -> setting, and organisation code -> path; cached briefly."""
    global _SETTINGS
    cached = _SETTINGS
    if cached is None or monotonic() - cached[0] > SETTINGS_CACHE_SECONDS:
        from server.accounts.models import Organisation
        from server.processes.models import DeadlineSetting

        rows = {
            (row.organisation.path, row.key): row
            for row in DeadlineSetting.objects.select_related("organisation")
        }
        paths = dict(Organisation.objects.values_list("code", "path"))
        cached = (monotonic(), rows, paths)
        with _SETTINGS_LOCK:
            _SETTINGS = cached
    return cached[1], cached[2]


def deadline_for(key: str, organisation_code: str | None) -> Deadline:
    """The deadline `key` in force for an organisation: its own setting, an ancestor's, or the default."""
    default = _DEFAULTS.get(key)
    if default is None:
        known = ", ".join(sorted(_DEFAULTS)) or "none"
        raise ValueError(f"unknown deadline {key!r} (known: {known})")
    rows, paths = _settings()
    # The nearest organisation's setting wins.
    for path in ancestor_paths(paths.get(organisation_code or "", "")):
        row = rows.get((path, key))
        if row is not None:
            return Deadline(
                key,
                row.amount,
                row.unit,
                row.warn_before,
                default.label,
                row.organisation.code,
                row.pauses_when_suspended,
            )
    return Deadline(
        key,
        default.amount,
        default.unit,
        default.warn_before,
        default.label,
        "default",
        default.pauses_when_suspended,
    )


def add_period(start: datetime, amount: int, unit: str) -> datetime:
    """`amount` of `unit` after `start`; day-counted periods run to the end of their last day."""
    local = start.astimezone(calendar.local_zone())
    if unit == "hours":
        return local + timedelta(hours=amount)
    if unit == "days":
        # Procedure law's rule for periods in days: the start day is not counted, and a
        # period whose last day is a holiday ends on the first working day after it.
        last = local.date() + timedelta(days=amount)
        return calendar.end_of_day(calendar.add_working_days(last, 0 if calendar.is_working_day(last) else 1))
    if unit == "working_days":
        return calendar.end_of_day(calendar.add_working_days(local.date(), amount))
    raise ValueError(f"unknown deadline unit {unit!r}")


def suspended_working_days(start: datetime, end: datetime) -> int:
    """Working days a suspension from `start` to `end` took off the clock: the working days
    after the day it began, up to and including the day it ended (same-day: none)."""
    zone = calendar.local_zone()
    return max(0, calendar.working_days_between(start.astimezone(zone).date(), end.astimezone(zone).date()))


def postpone(moment: datetime, *, working_days: int) -> datetime:
    """`moment` moved `working_days` working days later, at the same time of day."""
    local = moment.astimezone(calendar.local_zone())
    day = calendar.add_working_days(local.date(), working_days)
    return datetime.combine(day, local.timetz())


def subtract_period(end: datetime, amount: int, unit: str) -> datetime:
    """The start of the warning window: `amount` of `unit` before `end` (working days stepped back)."""
    local = end.astimezone(calendar.local_zone())
    if unit == "hours":
        return local - timedelta(hours=amount)
    day = local.date()
    if unit == "days":
        day -= timedelta(days=amount)
    else:
        remaining = amount
        while remaining > 0:
            day -= timedelta(days=1)
            if calendar.is_working_day(day):
                remaining -= 1
    return datetime.combine(day, time(9, 0), tzinfo=calendar.local_zone())


# ---------------------------------------------------------------------------------------------
# Functions diagrams call (each gets the task data first, see workflows.Engine)


def _moment(value: Any, label: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise ValueError(f"{label} {value!r} is not an ISO date/time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=calendar.local_zone())


def _organisation_of(data: dict) -> str | None:
    case = data.get("case")
    return case.get("organisation") if isinstance(case, dict) else None


def process_deadline(data: dict, key: str, since: Any = None) -> str:
    """`deadline(key, since=None)`: when the named deadline falls, counted from `since` or now."""
    start = _moment(since, "since") if since else timezone.now()
    rule = deadline_for(key, _organisation_of(data))
    return add_period(start, rule.amount, rule.unit).isoformat()


def process_warning(data: dict, key: str, due: Any) -> str:
    """`warn_at(key, due)`: when to warn before the named deadline falling at `due`."""
    rule = deadline_for(key, _organisation_of(data))
    end = _moment(due, "due")
    warn = subtract_period(end, rule.warn_before, rule.unit)
    now = timezone.now()
    return max(warn, min(now, end)).isoformat()


def process_now(data: dict) -> str:  # noqa: ARG001 - every process function gets the task data
    """`now()`: the current moment, local time, ISO 8601 (for recording when something happened)."""
    return timezone.localtime().isoformat()


def process_working_days_left(data: dict, due: Any) -> int:  # noqa: ARG001
    """`working_days_left(due)`: working days from today to the due day (negative when overdue)."""
    end = _moment(due, "due").astimezone(calendar.local_zone()).date()
    return calendar.working_days_between(timezone.localdate(), end)


PROCESS_FUNCTIONS = {
    "deadline": process_deadline,
    "warn_at": process_warning,
    "now": process_now,
    "working_days_left": process_working_days_left,
}
