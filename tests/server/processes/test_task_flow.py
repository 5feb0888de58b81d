"""The whole life of an instance through the API, as its users would drive it."""

from tests.server.conftest import VALID_REVIEW, start_approval


def test_applicant_starts_caseworker_and_reviewer_complete_until_granted(client_for, approval):
    applicant, caseworker, reviewer = (
        client_for("applicant"),
        client_for("caseworker"),
        client_for("reviewer"),
    )
    instance = start_approval(applicant)
    assert instance["status"] == "running"
    assert [task["bpmn_id"] for task in instance["tasks"]] == ["review"]

    queue = caseworker.get("/api/v1/tasks").json()["results"]
    review = next(task for task in queue if task["instance"] == instance["id"])
    assert review["candidate_groups"] == ["caseworker"]
    assert review["due_at"] is not None

    detail = caseworker.get(f"/api/v1/tasks/{review['id']}").json()
    assert detail["form_schema"]["title"] == "审查 / Review"
    assert detail["ui_schema"]["notes"] == {"ui:widget": "textarea"}

    claimed = caseworker.post(f"/api/v1/tasks/{review['id']}/claim")
    assert claimed.status_code == 200 and claimed.json()["assignee"]["username"] == "caseworker"

    done = caseworker.post(f"/api/v1/tasks/{review['id']}/complete", {"data": VALID_REVIEW}, format="json")
    assert done.status_code == 200, done.content
    next_tasks = done.json()["instance"]["tasks"]
    assert [task["bpmn_id"] for task in next_tasks] == ["approve"]
    # the caseworker's queue no longer offers the review, the reviewer's offers the approval
    assert all(
        task["instance"] != instance["id"] for task in caseworker.get("/api/v1/tasks").json()["results"]
    )
    approve_id = next_tasks[0]["id"]
    assert any(task["id"] == approve_id for task in reviewer.get("/api/v1/tasks").json()["results"])

    finished = reviewer.post(
        f"/api/v1/tasks/{approve_id}/complete", {"data": {"approved": True}}, format="json"
    )
    assert finished.status_code == 200, finished.content
    assert finished.json()["instance"]["status"] == "completed"

    seen_by_applicant = applicant.get(f"/api/v1/instances/{instance['id']}").json()
    assert seen_by_applicant["status"] == "completed"
    assert seen_by_applicant["data"]["approved"] is True  # the process shows applicants its decision
    # ...but not the caseworker's review, in the data or in the history
    assert "complete" not in seen_by_applicant["data"]
    submitted = [event["detail"].get("submitted", {}) for event in seen_by_applicant["history"]]
    assert not any("complete" in form for form in submitted)
    seen_by_staff = reviewer.get(f"/api/v1/instances/{instance['id']}").json()
    assert seen_by_staff["data"]["complete"] is True
    assert any("complete" in event["detail"].get("submitted", {}) for event in seen_by_staff["history"])
    actions = [event["action"] for event in seen_by_applicant["history"]]
    assert actions[:2] == ["instance.started", "task.created"]
    assert actions.count("task.completed") == 2 and actions[-1] == "instance.completed"


