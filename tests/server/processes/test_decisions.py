"""A UNIQUE decision table whose rules overlap stops the case with a clear error, never a silent pick."""

from datetime import timedelta

from server.processes.models import ProcessInstance
from tests.conftest import fixture_files
from tests.server.conftest import fire_timers_until, open_task, start_case, upload


def _deploy_and_start(client_for) -> tuple[object, dict]:
    assert upload(client_for("designer"), fixture_files("scoring")).status_code == 201
    caseworker = client_for("caseworker")
    return caseworker, start_case(caseworker, "test_scoring", {})


def test_overlapping_unique_rules_refuse_the_completion_with_the_rules_named(client_for, steps):
    caseworker, case = _deploy_and_start(client_for)
    task = open_task(caseworker, case["id"], "enter")
    failed = caseworker.post(
        f"/api/v1/tasks/{task['id']}/complete", {"data": {"amount": 2000, "delay": None}}, format="json"
    )
    assert failed.status_code == 422, failed.content
    body = failed.json()
    assert "decide" in body["errors"]
    assert "UNIQUE" in body["detail"] and "1、2" in body["detail"] and "rules 1, 2" in body["detail"]
    unchanged = caseworker.get(f"/api/v1/instances/{case['id']}").json()
    assert [t["bpmn_id"] for t in unchanged["tasks"]] == ["enter"] and unchanged["status"] == "running"

    done = caseworker.post(
        f"/api/v1/tasks/{task['id']}/complete", {"data": {"amount": 500, "delay": None}}, format="json"
    )
    assert done.status_code == 200, done.content
    assert done.json()["instance"]["data"]["level"] == "low"


def test_overlapping_unique_rules_reached_by_the_timer_worker_become_an_incident(client_for, clock):
    caseworker, case = _deploy_and_start(client_for)
    task = open_task(caseworker, case["id"], "enter")
    completed = caseworker.post(
        f"/api/v1/tasks/{task['id']}/complete", {"data": {"amount": 5000, "delay": "PT1H"}}, format="json"
    )
    assert completed.status_code == 200, completed.content

    fire_timers_until(clock, clock.now() + timedelta(hours=2))
    instance = ProcessInstance.objects.get(pk=case["id"])
    assert instance.status == "running"  # waiting for an operator, with an open incident
    [incident] = instance.incidents.filter(status="open")
    assert "UNIQUE" in incident.error and "rules 1, 2, 3" in incident.error
    assert incident.bpmn_id == "decide"
    history = caseworker.get(f"/api/v1/instances/{case['id']}").json()["history"]
    opened = next(event for event in history if event["action"] == "incident.opened")
    assert opened["detail"]["bpmn_id"] == "decide"
