"""GET /api/v1/figures/overdue: open overdue tasks anywhere in scope, most overdue first."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.server.conftest import VALID_REVIEW, do_task, open_task, start_case

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = {"urgent": False, "review_timeout": "P30D"}


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=SHANGHAI)


def overdue(client, params: dict | None = None, *, status: int = 200):
    response = client.get("/api/v1/figures/overdue", params or {})
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def late_reviews(client_for, approval, clock, demo) -> dict[str, int]:
    """Each review is due 7 days (P7D) after the case starts. P (Heping) started Monday 9 March and
    claimed by the caseworker; Q (Shenhe) Tuesday 10 March; R (Heping) reviewed in time, now
    waiting for an approval with no due date; S started Friday 20 March (not due yet).
    The clock then stands at Monday 23 March."""
    applicant = client_for("applicant")
    clock.move_to(at(9))
    p = start_case(applicant, "test_approval", START)["id"]
    client_for("caseworker").post(
        f"/api/v1/tasks/{open_task(client_for('caseworker'), p, 'review')['id']}/claim"
    )
    clock.move_to(at(10))
    q = start_case(applicant, "test_approval", START, organisation=demo["LN-SY-SH"].pk)["id"]
    r = start_case(applicant, "test_approval", START)["id"]
    do_task(client_for("caseworker"), r, "review", VALID_REVIEW)
    clock.move_to(at(20))
    s = start_case(applicant, "test_approval", START)["id"]
    clock.move_to(at(23))
    return {"P": p, "Q": q, "R": r, "S": s}


def test_a_supervisor_sees_every_overdue_task_below_them_most_overdue_first(client_for, late_reviews, demo):
    page = overdue(client_for("supervisor"))
    assert page["count"] == 2 and page["next"] is None and page["previous"] is None
    first, second = page["results"]
    assert (first["instance"], second["instance"]) == (late_reviews["P"], late_reviews["Q"])
    # Due on 16 and 17 March (7 days after the start): 5 and 4 working days overdue on Monday 23 March.
    assert datetime.fromisoformat(first["due_at"]).date().isoformat() == "2026-03-16"
    assert (first["working_days_overdue"], second["working_days_overdue"]) == (5, 4)
    assert first["task_name"] == "Review application" and first["process_name"] == "Test approval"
    assert first["process"] == "test_approval" and first["bpmn_id"] == "review"
    assert first["business_key"].endswith(f"{late_reviews['P']:06d}")
    assert first["assignee"]["username"] == "caseworker" and second["assignee"] is None
    heping, shenhe = demo["LN-SY-HP"], demo["LN-SY-SH"]
    assert first["organisation"] == {"id": heping.pk, "code": "LN-SY-HP", "name": heping.name}
    assert second["organisation"]["code"] == shenhe.code
    assert isinstance(first["task"], int)

    only_shenhe = overdue(client_for("supervisor"), {"organisation": "LN-SY-SH"})
    assert [row["instance"] for row in only_shenhe["results"]] == [late_reviews["Q"]]
    # A caseworker sees their own county only.
    assert [row["instance"] for row in overdue(client_for("caseworker"))["results"]] == [late_reviews["P"]]


def test_overdue_tasks_come_in_pages(client_for, late_reviews):
    supervisor = client_for("supervisor")
    first = overdue(supervisor, {"page_size": 1})
    assert first["count"] == 2 and [row["instance"] for row in first["results"]] == [late_reviews["P"]]
    assert first["next"] is not None
    second = overdue(supervisor, {"page_size": 1, "page": 2})
    assert [row["instance"] for row in second["results"]] == [late_reviews["Q"]] and second["next"] is None
    assert "page" in overdue(supervisor, {"page": 9}, status=400)["errors"]


def test_overdue_tasks_are_for_staff_within_their_scope(client_for, demo):
    assert overdue(client_for("applicant"), status=403)["status"] == 403
    assert overdue(client_for("caseworker"), {"organisation": "LN-SY"}, status=404)["status"] == 404
    assert overdue(client_for("supervisor"), {"organisation": "NOPE"}, status=404)["status"] == 404
    assert overdue(client_for("supervisor"))["count"] == 0


@pytest.mark.parametrize(
    ("due", "today", "days"),
    [
        (datetime(2026, 3, 20, 10, 0, tzinfo=SHANGHAI), "2026-03-20", 1),  # past due, later that Friday
        (datetime(2026, 3, 20, 23, 59, 59, tzinfo=SHANGHAI), "2026-03-22", 1),  # ... and over the weekend
        (datetime(2026, 3, 20, 23, 59, 59, tzinfo=SHANGHAI), "2026-03-24", 2),  # Monday and Tuesday
        (datetime(2026, 4, 3, 17, 0, tzinfo=SHANGHAI), "2026-04-08", 2),  # Qingming, 4-6 April, is off
        (
            datetime(2026, 3, 16, 16, 30, tzinfo=ZoneInfo("UTC")),
            "2026-03-18",
            1,
        ),  # due the 17th, Beijing time
    ],
)
def test_working_days_overdue_count_only_working_days_after_the_due_day(db, due, today, days):
    from datetime import date

    from server.processes.figures_api import working_days_overdue

    assert working_days_overdue(due, date.fromisoformat(today)) == days
