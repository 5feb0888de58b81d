"""The caseworker workbench: queue counts by tab, filters and sorting, richer rows, saved filters."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.server.conftest import SCENARIO_START, start_approval, start_case
from tests.server.notary.conftest import ADULT_ID, ELDERLY_ID, application

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The approval's review is due 7 days after it opens ("P7D"): opened Monday 9 March 2026 at
# 09:00 Shanghai time, it falls due Monday 16 March at 09:00.
REVIEW_DUE = datetime(2026, 3, 16, 9, 0, tzinfo=SHANGHAI)


def _rows(client, **params) -> list[dict]:
    response = client.get("/api/v1/tasks", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _counts(client) -> dict:
    response = client.get("/api/v1/tasks/counts")
    assert response.status_code == 200, response.content
    return response.json()


def test_counts_split_the_open_queue_by_tab(client_for, approval, clock):
    applicant, caseworker, colleague = (
        client_for("applicant"),
        client_for("caseworker"),
        client_for("caseworker2"),
    )
    cases = [start_approval(applicant) for _ in range(3)]
    claimed = cases[0]["tasks"][0]["id"]
    assert caseworker.post(f"/api/v1/tasks/{claimed}/claim").status_code == 200

    assert _counts(caseworker) == {
        "mine": 1,
        "groups": 2,
        "unassigned": 2,
        "due_today": 0,
        "overdue": 0,
        "green_channel": 0,
    }
    # the colleague's group work includes the case the first caseworker holds
    assert _counts(colleague) == {
        "mine": 0,
        "groups": 3,
        "unassigned": 2,
        "due_today": 0,
        "overdue": 0,
        "green_channel": 0,
    }
    assert _counts(client_for("reviewer")) == dict.fromkeys(_counts(caseworker), 0)
    assert _counts(applicant) == dict.fromkeys(_counts(caseworker), 0)

    # Completed work leaves every tab.
    done = caseworker.post(
        f"/api/v1/tasks/{claimed}/complete",
        {"data": {"complete": True, "applicant": {"id_number": "11010519491231002X"}}},
        format="json",
    )
    assert done.status_code == 200
    assert _counts(caseworker)["mine"] == 0 and _counts(caseworker)["groups"] == 2


def test_due_today_is_counted_on_the_shanghai_clock_and_includes_late_work(client_for, approval, clock):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    start_approval(applicant)
    # 23:30 on Sunday in Shanghai: due tomorrow, not today
    clock.move_to(datetime(2026, 3, 15, 23, 30, tzinfo=SHANGHAI))
    assert _counts(caseworker)["due_today"] == 0
    assert _rows(caseworker, due_today="true") == []
    # 00:30 on Monday in Shanghai is still Sunday in UTC: due today all the same
    clock.move_to(datetime(2026, 3, 16, 0, 30, tzinfo=SHANGHAI))
    counts = _counts(caseworker)
    assert counts["due_today"] == 1 and counts["overdue"] == 0
    [row] = _rows(caseworker, due_today="true")
    assert row["working_days_left"] == 0 and row["overdue"] is False
    assert _rows(caseworker, due_today="false") == []
    # after 09:00 it is late, and still today's
    clock.move_to(datetime(2026, 3, 16, 10, 0, tzinfo=SHANGHAI))
    counts = _counts(caseworker)
    assert counts["due_today"] == 1 and counts["overdue"] == 1
    [row] = _rows(caseworker, due_today="true", overdue="true")
    assert row["overdue"] is True and row["working_days_left"] == -1


def test_rows_carry_process_stage_status_and_working_days_left(client_for, approval, clock):
    case = start_approval(client_for("applicant"))
    [row] = _rows(client_for("caseworker"))
    assert row["instance"] == case["id"]
    assert row["process_name"] == "Test approval"
    assert row["stage"] == case["stage"] and row["stage"]
    assert row["instance_status"] == "running"
    assert row["green_channel"] is False
    # Mon 9 -> Mon 16 March: Tue, Wed, Thu, Fri and Mon are working days; the weekend is not
    assert abs(datetime.fromisoformat(row["due_at"]) - REVIEW_DUE).total_seconds() < 60  # the clock ticks
    assert row["working_days_left"] == 5
    clock.move_to(datetime(2026, 3, 14, 12, 0, tzinfo=SHANGHAI))  # Saturday
    assert _rows(client_for("caseworker"))[0]["working_days_left"] == 1
    clock.move_to(datetime(2026, 3, 18, 12, 0, tzinfo=SHANGHAI))  # two working days late
    [late] = _rows(client_for("caseworker"))
    assert late["working_days_left"] == -2 and late["overdue"] is True
    # the same fields on the case's own task list and on a claim
    detail = client_for("caseworker").get(f"/api/v1/instances/{case['id']}").json()
    assert detail["tasks"][0]["working_days_left"] == -2
    assert detail["tasks"][0]["process_name"] == "Test approval"
    claimed = client_for("caseworker").post(f"/api/v1/tasks/{row['id']}/claim").json()
    assert claimed["green_channel"] is False and claimed["instance_status"] == "running"


def test_a_green_channel_notary_case_is_flagged_counted_and_filtered(client_for, deploy_shipped, clock):
    deploy_shipped("notary_intake")
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    ordinary = start_case(applicant, "notary_intake", application())
    elderly = start_case(applicant, "notary_intake", application(id_number=ELDERLY_ID))
    assert elderly["data"]["green_channel"] is True and ordinary["data"]["green_channel"] is False
    assert ADULT_ID != ELDERLY_ID

    rows = {row["instance"]: row for row in _rows(caseworker, process="notary_intake")}
    assert rows[elderly["id"]]["green_channel"] is True and rows[elderly["id"]]["priority"] == 95
    assert rows[ordinary["id"]]["green_channel"] is False
    assert list(rows)[0] == elderly["id"]  # most urgent first
    assert _counts(caseworker)["green_channel"] == 1
    assert [row["instance"] for row in _rows(caseworker, green_channel="true")] == [elderly["id"]]
    assert [row["instance"] for row in _rows(caseworker, green_channel="false")] == [ordinary["id"]]
    # rows built outside the queue query read the flag from the case
    assert elderly["tasks"][0]["green_channel"] is True
    task_id = rows[elderly["id"]]["id"]
    assert caseworker.post(f"/api/v1/tasks/{task_id}/claim").json()["green_channel"] is True
    assert caseworker.get(f"/api/v1/tasks/{task_id}").json()["green_channel"] is True


def test_groups_q_and_sorting(client_for, approval, clock):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    first = start_approval(applicant)
    clock.shift(hours=1)
    second = start_approval(applicant, urgent=True)
    clock.shift(hours=1)
    response = applicant.post(
        "/api/v1/instances",
        {
            "process": "test_approval",
            "data": {"urgent": False, "review_timeout": "P30D"},
            "business_key": "HOTLINE-0042",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    third = response.json()
    assert caseworker.post(f"/api/v1/tasks/{first['tasks'][0]['id']}/claim").status_code == 200

    def order(**params) -> list[int]:
        return [row["instance"] for row in _rows(caseworker, **params)]

    assert order() == [second["id"], first["id"], third["id"]]  # default: priority, then due date
    assert order(ordering="due") == [first["id"], second["id"], third["id"]]
    assert order(ordering="-due") == [third["id"], second["id"], first["id"]]
    assert order(ordering="priority")[-1] == second["id"]
    assert order(ordering="-priority")[0] == second["id"]
    assert order(ordering="created") == [first["id"], second["id"], third["id"]]
    assert order(ordering="-created") == [third["id"], second["id"], first["id"]]

    assert set(order(groups="true")) == {second["id"], third["id"]}
    assert order(groups="false") == [first["id"]]
    assert order(q="hotline-00") == [third["id"]]  # case number, any case
    assert order(q=first["business_key"]) == [first["id"]]
    assert set(order(q="review")) == {first["id"], second["id"], third["id"]}  # task name
    assert order(q="nothing like it") == []
    assert order(q="  ") == order()


def test_bad_filter_values_are_400_naming_the_parameter(client_for, approval):
    caseworker = client_for("caseworker")
    response = caseworker.get("/api/v1/tasks", {"ordering": "sideways"})
    assert response.status_code == 400 and "ordering" in response.json()["errors"]
    response = caseworker.get("/api/v1/tasks", {"q": "x" * 101})
    assert response.status_code == 400 and "q" in response.json()["errors"]


def test_pages_are_numbered_with_a_total_count(client_for, approval):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    started = {start_approval(applicant)["id"] for _ in range(5)}
    first = caseworker.get("/api/v1/tasks", {"page_size": 2, "ordering": "created"}).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    seen, url = [], "/api/v1/tasks?page_size=2&ordering=created"
    while url:
        page = caseworker.get(url).json()
        assert page["count"] == 5
        seen += [row["instance"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted(started)
    assert caseworker.get("/api/v1/tasks", {"page": 99}).status_code == 404
    assert caseworker.get("/api/v1/tasks", {"green_channel": "true"}).json()["count"] == 0


def test_filtered_sorted_queue_and_counts_cost_the_same_queries_for_few_or_many_rows(client_for, approval):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert caseworker.get(url).status_code == 200
        return len(captured.captured_queries)

    urls = ["/api/v1/tasks?ordering=-due&green_channel=false&q=review&groups=true", "/api/v1/tasks/counts"]
    start_approval(applicant)
    few = [queries(url) for url in urls]
    for _ in range(5):
        start_approval(applicant, urgent=True)
    assert [queries(url) for url in urls] == few
    assert few[1] <= 3  # authentication, roles, one aggregate


# ---------------------------------------------------------------------------------------------
# Saved filters


def test_saved_filters_are_kept_per_user_and_work_as_queue_queries(client_for, approval, clock):
    caseworker, colleague = client_for("caseworker"), client_for("caseworker2")
    start_approval(client_for("applicant"), urgent=True)
    start_approval(client_for("applicant"))
    assert caseworker.get("/api/v1/task-filters").json() == []

    created = caseworker.post(
        "/api/v1/task-filters",
        {
            "name": " 紧急待领 / Urgent, unclaimed ",
            "query": {"priority": 70, "unassigned": True, "ordering": "due"},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    saved = created.json()
    assert saved["name"] == "紧急待领 / Urgent, unclaimed"
    assert saved["query"] == {"priority": 70, "unassigned": True, "ordering": "due"}
    assert [row["id"] for row in caseworker.get("/api/v1/task-filters").json()] == [saved["id"]]
    # the same name is free for someone else, and the colleague does not see the first one's
    assert colleague.get("/api/v1/task-filters").json() == []
    assert (
        colleague.post(
            "/api/v1/task-filters", {"name": saved["name"], "query": {}}, format="json"
        ).status_code
        == 201
    )
    # applied to the queue, the saved query finds the urgent case only
    params = {
        key: str(value).lower() if isinstance(value, bool) else value for key, value in saved["query"].items()
    }
    assert [row["priority"] for row in _rows(caseworker, **params)] == [80]

    assert colleague.delete(f"/api/v1/task-filters/{saved['id']}").status_code == 404
    assert caseworker.delete(f"/api/v1/task-filters/{saved['id']}").status_code == 204
    assert caseworker.get("/api/v1/task-filters").json() == []
    assert caseworker.delete(f"/api/v1/task-filters/{saved['id']}").status_code == 404


def test_bad_saved_filters_are_400_naming_the_field(client_for, demo):
    caseworker = client_for("caseworker")

    def refused(body) -> dict:
        response = caseworker.post("/api/v1/task-filters", body, format="json")
        assert response.status_code == 400, response.content
        return response.json()["errors"]

    assert "name" in refused({"name": "", "query": {}})
    assert "name" in refused({"name": "   ", "query": {}})
    assert "name" in refused({"name": "长" * 61, "query": {}})
    assert "name" in refused({"query": {}})
    assert (
        caseworker.post("/api/v1/task-filters", {"name": "长" * 60, "query": {}}, format="json").status_code
        == 201
    )
    taken = refused({"name": "长" * 60, "query": {}})
    assert "同名" in taken["name"][0]

    unknown = refused({"name": "x", "query": {"due_today": True, "colour": "red"}})
    assert list(unknown) == ["query.colour"] and "colour" in unknown["query.colour"][0]
    assert "query.page_size" in refused({"name": "x", "query": {"page_size": 10}})
    assert "query.ordering" in refused({"name": "x", "query": {"ordering": "sideways"}})
    assert "query.due_before" in refused({"name": "x", "query": {"due_before": "yesterday"}})
    assert "query.process" in refused({"name": "x", "query": {"process": ["a", "b"]}})
    assert "query" in refused({"name": "x", "query": ["due_today"]})
    assert [row["name"] for row in caseworker.get("/api/v1/task-filters").json()] == ["长" * 60]


def test_saved_filters_need_a_login(db):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/task-filters").status_code in (401, 403)
    assert APIClient().get("/api/v1/tasks/counts").status_code in (401, 403)


def test_scenario_clock_starts_on_a_monday_morning():
    # The expectations above count working days from this moment.
    assert SCENARIO_START.weekday() == 0 and SCENARIO_START.hour == 9
