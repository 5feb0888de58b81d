"""Boundary timers on user tasks are Timer rows, fired exactly once by the worker sweep."""

import threading
import time

import pytest
from django.db import connection

from server.processes.models import HumanTask, Timer
from server.processes.services import timers_fire_due
from tests.server.conftest import start_approval


def _wait_until_due(instance_id: int) -> None:
    timer = Timer.objects.get(instance_id=instance_id, status="waiting")
    time.sleep(max(0.0, (timer.due_at.timestamp() - time.time())) + 0.3)


def test_boundary_timer_is_a_row_and_fires_once_after_its_due_time(client_for, approval):
    caseworker = client_for("caseworker")
    instance = start_approval(client_for("applicant"), review_timeout="PT1S")
    assert [timer["bpmn_id"] for timer in instance["timers"]] == ["review_timeout"]
    assert timers_fire_due() == []  # not due yet

    _wait_until_due(instance["id"])
    fired = timers_fire_due()
    assert [timer.bpmn_id for timer in fired] == ["review_timeout"]
    assert timers_fire_due() == []  # exactly once

    after = caseworker.get(f"/api/v1/instances/{instance['id']}").json()
    assert after["status"] == "completed" and after["tasks"] == [] and after["timers"] == []
    review = HumanTask.objects.get(instance_id=instance["id"], bpmn_id="review")
    assert review.status == "cancelled"
    actions = [event["action"] for event in after["history"]]
    assert actions.count("instance.timer") == 1 and "task.cancelled" in actions


def test_completing_the_task_first_cancels_its_timer(client_for, approval):
    from tests.server.conftest import VALID_REVIEW

    caseworker = client_for("caseworker")
    instance = start_approval(client_for("applicant"), review_timeout="PT1S")
    task_id = instance["tasks"][0]["id"]
    assert (
        caseworker.post(
            f"/api/v1/tasks/{task_id}/complete", {"data": VALID_REVIEW}, format="json"
        ).status_code
        == 200
    )
    assert Timer.objects.get(instance_id=instance["id"]).status == "cancelled"
    time.sleep(1.2)
    assert timers_fire_due() == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_fire_each_timer_exactly_once(client_for, approval):
    applicant = client_for("applicant")
    ids = [start_approval(applicant, review_timeout="PT1S")["id"] for _ in range(6)]
    _wait_until_due(ids[-1])
    results: list[list] = [[], []]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def sweep(slot: int) -> None:
        try:
            barrier.wait()
            results[slot] = timers_fire_due()
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep, args=(slot,)) for slot in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    fired_ids = [timer.pk for batch in results for timer in batch]
    assert len(fired_ids) == len(set(fired_ids)) == 6
    assert Timer.objects.filter(instance_id__in=ids, status="fired").count() == 6
    from server.audit.models import Event

    assert Event.objects.filter(instance_id__in=ids, action="instance.timer").count() == 6


@pytest.mark.django_db(transaction=True)
def test_worker_command_sweeps_once_and_fires_what_is_due(client_for, approval):
    from django.core.management import call_command

    instance = start_approval(client_for("applicant"), review_timeout="PT1S")
    _wait_until_due(instance["id"])
    call_command("run_worker", "--once")
    assert Timer.objects.get(instance_id=instance["id"]).status == "fired"


def test_timer_whose_path_fails_opens_an_incident_instead_of_retrying(client_for, demo):
    from tests.conftest import fixture_files
    from tests.server.conftest import upload

    assert upload(client_for("designer"), fixture_files("timer_fails")).status_code == 201
    caseworker = client_for("caseworker")
    started = caseworker.post(
        "/api/v1/instances", {"process": "test_timer_fails", "data": {"divisor": 0}}, format="json"
    )
    assert started.status_code == 201, started.content
    instance_id = started.json()["id"]
    _wait_until_due(instance_id)
    timers_fire_due()
    assert timers_fire_due() == []  # not retried on the next sweep
    after = caseworker.get(f"/api/v1/instances/{instance_id}").json()
    assert after["status"] == "running" and after["incident"]["bpmn_id"] == "broken"
    assert Timer.objects.get(instance_id=instance_id).status == "failed"
    assert "incident.opened" in [event["action"] for event in after["history"]]


