"""A script that fails stops the completion with a clear error and loses nothing."""

from tests.conftest import fixture_files
from tests.server.conftest import upload


def test_failing_script_answers_422_naming_the_element_and_keeps_the_task_open(client_for, demo):
    assert upload(client_for("designer"), fixture_files("scripted"), public="true").status_code == 201
    caseworker = client_for("caseworker")
    started = caseworker.post("/api/v1/instances", {"process": "test_scripted"}, format="json")
    assert started.status_code == 201, started.content
    instance = started.json()
    task_id = instance["tasks"][0]["id"]

    failed = caseworker.post(f"/api/v1/tasks/{task_id}/complete", {"data": {"divisor": 0}}, format="json")
    assert failed.status_code == 422
    body = failed.json()
    assert "compute" in body["errors"] and "Compute the share" in body["detail"]

    unchanged = caseworker.get(f"/api/v1/instances/{instance['id']}").json()
    assert [task["id"] for task in unchanged["tasks"]] == [task_id]
    assert unchanged["tasks"][0]["status"] == "open" and unchanged["status"] == "running"
    assert "task.completed" not in [event["action"] for event in unchanged["history"]]

    fixed = caseworker.post(f"/api/v1/tasks/{task_id}/complete", {"data": {"divisor": 4}}, format="json")
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["instance"]["data"]["share"] == 25
    assert [task["bpmn_id"] for task in fixed.json()["instance"]["tasks"]] == ["confirm"]
