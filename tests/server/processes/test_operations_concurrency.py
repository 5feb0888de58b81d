"""A completion and an operation on the same case at the same moment leave one outcome: the
instance lock lets one go first, and the other sees what it did (real threads)."""

from __future__ import annotations

import pytest

from server.processes.models import HumanTask, ProcessInstance
from tests.server.conftest import VALID_REVIEW, start_approval
from tests.server.processes.test_concurrency import _race, _token_client

ROUNDS = 3


@pytest.mark.django_db(transaction=True)
def test_a_completion_racing_a_cancellation_ends_the_case_cancelled_either_way(client_for, approval):
    caseworker, admin = _token_client(client_for("caseworker")), _token_client(client_for("admin"))
    for _ in range(ROUNDS):
        case = start_approval(client_for("applicant"))
        task_id = case["tasks"][0]["id"]
        completed, cancelled = _race(
            [
                lambda task_id=task_id: caseworker.post(
                    f"/api/v1/tasks/{task_id}/complete", {"data": VALID_REVIEW}, format="json"
                ),
                lambda case=case: admin.post(
                    f"/api/v1/instances/{case['id']}/cancel", {"reason": "重复 / Duplicate"}, format="json"
                ),
            ]
        )
        assert cancelled.status_code == 200, cancelled.content
        assert ProcessInstance.objects.get(pk=case["id"]).status == "cancelled"
        rows = {row.bpmn_id: row.status for row in HumanTask.objects.filter(instance_id=case["id"])}
        if completed.status_code == 200:  # completed first, then the next step was withdrawn
            assert rows == {"review": "completed", "approve": "cancelled"}
        else:
            assert completed.status_code == 409, completed.content
            assert rows == {"review": "cancelled"}


@pytest.mark.django_db(transaction=True)
def test_taking_back_a_completion_racing_the_next_steps_completion_leaves_one_winner(client_for, approval):
    caseworker, reviewer = _token_client(client_for("caseworker")), _token_client(client_for("reviewer"))
    for _ in range(ROUNDS):
        case = start_approval(client_for("applicant"))
        review_id = case["tasks"][0]["id"]
        done = caseworker.post(f"/api/v1/tasks/{review_id}/complete", {"data": VALID_REVIEW}, format="json")
        approve_id = done.json()["instance"]["tasks"][0]["id"]
        withdrawn, approved = _race(
            [
                lambda review_id=review_id: caseworker.post(f"/api/v1/tasks/{review_id}/withdraw"),
                lambda approve_id=approve_id: reviewer.post(
                    f"/api/v1/tasks/{approve_id}/complete", {"data": {"approved": True}}, format="json"
                ),
            ]
        )
        codes = sorted([withdrawn.status_code, approved.status_code])
        assert codes == [200, 409], (withdrawn.content, approved.content)
        status = ProcessInstance.objects.get(pk=case["id"]).status
        rows = HumanTask.objects.filter(instance_id=case["id"], status="open")
        open_rows = list(rows.values_list("bpmn_id", flat=True))
        if withdrawn.status_code == 200:  # taken back: the approval was withdrawn with it
            assert open_rows == ["review"] and status == "running"
        else:  # approved first: nothing left to take back
            assert open_rows == [] and status == "completed"


@pytest.mark.django_db(transaction=True)
def test_a_completion_racing_a_suspension_either_completes_first_or_is_refused(client_for, approval):
    caseworker, director = _token_client(client_for("caseworker")), _token_client(client_for("director"))
    for _ in range(ROUNDS):
        case = start_approval(client_for("applicant"))
        task_id = case["tasks"][0]["id"]
        completed, suspended = _race(
            [
                lambda task_id=task_id: caseworker.post(
                    f"/api/v1/tasks/{task_id}/complete", {"data": VALID_REVIEW}, format="json"
                ),
                lambda case=case: director.post(
                    f"/api/v1/instances/{case['id']}/suspend", {"reason": "等待 / Wait"}, format="json"
                ),
            ]
        )
        assert suspended.status_code == 200, suspended.content
        review = HumanTask.objects.get(instance_id=case["id"], bpmn_id="review")
        if completed.status_code == 200:
            assert review.status == "completed"
        else:
            assert completed.status_code == 409 and review.status == "open"
