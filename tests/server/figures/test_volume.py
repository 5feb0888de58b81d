"""GET /api/v1/figures/volume: cases started and completed per process per day, week or month."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.server.conftest import VALID_REVIEW, do_task, start_case

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = {"urgent": False, "review_timeout": "P30D"}
SPRING = {"organisation": "LN-SY", "from": "2026-03-01", "to": "2026-04-30"}


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def volume(client, params: dict, *, status: int = 200):
    response = client.get("/api/v1/figures/volume", params)
    assert response.status_code == status, response.content
    return response.json()


def counted(rows: list[dict]) -> list[tuple[str, str, int, int]]:
    return [(row["period"], row["process"], row["started"], row["completed"]) for row in rows]


def finish(client_for, case_id: int) -> None:
    do_task(client_for("caseworker"), case_id, "review", VALID_REVIEW)
    do_task(client_for("reviewer"), case_id, "approve", {"approved": True})


@pytest.fixture
def spring_cases(client_for, approval, clock, demo) -> dict[str, int]:
    """X started late on 31 March (Beijing; still 31 March in UTC), Y early on 1 April (Beijing;
    31 March in UTC) and X completed then; Z started and completed on Monday 13 April. A case
    at the Shenhe district bureau on 2 April, still open."""
    applicant = client_for("applicant")
    clock.move_to(at(3, 31, 23, 30))
    x = start_case(applicant, "test_approval", START)["id"]
    clock.move_to(at(4, 1, 7))
    y = start_case(applicant, "test_approval", START)["id"]
    clock.move_to(at(4, 1, 7, 30))
    finish(client_for, x)
    clock.move_to(at(4, 2, 10))
    shenhe = start_case(applicant, "test_approval", START, organisation=demo["LN-SY-SH"].pk)["id"]
    clock.move_to(at(4, 13, 10))
    z = start_case(applicant, "test_approval", START)["id"]
    finish(client_for, z)
    return {"X": x, "Y": y, "Z": z, "shenhe": shenhe}


def test_cases_are_counted_per_beijing_day_week_and_month(client_for, spring_cases):
    supervisor = client_for("supervisor")
    heping = {**SPRING, "organisation": "LN-SY-HP"}
    days = volume(supervisor, {**heping, "interval": "day"})
    assert counted(days) == [
        ("2026-03-31", "test_approval", 1, 0),
        ("2026-04-01", "test_approval", 1, 1),
        ("2026-04-13", "test_approval", 1, 1),
    ]
    assert {row["process_name"] for row in days} == {"Test approval"}
    weeks = volume(supervisor, {**heping, "interval": "week"})  # weeks start on Monday
    assert counted(weeks) == [("2026-03-30", "test_approval", 2, 1), ("2026-04-13", "test_approval", 1, 1)]
    months = volume(supervisor, heping)  # by month unless asked
    assert counted(months) == [("2026-03-01", "test_approval", 1, 0), ("2026-04-01", "test_approval", 2, 2)]

    # The city counts the Shenhe case too; April alone leaves out X's start but not its completion.
    city = volume(supervisor, {**SPRING, "interval": "month"})
    assert counted(city) == [("2026-03-01", "test_approval", 1, 0), ("2026-04-01", "test_approval", 3, 2)]
    april = volume(supervisor, {**heping, "from": "2026-04-01", "interval": "month"})
    assert counted(april) == [("2026-04-01", "test_approval", 2, 2)]
    assert volume(
        client_for("caseworker"), {"from": "2026-04-13", "to": "2026-04-13", "interval": "day"}
    ) == [
        {
            "period": "2026-04-13",
            "process": "test_approval",
            "process_name": "Test approval",
            "started": 1,
            "completed": 1,
        }
    ]


def test_a_bad_interval_or_period_is_a_400_naming_the_field(client_for, demo):
    supervisor = client_for("supervisor")
    assert "interval" in volume(supervisor, {"interval": "hour"}, status=400)["errors"]
    assert "from" in volume(supervisor, {"from": "2026-02-30"}, status=400)["errors"]
    assert "to" in volume(supervisor, {"to": "later"}, status=400)["errors"]
    assert "from" in volume(supervisor, {"from": "2026-05-01", "to": "2026-04-01"}, status=400)["errors"]


def test_volume_is_for_staff_within_their_scope(client_for, demo):
    assert volume(client_for("applicant"), {}, status=403)["status"] == 403
    assert volume(client_for("caseworker"), {"organisation": "LN-SY"}, status=404)["status"] == 404
    assert volume(client_for("supervisor"), {"organisation": "LN"}, status=404)["status"] == 404
    assert volume(client_for("supervisor"), {}) == []
