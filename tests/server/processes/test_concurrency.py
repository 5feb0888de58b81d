"""Concurrent users never corrupt a case: real threads, each with its own database connection."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from server.processes.models import HumanTask
from tests.server.conftest import VALID_REVIEW, start_approval


def _race(calls):
    """Run the calls at the same moment in threads; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = calls[index]()
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _token_client(client: APIClient) -> APIClient:
    """A fresh client per thread carrying the same credentials (APIClient is not thread-safe)."""
    fresh = APIClient()
    fresh.credentials(**client._credentials)
    return fresh


@pytest.mark.django_db(transaction=True)
def test_two_caseworkers_claiming_one_task_at_once_exactly_one_wins(client_for, approval):
    first, second = _token_client(client_for("caseworker")), _token_client(client_for("caseworker2"))
    for _ in range(3):
        task_id = start_approval(client_for("applicant"))["tasks"][0]["id"]
        responses = _race(
            [
                lambda task_id=task_id: first.post(f"/api/v1/tasks/{task_id}/claim"),
                lambda task_id=task_id: second.post(f"/api/v1/tasks/{task_id}/claim"),
            ]
        )
        codes = sorted(response.status_code for response in responses)
        assert codes == [200, 409], [getattr(r, "content", r) for r in responses]
        loser = next(response for response in responses if response.status_code == 409)
        assert loser.json()["status"] == 409
        winner = next(response for response in responses if response.status_code == 200).json()["assignee"]
        assert HumanTask.objects.get(pk=task_id).assignee.username == winner["username"]


@pytest.mark.django_db(transaction=True)
def test_two_completions_of_one_task_at_once_move_the_case_on_once(client_for, approval):
    first, second = _token_client(client_for("caseworker")), _token_client(client_for("caseworker2"))
    instance = start_approval(client_for("applicant"))
    task_id = instance["tasks"][0]["id"]
    responses = _race(
        [
            lambda: first.post(f"/api/v1/tasks/{task_id}/complete", {"data": VALID_REVIEW}, format="json"),
            lambda: second.post(f"/api/v1/tasks/{task_id}/complete", {"data": VALID_REVIEW}, format="json"),
        ]
    )
    assert sorted(response.status_code for response in responses) == [200, 409]
    tasks = HumanTask.objects.filter(instance_id=instance["id"])
    assert sorted(task.bpmn_id for task in tasks) == ["approve", "review"]
    assert tasks.get(bpmn_id="approve").status == "open"


@pytest.mark.django_db(transaction=True)
def test_timer_firing_while_a_caseworker_completes_moves_the_case_exactly_once(client_for, approval):
    """The worker and a person race for one instance: the instance lock lets one go first;
    the other sees the outcome (a 409 for the person, a no-op for the worker)."""
    import time

    from server.processes.models import Timer
    from server.processes.services import timers_fire_due

    caseworker = _token_client(client_for("caseworker"))
    outcomes = []
    for _ in range(3):
        instance = start_approval(client_for("applicant"), review_timeout="PT1S")
        task_id = instance["tasks"][0]["id"]
        time.sleep(1.2)
        fired, response = _race(
            [
                timers_fire_due,
                lambda task_id=task_id: caseworker.post(
                    f"/api/v1/tasks/{task_id}/complete", {"data": VALID_REVIEW}, format="json"
                ),
            ]
        )
        timer = Timer.objects.get(instance_id=instance["id"])
        tasks = {task.bpmn_id: task.status for task in HumanTask.objects.filter(instance_id=instance["id"])}
        if response.status_code == 200:  # the person won: the timer was withdrawn, not fired
            assert timer.status == "cancelled" and fired == []
            assert tasks == {"review": "completed", "approve": "open"}
        else:  # the timer won: the review was withdrawn and the case escalated
            assert response.status_code == 409, response.content
            assert timer.status == "fired" and len(fired) == 1
            assert tasks == {"review": "cancelled"}
        outcomes.append(response.status_code)
    assert set(outcomes) <= {200, 409}