def test_invalid_form_data_is_refused_naming_each_field_and_changes_nothing(client_for, approval):
    caseworker = client_for("caseworker")
    instance = start_approval(client_for("applicant"))
    task_id = instance["tasks"][0]["id"]
    response = caseworker.post(
        f"/api/v1/tasks/{task_id}/complete",
        {"data": {"complete": "yes", "applicant": {"id_number": "123"}}},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["type"].endswith("invalid")
    assert set(body["errors"]) == {"data.complete", "data.applicant.id_number"}
    missing = caseworker.post(
        f"/api/v1/tasks/{task_id}/complete", {"data": {"complete": True}}, format="json"
    )
    assert missing.status_code == 400 and "data.applicant" in missing.json()["errors"]
    after = caseworker.get(f"/api/v1/instances/{instance['id']}").json()
    assert [task["bpmn_id"] for task in after["tasks"]] == ["review"]
    assert after["tasks"][0]["status"] == "open" and after["tasks"][0]["assignee"] is None


def test_completed_task_cannot_be_completed_or_claimed_again(client_for, approval):
    caseworker = client_for("caseworker")
    task_id = start_approval(client_for("applicant"))["tasks"][0]["id"]
    assert (
        caseworker.post(
            f"/api/v1/tasks/{task_id}/complete", {"data": VALID_REVIEW}, format="json"
        ).status_code
        == 200
    )
    again = caseworker.post(f"/api/v1/tasks/{task_id}/complete", {"data": VALID_REVIEW}, format="json")
    assert again.status_code == 409 and again.json()["status"] == 409
    assert caseworker.post(f"/api/v1/tasks/{task_id}/claim").status_code == 409


def test_task_claimed_by_one_caseworker_is_refused_to_another_until_released(client_for, approval):
    first, second = client_for("caseworker"), client_for("caseworker2")
    task_id = start_approval(client_for("applicant"))["tasks"][0]["id"]
    assert first.post(f"/api/v1/tasks/{task_id}/claim").status_code == 200
    assert second.post(f"/api/v1/tasks/{task_id}/claim").status_code == 409
    blocked = second.post(f"/api/v1/tasks/{task_id}/complete", {"data": VALID_REVIEW}, format="json")
    assert blocked.status_code == 409
    assert first.post(f"/api/v1/tasks/{task_id}/unclaim").status_code == 200
    assert second.post(f"/api/v1/tasks/{task_id}/claim").status_code == 200


def test_reviewer_cannot_work_a_caseworker_task(client_for, approval):
    task_id = start_approval(client_for("applicant"))["tasks"][0]["id"]
    reviewer = client_for("reviewer")
    assert all(task["id"] != task_id for task in reviewer.get("/api/v1/tasks").json()["results"])
    response = reviewer.post(f"/api/v1/tasks/{task_id}/claim")
    assert response.status_code == 403 and response.json()["status"] == 403


def test_queue_puts_urgent_work_first_and_filters(client_for, approval):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    normal = start_approval(applicant)
    urgent = start_approval(applicant, urgent=True)
    queue = caseworker.get("/api/v1/tasks").json()["results"]
    order = [task["instance"] for task in queue]
    assert order.index(urgent["id"]) < order.index(normal["id"])
    assert queue[order.index(urgent["id"])]["priority"] == 80

    caseworker.post(f"/api/v1/tasks/{normal['tasks'][0]['id']}/claim")
    mine = caseworker.get("/api/v1/tasks", {"mine": "true"}).json()["results"]
    assert [task["instance"] for task in mine] == [normal["id"]]
    unassigned = caseworker.get("/api/v1/tasks", {"unassigned": "true"}).json()["results"]
    assert normal["id"] not in [task["instance"] for task in unassigned]
    high = caseworker.get("/api/v1/tasks", {"priority": 70}).json()["results"]
    assert [task["instance"] for task in high] == [urgent["id"]]
    assert caseworker.get("/api/v1/tasks", {"overdue": "true"}).json()["results"] == []
    assert caseworker.get("/api/v1/tasks", {"due_before": "2000-01-01T00:00:00Z"}).json()["results"] == []
    assert caseworker.get("/api/v1/tasks", {"process": "nothing"}).json()["results"] == []


def test_queue_pages_with_a_cursor(client_for, approval):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    started = {start_approval(applicant)["id"] for _ in range(5)}
    seen, url = [], "/api/v1/tasks?page_size=2"
    while url:
        page = caseworker.get(url).json()
        seen += [task["instance"] for task in page["results"]]
        url = page["next"]
    assert set(seen) == started and len(seen) == 5


def test_task_from_another_county_is_not_in_the_queue(client_for, approval, demo):
    from server.accounts.models import Organisation

    other = Organisation.objects.get(code="LN-SY-SH")
    applicant = client_for("applicant")
    response = applicant.post(
        "/api/v1/instances",
        {
            "process": "test_approval",
            "data": {"urgent": False, "review_timeout": "P30D"},
            "organisation": other.pk,
        },
        format="json",
    )
    assert response.status_code == 201
    task_id = response.json()["tasks"][0]["id"]
    caseworker = client_for("caseworker")  # works in 和平区 (LN-SY-HP), not 沈河区
    assert all(task["id"] != task_id for task in caseworker.get("/api/v1/tasks").json()["results"])
    assert caseworker.get(f"/api/v1/tasks/{task_id}").status_code == 404
    # the city supervisor sees cases of every county below the city
    assert client_for("supervisor").get(f"/api/v1/instances/{response.json()['id']}").status_code == 200


def test_queue_and_case_list_cost_the_same_queries_for_few_or_many_rows(client_for, approval):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    applicant, caseworker = client_for("applicant"), client_for("caseworker")

    def queries(client, url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    start_approval(applicant)
    few = queries(caseworker, "/api/v1/tasks"), queries(applicant, "/api/v1/instances")
    for _ in range(5):
        start_approval(applicant)
    many = queries(caseworker, "/api/v1/tasks"), queries(applicant, "/api/v1/instances")
    assert many == few
