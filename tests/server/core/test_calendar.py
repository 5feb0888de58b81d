"""The working-day calendar on real 2025 and 2026 dates, admin overrides, and deadline arithmetic."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from server.core import calendar
from server.core.models import CalendarOverride
from server.processes.deadlines import add_period, subtract_period

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (date(2025, 1, 26), True, "Sunday made a working day before the 2025 Spring Festival"),
        (date(2025, 1, 28), False, "2025 Spring Festival Eve"),
        (date(2025, 2, 4), False, "last day of the 2025 Spring Festival holiday"),
        (date(2025, 2, 5), True, "first working day after it"),
        (date(2025, 2, 8), True, "Saturday made a working day after the 2025 Spring Festival"),
        (date(2025, 9, 28), True, "Sunday made a working day before the 2025 National Day"),
        (date(2025, 10, 1), False, "2025 National Day"),
        (date(2025, 10, 8), False, "last day of the 2025 National Day / Mid-Autumn holiday"),
        (date(2025, 10, 11), True, "Saturday made a working day after the 2025 National Day"),
        (date(2026, 2, 14), True, "Saturday made a working day before the 2026 Spring Festival"),
        (date(2026, 2, 16), False, "2026 Spring Festival Eve"),
        (date(2026, 2, 23), False, "Monday off, swapped for 28 February"),
        (date(2026, 2, 24), True, "first working day after the 2026 Spring Festival"),
        (date(2026, 2, 28), True, "Saturday made a working day after the 2026 Spring Festival"),
        (date(2026, 9, 20), True, "Sunday made a working day before the 2026 National Day"),
        (date(2026, 10, 1), False, "2026 National Day"),
        (date(2026, 10, 7), False, "last day of the 2026 National Day holiday"),
        (date(2026, 10, 10), True, "Saturday made a working day after the 2026 National Day"),
        (date(2026, 10, 11), False, "an ordinary Sunday"),
        (date(2026, 3, 10), True, "an ordinary Tuesday"),
    ],
)
def test_official_calendar_knows_holidays_and_make_up_working_days(day, working, why):
    assert calendar.is_working_day(day) is working, why


def test_seven_working_days_from_the_eve_of_the_2026_spring_festival_count_the_make_up_saturday():
    # Fri 13 Feb; Sat 14 (make-up, 1); 15-23 Feb off; 24-27 (5); Sat 28 (6); Mon 2 Mar (7)
    assert calendar.add_working_days(date(2026, 2, 13), 7) == date(2026, 3, 2)


def test_fifteen_working_days_across_the_2026_national_day():
    # Mon 28 Sep: 29, 30 (2); 1-7 Oct off; 8, 9 (4), Sat 10 (5), 12-16 (10), 19-23 (15)
    assert calendar.add_working_days(date(2026, 9, 28), 15) == date(2026, 10, 23)
    assert calendar.working_days_between(date(2026, 9, 28), date(2026, 10, 23)) == 15
    assert calendar.working_days_between(date(2026, 10, 23), date(2026, 9, 28)) == -15


def test_the_2025_national_day_week_has_no_working_day_but_the_saturday_after_it_counts():
    assert calendar.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert calendar.add_working_days(date(2025, 10, 10), 1) == date(2025, 10, 11)


def test_holiday_names_come_in_chinese():
    assert calendar.day_name(date(2026, 2, 17)) == "春节"
    assert calendar.day_name(date(2026, 3, 10)) is None


def test_an_admin_override_changes_the_calendar_at_once_and_can_be_taken_back():
    emergency = date(2026, 3, 11)  # an ordinary Wednesday, closed by a local emergency
    assert calendar.add_working_days(date(2026, 3, 10), 1) == emergency
    row = CalendarOverride.objects.create(day=emergency, is_working_day=False, name="临时闭馆 / Closure")
    assert not calendar.is_working_day(emergency)
    assert calendar.add_working_days(date(2026, 3, 10), 1) == date(2026, 3, 12)
    row.delete()
    assert calendar.is_working_day(emergency)


def test_an_override_can_add_a_year_the_package_does_not_know_yet():
    saturday = date(2027, 2, 20)
    assert not calendar.is_working_day(saturday)
    CalendarOverride.objects.create(day=saturday, is_working_day=True, name="春节调休 / Make-up day")
    assert calendar.is_working_day(saturday)


def test_a_working_day_period_ends_at_the_end_of_its_last_day_in_beijing_time():
    received = datetime(2026, 9, 30, 16, 30, tzinfo=SHANGHAI)
    assert add_period(received, 3, "working_days") == datetime(2026, 10, 10, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_calendar_day_period_ending_on_a_holiday_runs_to_the_next_working_day():
    received = datetime(2026, 9, 26, 10, 0, tzinfo=SHANGHAI)
    assert add_period(received, 5, "days") == datetime(2026, 10, 8, 23, 59, 59, tzinfo=SHANGHAI)
    ordinary = datetime(2026, 3, 9, 10, 0, tzinfo=SHANGHAI)
    assert add_period(ordinary, 7, "days") == datetime(2026, 3, 16, 23, 59, 59, tzinfo=SHANGHAI)


def test_hours_are_plain_hours():
    start = datetime(2026, 10, 1, 8, 0, tzinfo=SHANGHAI)
    assert add_period(start, 4, "hours") == datetime(2026, 10, 1, 12, 0, tzinfo=SHANGHAI)


def test_the_warning_steps_back_working_days_from_the_deadline():
    due = datetime(2026, 10, 10, 23, 59, 59, tzinfo=SHANGHAI)
    assert subtract_period(due, 2, "working_days") == datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI)


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(date(2026, 3, 9), -1)


def test_the_calendar_endpoint_lists_working_days_holidays_and_overrides(client_for):
    CalendarOverride.objects.create(day=date(2026, 10, 12), is_working_day=False, name="临时闭馆 / Closure")
    days = client_for("caseworker").get("/api/v1/calendar?from=2026-09-30&to=2026-10-12").json()
    by_date = {day["date"]: day for day in days}
    assert len(days) == 13
    assert by_date["2026-10-01"] == {
        "date": "2026-10-01",
        "working_day": False,
        "weekend": False,
        "name": "国庆节",
        "overridden": False,
    }
    assert by_date["2026-10-10"]["working_day"] and by_date["2026-10-10"]["weekend"]
    assert not by_date["2026-10-12"]["working_day"] and by_date["2026-10-12"]["overridden"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-10-12&to=2026-10-01", "from"),
        ("from=2026-01-01&to=2027-12-31", "to"),
        ("from=x&to=y", "from"),
    ],
)
def test_a_bad_calendar_range_is_a_400_naming_the_field(client_for, query, field):
    response = client_for("applicant").get(f"/api/v1/calendar?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]
