"""Occurrences of timer start events: dates, ISO 8601 repeats and cron lines (as Camunda writes them)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from workflows import schedule

SHENYANG = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=SHENYANG)


def occurrences(kind: str, expression: str, count: int = 4, *, now: datetime = MONDAY) -> list[str]:
    parsed = schedule.parse(kind, expression, tz=SHENYANG)
    moments = [parsed.first(now, anchor=now, tz=SHENYANG)]
    while moments[-1] is not None and len(moments) < count:
        moments.append(parsed.after(moments[-1], anchor=now, tz=SHENYANG))
    return [m.astimezone(SHENYANG).isoformat() if m else None for m in moments]


def test_a_camunda_cron_line_runs_every_morning_at_eight_local_time():
    assert occurrences("timeCycle", "0 0 8 * * ?", 3) == [
        "2026-03-10T08:00:00+08:00",
        "2026-03-11T08:00:00+08:00",
        "2026-03-12T08:00:00+08:00",
    ]


def test_quartz_weekdays_count_from_sunday_as_one():
    # 2-6 is Monday to Friday in Quartz (Camunda); Monday 9 March 09:30 is still ahead.
    assert occurrences("timeCycle", '"0 30 9 ? * 2-6"', 6)[4:] == [
        "2026-03-13T09:30:00+08:00",
        "2026-03-16T09:30:00+08:00",
    ]
    # The third Friday of each month.
    assert occurrences("timeCycle", "0 0 8 ? * 6#3", 2) == [
        "2026-03-20T08:00:00+08:00",
        "2026-04-17T08:00:00+08:00",
    ]


def test_five_field_unix_cron_is_read_as_unix_cron():
    assert occurrences("timeCycle", "15 7 * * 1", 2) == [
        "2026-03-16T07:15:00+08:00",
        "2026-03-23T07:15:00+08:00",
    ]


def test_iso_repeats_with_a_start_a_count_or_an_end():
    # Started in January: the first occurrence still ahead is tomorrow's.
    assert occurrences("timeCycle", '"R/2026-01-01T08:00:00/P1D"', 2) == [
        "2026-03-10T08:00:00+08:00",
        "2026-03-11T08:00:00+08:00",
    ]
    assert occurrences("timeCycle", "R3/2026-03-10T08:00:00/P1M", 5) == [
        "2026-03-10T08:00:00+08:00",
        "2026-04-10T08:00:00+08:00",
        "2026-05-10T08:00:00+08:00",
        None,
    ]
    assert occurrences("timeCycle", "R2/P1W/2026-03-31T00:00:00", 3) == [
        "2026-03-24T00:00:00+08:00",
        "2026-03-31T00:00:00+08:00",
        None,
    ]
    # No start: counted from when the schedule was set up (the deployment).
    assert occurrences("timeCycle", '"R/PT12H"', 2) == [
        "2026-03-09T21:00:00+08:00",
        "2026-03-10T09:00:00+08:00",
    ]


def test_a_date_is_one_occurrence_even_when_already_past():
    assert occurrences("timeDate", '"2026-05-01T08:00:00"') == ["2026-05-01T08:00:00+08:00", None]
    late = MONDAY + timedelta(days=90)
    assert occurrences("timeDate", "2026-05-01T08:00:00+08:00", now=late) == [
        "2026-05-01T08:00:00+08:00",
        None,
    ]


@pytest.mark.parametrize(
    ("kind", "expression", "message"),
    [
        ("timeDuration", '"P1D"', "needs a date (timeDate) or a cycle"),
        ("timeCycle", "banana", "cannot read case data"),
        ("timeDate", "report_due", "cannot read case data"),
        ("timeCycle", "0 0 99 * * ?", "not a valid cron expression"),
        ("timeDate", '"next week"', "not an ISO 8601 date-time"),
        ("timeCycle", "R/P1D/P2D/3", "not an ISO 8601 repeat"),
        ("timeCycle", "R0/P1D", "repeats no times"),
    ],
)
def test_what_cannot_be_scheduled_is_refused_with_what_to_write(kind, expression, message):
    with pytest.raises(schedule.ScheduleError, match=re.escape(message)):
        schedule.parse(kind, expression, tz=SHENYANG)