def test_one_instance_failing_unexpectedly_gets_an_incident_and_does_not_hold_up_the_others(
    client_for, approval, monkeypatch
):
    from server.processes.services import timers as services

    first = start_approval(client_for("applicant"), review_timeout="PT1S")
    second = start_approval(client_for("applicant"), review_timeout="PT1S")
    _wait_until_due(second["id"])
    real_sync = services.sync_rows

    def broken_for_first(instance, *args, **kwargs):
        if instance.pk == first["id"]:
            raise RuntimeError("simulated bug")
        return real_sync(instance, *args, **kwargs)

    monkeypatch.setattr(services, "sync_rows", broken_for_first)
    handled = timers_fire_due()
    assert sorted(timer.instance_id for timer in handled) == sorted([first["id"], second["id"]])
    assert Timer.objects.get(instance_id=second["id"]).status == "fired"
    # It would fail the same way on every sweep: the case waits for an operator with an incident
    # instead, where it was (the review still open), and the bug's message shown.
    assert Timer.objects.get(instance_id=first["id"]).status == "failed"
    director = client_for("director")
    after = director.get(f"/api/v1/instances/{first['id']}").json()
    assert after["status"] == "running" and [task["bpmn_id"] for task in after["tasks"]] == ["review"]
    incident = after["incident"]
    assert incident["bpmn_id"] == "review_timeout" and "simulated bug" in incident["error"]
    assert "incident.opened" in [event["action"] for event in after["history"]]
    assert director.get(f"/api/v1/instances/{second['id']}").json()["incident"] is None
    monkeypatch.setattr(services, "sync_rows", real_sync)
    assert timers_fire_due() == []  # not retried by the sweep
    retried = director.post(f"/api/v1/incidents/{incident['id']}/retry")  # the bug fixed: an operator retries
    assert retried.status_code == 200 and retried.json()["status"] == "resolved", retried.content
    assert Timer.objects.get(instance_id=first["id"]).status == "fired"


def test_a_timer_the_database_could_not_fire_stays_due_for_the_next_sweep(client_for, approval, monkeypatch):
    from django.db import OperationalError

    from server.processes.services import timers as services

    instance = start_approval(client_for("applicant"), review_timeout="PT1S")
    _wait_until_due(instance["id"])
    real_sync = services.sync_rows

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "sync_rows", database_gone)
    assert timers_fire_due() == []
    assert Timer.objects.get(instance_id=instance["id"]).status == "waiting"
    monkeypatch.setattr(services, "sync_rows", real_sync)
    assert [timer.instance_id for timer in timers_fire_due()] == [instance["id"]]


def _deployed_before_the_sandbox_rules(client_for, monkeypatch, files):
    """Deploy as a package deployed before this release was: without the deploy-only rules."""
    from tests.server.conftest import upload
    from workflows import validation

    monkeypatch.setattr(validation, "check_sandbox_rules", lambda files: [])
    response = upload(client_for("designer"), files)
    monkeypatch.undo()
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "script",
    [
        "raise Exception.mro()[1]('x')",
        "x = floor(Decimal('1e300000'))",
        "n = 10**10\nx = 'a'.ljust(n)",
        "def f():\n    yield 1\ng = f()\nnext(g)\ng.throw(ValueError)",
    ],
)
def test_a_hostile_script_behind_a_timer_stops_its_case_with_an_incident_and_the_sweep_goes_on(
    client_for, approval, monkeypatch, script
):
    from xml.sax.saxutils import escape

    from tests.conftest import fixture_files

    files = {
        name: content.replace(b"share = 100 / divisor", escape(script).encode())
        for name, content in fixture_files("timer_fails").items()
    }
    _deployed_before_the_sandbox_rules(client_for, monkeypatch, files)
    caseworker = client_for("caseworker")
    hostile = caseworker.post("/api/v1/instances", {"process": "test_timer_fails", "data": {}}, format="json")
    assert hostile.status_code == 201, hostile.content
    other = start_approval(client_for("applicant"), review_timeout="PT1S")
    _wait_until_due(hostile.json()["id"])
    _wait_until_due(other["id"])

    swept = timers_fire_due()
    assert sorted(timer.instance_id for timer in swept) == sorted([hostile.json()["id"], other["id"]])
    assert Timer.objects.get(instance_id=other["id"]).status == "fired"
    assert Timer.objects.get(instance_id=hostile.json()["id"]).status == "failed"
    # The case waits for an operator where it was, with the script named in an open incident.
    after = caseworker.get(f"/api/v1/instances/{hostile.json()['id']}").json()
    director = client_for("director")
    seen = director.get(f"/api/v1/instances/{hostile.json()['id']}").json()
    assert after["status"] == "running"  # not completed: the end event after the script is not reached
    incident = seen["incident"]
    assert incident["bpmn_id"] == "broken" and incident["error"].startswith("broken: script")
    listed = director.get("/api/v1/instances", {"status": "incident"}).json()["results"]
    assert [row["id"] for row in listed] == [hostile.json()["id"]]
    assert "incident.opened" in [event["action"] for event in seen["history"]]
    assert timers_fire_due() == []  # not retried on the next sweep
