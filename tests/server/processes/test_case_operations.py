"""What an administrator, a director and an applicant can do to a whole case: cancel it, withdraw
it, suspend and resume it, correct its data; and what a console lists."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from server.audit.models import Event
from server.processes.deadlines import register_deadline
from server.processes.models import HumanTask, Timer
from server.processes.services import instances_resume_due, timers_fire_due
from tests.conftest import fixture_files
from tests.server.conftest import (
    VALID_REVIEW,
    add_staff,
    do_task,
    fire_timers_until,
    start_approval,
    start_case,
    upload,
)


def _actions(case_id: int) -> list[str]:
    return list(Event.objects.filter(instance_id=case_id).order_by("id").values_list("action", flat=True))


def _post(client, case_id: int, operation: str, body: dict | None = None):
    return client.post(f"/api/v1/instances/{case_id}/{operation}", body or {}, format="json")


# ---------------------------------------------------------------------------------------------
# 撤销


def test_an_administrator_cancels_a_duplicate_and_the_applicant_sees_why(client_for, approval):
    applicant, admin = client_for("applicant"), client_for("admin")
    case = start_approval(applicant, review_timeout="P2D")
    assert _post(client_for("caseworker"), case["id"], "cancel", {"reason": "x"}).status_code == 403
    assert _post(client_for("station"), case["id"], "cancel", {"reason": "x"}).status_code == 404
    assert _post(admin, case["id"], "cancel").json()["errors"] == {
        "reason": ["必填 / This field is required."]
    }

    cancelled = _post(admin, case["id"], "cancel", {"reason": "重复申请 / A duplicate of 20260309-000001"})
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["tasks"] == []
    assert HumanTask.objects.get(instance_id=case["id"]).status == "cancelled"
    assert Timer.objects.get(instance_id=case["id"]).status == "cancelled"
    seen = applicant.get(f"/api/v1/instances/{case['id']}").json()
    assert seen["status"] == "cancelled" and seen["stage"] == "已撤销 / Cancelled"
    assert seen["end_reason"] == "重复申请 / A duplicate of 20260309-000001"
    assert "instance.cancelled" in _actions(case["id"]) and "instance.completed" not in _actions(case["id"])
    assert Event.objects.get(action="instance.cancelled").detail["reason"].startswith("重复申请")
    assert _post(admin, case["id"], "cancel", {"reason": "again"}).status_code == 409


def test_a_director_in_scope_may_cancel_and_a_supervisor_may_not(client_for, approval):
    case = start_approval(client_for("applicant"))
    assert _post(client_for("supervisor"), case["id"], "cancel", {"reason": "x"}).status_code == 403
    assert (
        _post(client_for("director"), case["id"], "cancel", {"reason": "申请人要求 / Asked for"}).status_code
        == 200
    )


# ---------------------------------------------------------------------------------------------
# 中止 / 恢复


def test_a_suspended_case_cannot_be_worked_and_its_timers_wait_for_the_resumption(
    client_for, approval, clock
):
    caseworker, director = client_for("caseworker"), client_for("director")
    case = start_approval(client_for("applicant"), review_timeout="PT1H")
    task_id = case["tasks"][0]["id"]
    suspended = _post(director, case["id"], "suspend", {"reason": "等待法院裁定 / Waiting for the court"})
    assert suspended.status_code == 200, suspended.content
    assert suspended.json()["status"] == "suspended"
    assert suspended.json()["suspension"]["reason"] == "等待法院裁定 / Waiting for the court"
    assert "resume" in suspended.json()["actions"]
    for operation, body in (("claim", None), ("complete", {"data": VALID_REVIEW})):
        refused = caseworker.post(f"/api/v1/tasks/{task_id}/{operation}", body or {}, format="json")
        assert refused.status_code == 409 and "等待法院裁定" in refused.json()["detail"], operation
    assert _post(director, case["id"], "suspend", {"reason": "again"}).status_code == 409
    assert _post(client_for("caseworker"), case["id"], "resume").status_code == 403

    clock.shift(hours=3)  # the timer falls due while the case is suspended: nothing fires
    assert timers_fire_due() == []
    resumed = _post(director, case["id"], "resume")
    assert resumed.status_code == 200 and resumed.json()["status"] == "running"
    assert [timer.bpmn_id for timer in timers_fire_due()] == ["review_timeout"]  # once, after resuming
    assert timers_fire_due() == []
    operations = [a for a in _actions(case["id"]) if a in ("instance.suspended", "instance.resumed")]
    assert operations == ["instance.suspended", "instance.resumed"]


def test_only_an_operator_over_the_case_suspends_it(client_for, approval):
    add_staff("shenhe_director", "director", "LN-SY-SH", "林峰 Lin Feng")
    case = start_approval(client_for("applicant"))
    body = {"reason": "等待法院裁定 / Waiting for the court"}
    assert _post(client_for("caseworker"), case["id"], "suspend", body).status_code == 403
    assert _post(client_for("supervisor"), case["id"], "suspend", body).status_code == 403
    assert _post(client_for("applicant"), case["id"], "suspend", body).status_code == 403
    assert _post(client_for("shenhe_director"), case["id"], "suspend", body).status_code == 404
    assert client_for("director").get(f"/api/v1/instances/{case['id']}").json()["status"] == "running"
    assert "instance.suspended" not in _actions(case["id"])
    task_id = case["tasks"][0]["id"]
    assert client_for("caseworker").post(f"/api/v1/tasks/{task_id}/claim").status_code == 200


def test_a_suspension_with_an_end_date_is_resumed_by_the_worker_that_morning(client_for, approval, clock):
    director = client_for("director")
    case = start_approval(client_for("applicant"))
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert (
        _post(
            director, case["id"], "suspend", {"reason": "x", "until": timezone.localdate().isoformat()}
        ).status_code
        == 400
    )
    assert (
        _post(
            director, case["id"], "suspend", {"reason": "鉴定中 / Expert opinion", "until": tomorrow}
        ).status_code
        == 200
    )
    assert instances_resume_due() == []
    clock.shift(days=1)
    assert [instance.pk for instance in instances_resume_due()] == [case["id"]]
    assert director.get(f"/api/v1/instances/{case['id']}").json()["status"] == "running"
    resumed = Event.objects.get(instance_id=case["id"], action="instance.resumed")
    assert resumed.actor is None and resumed.detail["working_days"] == 1


# ---------------------------------------------------------------------------------------------
# Data corrections


def test_an_administrator_corrects_case_data_audited_before_and_after(client_for, approval):
    admin = client_for("admin")
    case = start_approval(client_for("applicant"), urgent=False)
    patch = {"changes": {"urgent": True}, "reason": "申请人来电更正 / Corrected by phone"}
    assert (
        client_for("director").patch(f"/api/v1/instances/{case['id']}/data", patch, format="json").status_code
        == 403
    )
    bad = admin.patch(
        f"/api/v1/instances/{case['id']}/data", {"changes": {"case": {}}, "reason": "x"}, format="json"
    )
    assert bad.status_code == 400 and "changes.case" in bad.json()["errors"]
    done = admin.patch(f"/api/v1/instances/{case['id']}/data", patch, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["data"]["urgent"] is True
    event = Event.objects.get(instance_id=case["id"], action="instance.data_changed")
    assert event.detail["changes"] == {"urgent": {"from": False, "to": True}}
    assert event.detail["reason"] == "申请人来电更正 / Corrected by phone" and event.actor.username == "admin"
    # The caseworker completes with the corrected data in hand.
    task_id = case["tasks"][0]["id"]
    finished = client_for("caseworker").post(
        f"/api/v1/tasks/{task_id}/complete", {"data": VALID_REVIEW}, format="json"
    )
    assert finished.json()["instance"]["data"]["urgent"] is True


# ---------------------------------------------------------------------------------------------
# 撤回申请


@pytest.fixture
def withdrawable(client_for):
    """A process the applicant may withdraw until its decision, with a withdrawal path."""
    assert upload(client_for("designer"), fixture_files("withdrawal"), public="true").status_code == 201


def test_the_applicant_withdraws_and_the_diagrams_withdrawal_path_runs(client_for, withdrawable):
    applicant = client_for("applicant")
    case = applicant.post("/api/v1/instances", {"process": "withdrawable", "data": {}}, format="json").json()
    assert "withdraw" in applicant.get(f"/api/v1/instances/{case['id']}").json()["actions"]
    assert _post(client_for("caseworker"), case["id"], "withdraw", {"reason": "x"}).status_code == 403
    assert _post(applicant, case["id"], "withdraw").status_code == 400

    withdrawn = _post(applicant, case["id"], "withdraw", {"reason": "已与对方和解 / Settled with them"})
    assert withdrawn.status_code == 200, withdrawn.content
    body = withdrawn.json()
    assert body["status"] == "withdrawn" and body["tasks"] == [] and body["timers"] == []
    assert body["end_reason"] == "已与对方和解 / Settled with them"
    assert body["stage"] == "已撤回 / Withdrawn by the applicant"
    staff = client_for("caseworker").get(f"/api/v1/instances/{case['id']}").json()
    assert staff["data"]["withdrawal_reason"] == "已与对方和解 / Settled with them"  # the path ran
    event = Event.objects.get(instance_id=case["id"], action="instance.withdrawn")
    assert event.detail["path"] is True and event.actor.username == "applicant"
    assert "instance.completed" not in _actions(case["id"])


def test_a_case_past_its_decision_can_no_longer_be_withdrawn(client_for, withdrawable):
    applicant = client_for("applicant")
    case = applicant.post("/api/v1/instances", {"process": "withdrawable", "data": {}}, format="json").json()
    review = case["tasks"][0]["id"]
    assert (
        client_for("caseworker")
        .post(f"/api/v1/tasks/{review}/complete", {"data": {}}, format="json")
        .status_code
        == 200
    )
    assert "withdraw" not in applicant.get(f"/api/v1/instances/{case['id']}").json()["actions"]
    refused = _post(applicant, case["id"], "withdraw", {"reason": "太晚了 / Too late"})
    assert refused.status_code == 409 and "withdrawn" in refused.json()["detail"]


# ---------------------------------------------------------------------------------------------
# The operations console's list


def test_the_console_filters_cases_by_status_version_stage_and_overdue(client_for, approval, clock):
    director, admin = client_for("director"), client_for("admin")
    applicant = client_for("applicant")
    running = start_approval(applicant)
    suspended = start_approval(applicant)
    cancelled = start_approval(applicant)
    _post(director, suspended["id"], "suspend", {"reason": "等待 / Waiting"})
    _post(admin, cancelled["id"], "cancel", {"reason": "重复 / Duplicate"})

    def ids(**params) -> list[int]:
        return sorted(row["id"] for row in director.get("/api/v1/instances", params).json()["results"])

    assert ids(status="suspended") == [suspended["id"]]
    assert ids(status="cancelled") == [cancelled["id"]]
    assert ids(status="running", process="test_approval", version=1) == [running["id"]]
    assert ids(version=2) == []
    assert ids(within="LN-SY") == sorted([running["id"], suspended["id"], cancelled["id"]])
    assert ids(within="LN-SY-HP-NH") == []
    clock.shift(days=8)  # past the review's 7 days
    assert ids(overdue="true") == sorted([running["id"], suspended["id"]])
    assert director.get("/api/v1/instances", {"status": "nonsense"}).status_code == 400


def test_the_console_finds_the_cases_at_a_stage(client_for, clock):
    register_deadline("test.reply", 3, "working_days", "答复期限 / Reply deadline", warn_before=1)
    assert upload(client_for("designer"), fixture_files("staged")).status_code == 201
    caseworker, director = client_for("caseworker"), client_for("director")
    escalated = start_case(caseworker, "test_staged", {"owner": "caseworker2"})
    fire_timers_until(clock, datetime.fromisoformat(escalated["next_deadline"]) + timedelta(seconds=2))
    in_hand = start_case(caseworker, "test_staged", {"owner": "caseworker2"})
    answered = start_case(caseworker, "test_staged", {"owner": "caseworker2"})
    do_task(client_for("caseworker2"), answered["id"], "reply", {})

    def ids(stage: str) -> list[int]:
        response = director.get("/api/v1/instances", {"stage": stage})
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    assert ids("督办中") == [escalated["id"]]
    assert ids("escalated") == [escalated["id"]]
    assert ids("答复中") == [in_hand["id"]]
    assert ids("已答复") == [answered["id"]]
    assert ids("答复") == sorted([in_hand["id"], answered["id"]])
    assert ids("已撤销") == []
    assert ids("") == sorted([escalated["id"], in_hand["id"], answered["id"]])
