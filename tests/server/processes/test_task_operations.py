"""What a caseworker, a reviewer and a director can do to a task besides claiming and completing
it: transfer, delegate, return, take back, opinions, consult, copy, urge, assign, substitutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from server.audit.models import Event
from server.processes.models import HumanTask, Timer
from tests.conftest import fixture_files
from tests.server.conftest import VALID_REVIEW, add_staff, start_approval, upload


def _events(task_id: int, action: str) -> list[dict]:
    return [event.detail for event in Event.objects.filter(task_id=task_id, action=action).order_by("id")]


def _claim(client, task_id: int) -> None:
    response = client.post(f"/api/v1/tasks/{task_id}/claim")
    assert response.status_code == 200, response.content


def _review(client_for) -> tuple[dict, int]:
    case = start_approval(client_for("applicant"))
    return case, case["tasks"][0]["id"]


def _post(client, task_id: int, operation: str, body: dict | None = None):
    return client.post(f"/api/v1/tasks/{task_id}/{operation}", body or {}, format="json")


@pytest.fixture
def opinions(client_for):
    """A review that offers only opinions and copies, then an approval that needs an opinion."""
    response = upload(client_for("designer"), fixture_files("opinions"), public="true")
    assert response.status_code == 201, response.content


# ---------------------------------------------------------------------------------------------
# 转办 / 指派


def test_a_caseworker_transfers_a_task_and_the_colleague_has_it_at_once_with_the_reason(client_for, approval):
    caseworker, colleague = client_for("caseworker"), client_for("caseworker2")
    _, task_id = _review(client_for)
    _claim(caseworker, task_id)

    assert _post(caseworker, task_id, "transfer", {"to": "caseworker2"}).json()["errors"] == {
        "reason": ["必填 / This field is required."]
    }
    wrong_role = _post(caseworker, task_id, "transfer", {"to": "reviewer", "reason": "休假 / On leave"})
    assert wrong_role.status_code == 400 and "to" in wrong_role.json()["errors"]

    moved = _post(caseworker, task_id, "transfer", {"to": "caseworker2", "reason": "休假 / On leave"})
    assert moved.status_code == 200, moved.content
    assert moved.json()["assignee"]["username"] == "caseworker2"
    mine = colleague.get("/api/v1/tasks", {"mine": "true"}).json()["results"]
    assert [row["id"] for row in mine] == [task_id]
    assert _events(task_id, "task.transferred") == [
        {"from": "caseworker", "to": "caseworker2", "reason": "休假 / On leave"}
    ]
    # No longer theirs: the first caseworker can neither transfer nor complete it now.
    assert _post(caseworker, task_id, "transfer", {"to": "caseworker", "reason": "x"}).status_code == 403
    assert _post(caseworker, task_id, "complete", {"data": VALID_REVIEW}).status_code == 409
    assert (
        _post(client_for("station"), task_id, "transfer", {"to": "caseworker", "reason": "x"}).status_code
        == 404
    )


def test_a_director_assigns_queue_tasks_and_others_may_not(client_for, approval):
    director = client_for("director")
    _, task_id = _review(client_for)
    assert _post(client_for("caseworker"), task_id, "assign", {"to": "caseworker2"}).status_code == 403
    assert _post(director, task_id, "assign", {"to": "reviewer"}).status_code == 400  # not the task's role
    assigned = _post(director, task_id, "assign", {"to": "caseworker2"})
    assert assigned.status_code == 200 and assigned.json()["assignee"]["username"] == "caseworker2"
    assert _events(task_id, "task.assigned") == [{"from": None, "to": "caseworker2"}]
    assert _post(client_for("supervisor"), task_id, "assign", {"to": "caseworker"}).status_code == 200


def test_bulk_claim_and_assign_check_each_task_on_its_own(client_for, approval):
    caseworker, colleague, director = (
        client_for("caseworker"),
        client_for("caseworker2"),
        client_for("director"),
    )
    ids = [_review(client_for)[1] for _ in range(3)]
    _claim(colleague, ids[1])
    claimed = caseworker.post("/api/v1/tasks/bulk", {"action": "claim", "ids": ids}, format="json")
    assert claimed.status_code == 200, claimed.content
    assert [(row["id"], row["ok"], row["status"]) for row in claimed.json()] == [
        (ids[0], True, 200),
        (ids[1], False, 409),
        (ids[2], True, 200),
    ]
    assert HumanTask.objects.get(pk=ids[1]).assignee.username == "caseworker2"

    assigned = director.post(
        "/api/v1/tasks/bulk", {"action": "assign", "ids": ids, "to": "caseworker2"}, format="json"
    )
    assert [row["ok"] for row in assigned.json()] == [True, True, True]
    assert set(HumanTask.objects.filter(pk__in=ids).values_list("assignee__username", flat=True)) == {
        "caseworker2"
    }
    refused = caseworker.post(
        "/api/v1/tasks/bulk", {"action": "assign", "ids": ids[:1], "to": "caseworker"}, format="json"
    )
    assert [row["status"] for row in refused.json()] == [403]
    assert (
        caseworker.post("/api/v1/tasks/bulk", {"action": "delete", "ids": ids}, format="json").status_code
        == 400
    )


# ---------------------------------------------------------------------------------------------
# 委派


def test_the_delegate_does_the_work_hands_it_back_and_the_owner_completes_it(client_for, approval):
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    case, task_id = _review(client_for)
    assert (
        _post(
            caseworker, task_id, "delegate", {"to": "reviewer", "reason": "请核对 / Please check"}
        ).status_code
        == 403
    )
    _claim(caseworker, task_id)
    delegated = _post(
        caseworker, task_id, "delegate", {"to": "reviewer", "reason": "请核对身份 / Check the ID"}
    )
    assert delegated.status_code == 200, delegated.content
    body = delegated.json()
    assert body["delegation"] == "pending" and body["owner"]["username"] == "caseworker"
    assert body["assignee"]["username"] == "reviewer"
    assert task_id in [row["id"] for row in reviewer.get("/api/v1/tasks", {"mine": "true"}).json()["results"]]
    # Neither completes it while it is with the delegate.
    assert _post(reviewer, task_id, "complete", {"data": VALID_REVIEW}).status_code == 409
    assert _post(caseworker, task_id, "complete", {"data": VALID_REVIEW}).status_code == 409
    assert "resolve" in reviewer.get(f"/api/v1/tasks/{task_id}").json()["actions"]

    assert _post(reviewer, task_id, "resolve", {"comment": ""}).status_code == 400
    resolved = _post(
        reviewer, task_id, "resolve", {"comment": "身份已核实 / ID checked", "data": {"complete": True}}
    )
    assert resolved.status_code == 200, resolved.content
    back = caseworker.get(f"/api/v1/tasks/{task_id}").json()
    assert back["assignee"]["username"] == "caseworker" and back["delegation"] == "resolved"
    assert back["draft"] == {"complete": True}
    assert [(c["kind"], c["author"]["username"]) for c in back["comments"]] == [("resolution", "reviewer")]
    assert _post(caseworker, task_id, "complete", {"data": VALID_REVIEW}).status_code == 200
    history = [
        event["action"] for event in caseworker.get(f"/api/v1/instances/{case['id']}").json()["history"]
    ]
    assert history.index("task.delegated") < history.index("task.resolved") < history.index("task.completed")


# ---------------------------------------------------------------------------------------------
# 退回 / 撤回


def test_a_reviewer_returns_the_case_and_the_caseworker_gets_the_step_back_with_the_reason(
    client_for, approval, clock
):
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    case, review_id = _review(client_for)
    _claim(caseworker, review_id)
    assert (
        _post(caseworker, review_id, "complete", {"data": {**VALID_REVIEW, "notes": "ok"}}).status_code == 200
    )
    approve_id = HumanTask.objects.get(instance_id=case["id"], bpmn_id="approve").pk
    assert reviewer.get(f"/api/v1/tasks/{approve_id}/return-targets").json() == [
        {"bpmn_id": "review", "name": "Review application", "done_by": _ref(caseworker), "done_at": _ANY}
    ]
    clock.shift(days=2)

    assert _post(reviewer, approve_id, "return", {"to": "review"}).json()["errors"] == {
        "reason": ["必填 / This field is required."]
    }
    assert _post(reviewer, approve_id, "return", {"to": "approve", "reason": "x"}).status_code == 400
    returned = _post(
        reviewer, approve_id, "return", {"to": "review", "reason": "身份证号有误 / Wrong ID number"}
    )
    assert returned.status_code == 200, returned.content
    reopened = returned.json()
    assert reopened["bpmn_id"] == "review" and reopened["id"] != review_id
    assert reopened["assignee"]["username"] == "caseworker"
    assert reopened["return_reason"] == "身份证号有误 / Wrong ID number"
    assert reopened["prefill"]["notes"] == "ok"  # what they submitted before, to correct
    assert HumanTask.objects.get(pk=approve_id).status == "returned"
    # The step's deadlines are set again: due 7 days, and its timer 30 days, from now.
    assert abs(timezone.now() + timedelta(days=7) - _dt(reopened["due_at"])) < timedelta(minutes=1)
    timer = Timer.objects.get(instance_id=case["id"], status="waiting")
    assert abs(timezone.now() + timedelta(days=30) - timer.due_at) < timedelta(minutes=1)

    queue = caseworker.get("/api/v1/tasks", {"mine": "true"}).json()["results"]
    assert [(row["bpmn_id"], row["return_reason"]) for row in queue] == [
        ("review", "身份证号有误 / Wrong ID number")
    ]
    [event] = _events(approve_id, "task.returned")
    assert event["to"] == "review" and event["reason"] == "身份证号有误 / Wrong ID number"
    assert event["returned_to"] == "caseworker"
    assert _post(caseworker, reopened["id"], "complete", {"data": VALID_REVIEW}).status_code == 200


def test_only_the_holder_may_return_and_only_where_the_step_offers_it(client_for, approval, opinions):
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    case, review_id = _review(client_for)
    assert _post(caseworker, review_id, "complete", {"data": VALID_REVIEW}).status_code == 200
    approve_id = HumanTask.objects.get(instance_id=case["id"], bpmn_id="approve").pk
    assert _post(caseworker, approve_id, "return", {"to": "review", "reason": "x"}).status_code == 403
    _claim(reviewer, approve_id)
    other = client_for("director")
    assert _post(other, approve_id, "return", {"to": "review", "reason": "x"}).status_code in (403, 409)
    # A step whose node does not offer return (opinions: review offers comment and copy only).
    started = client_for("applicant").post(
        "/api/v1/instances", {"process": "test_opinions", "data": {}}, format="json"
    )  # its start has no form, so it takes no data
    assert started.status_code == 201, started.content
    review = started.json()["tasks"][0]["id"]
    refused = _post(caseworker, review, "transfer", {"to": "caseworker2", "reason": "x"})
    assert refused.status_code == 403 and "transfer" in refused.json()["detail"]
    assert caseworker.get(f"/api/v1/tasks/{review}").json()["actions"] == [
        "claim",
        "complete",
        "comment",
        "copy",
    ]


def test_taking_back_a_completion_works_until_the_next_step_is_claimed(client_for, approval):
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    case, review_id = _review(client_for)
    _claim(caseworker, review_id)
    assert _post(caseworker, review_id, "complete", {"data": VALID_REVIEW}).status_code == 200
    assert "withdraw" in caseworker.get(f"/api/v1/tasks/{review_id}").json()["actions"]
    assert _post(client_for("caseworker2"), review_id, "withdraw").status_code == 403

    back = _post(caseworker, review_id, "withdraw")
    assert back.status_code == 200, back.content
    assert back.json()["bpmn_id"] == "review" and back.json()["assignee"]["username"] == "caseworker"
    rows = {
        row.bpmn_id: row.status for row in HumanTask.objects.filter(instance_id=case["id"]).order_by("id")
    }
    assert rows == {"review": "open", "approve": "cancelled"}
    assert _events(review_id, "task.withdrawn")[0]["next_steps"] == ["approve"]

    reopened = back.json()["id"]
    assert _post(caseworker, reopened, "complete", {"data": VALID_REVIEW}).status_code == 200
    _claim(reviewer, HumanTask.objects.get(instance_id=case["id"], bpmn_id="approve", status="open").pk)
    late = _post(caseworker, reopened, "withdraw")
    assert late.status_code == 409 and "claimed" in late.json()["detail"]


# ---------------------------------------------------------------------------------------------
# 审批意见 / 加签


def test_opinions_are_kept_with_the_case_and_a_step_can_require_one(client_for, opinions):
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    started = client_for("applicant").post(
        "/api/v1/instances", {"process": "test_opinions", "data": {}}, format="json"
    )
    case = started.json()
    review = case["tasks"][0]["id"]
    assert _post(caseworker, review, "comments", {"text": " "}).status_code == 400
    posted = _post(caseworker, review, "comments", {"text": "材料齐全 / Complete"})
    assert posted.status_code == 201 and posted.json()["kind"] == "opinion"
    assert [c["text"] for c in caseworker.get(f"/api/v1/tasks/{review}/comments").json()] == [
        "材料齐全 / Complete"
    ]
    assert _post(client_for("station"), review, "comments", {"text": "x"}).status_code == 404
    assert _post(caseworker, review, "complete", {"data": VALID_REVIEW}).status_code == 200

    approve = HumanTask.objects.get(instance_id=case["id"], bpmn_id="approve").pk
    assert reviewer.get(f"/api/v1/tasks/{approve}").json()["opinion_required"] is True
    missing = _post(reviewer, approve, "complete", {"data": {"approved": True}})
    assert missing.status_code == 400 and "comment" in missing.json()["errors"]
    done = _post(reviewer, approve, "complete", {"data": {"approved": True}, "comment": "同意 / Agreed"})
    assert done.status_code == 200, done.content
    assert done.json()["instance"]["data"]["approval_opinion"] == "同意 / Agreed"
    from server.documents.models import Document

    notice = Document.objects.get(instance_id=case["id"])  # the node's notice carries it
    assert notice.data["approval_opinion"] == "同意 / Agreed"
    history = reviewer.get(f"/api/v1/instances/{case['id']}").json()["history"]
    assert [e["detail"]["text"] for e in history if e["action"] == "task.commented"] == [
        "材料齐全 / Complete"
    ]
    assert (
        next(e for e in history if e["task"] == approve and e["action"] == "task.completed")["detail"][
            "comment"
        ]
        == "同意 / Agreed"
    )


def test_a_task_with_opinions_asked_for_waits_until_every_one_is_in(client_for, approval):
    caseworker, reviewer, director = client_for("caseworker"), client_for("reviewer"), client_for("director")
    _, task_id = _review(client_for)
    _claim(caseworker, task_id)
    asked = _post(
        caseworker, task_id, "consult", {"to": ["reviewer", "director"], "question": "可否受理? / Accept?"}
    )
    assert asked.status_code == 201, asked.content
    assert _post(caseworker, task_id, "consult", {"to": ["reviewer"], "question": "again"}).status_code == 400
    assert _post(caseworker, task_id, "consult", {"to": ["station"], "question": "x"}).status_code == 400
    waiting = _post(caseworker, task_id, "complete", {"data": VALID_REVIEW})
    assert (
        waiting.status_code == 409
        and "reviewer" in waiting.json()["detail"]
        and "director" in waiting.json()["detail"]
    )

    assert _post(reviewer, task_id, "comments", {"text": "可以 / Yes"}).json()["kind"] == "answer"
    assert _post(caseworker, task_id, "complete", {"data": VALID_REVIEW}).status_code == 409
    assert _post(director, task_id, "comments", {"text": "同意 / Agreed"}).status_code == 201
    consultations = caseworker.get(f"/api/v1/tasks/{task_id}").json()["consultations"]
    assert [(c["consultant"]["username"], c["status"], c["answer"]["text"]) for c in consultations] == [
        ("reviewer", "answered", "可以 / Yes"),
        ("director", "answered", "同意 / Agreed"),
    ]
    assert _post(caseworker, task_id, "complete", {"data": VALID_REVIEW}).status_code == 200


# ---------------------------------------------------------------------------------------------
# 抄送 / 催办


def test_copies_reach_colleagues_in_scope_who_find_them_under_copied_to_me(client_for, approval):
    caseworker, reviewer = client_for("caseworker"), client_for("reviewer")
    _, task_id = _review(client_for)
    assert _post(caseworker, task_id, "copy", {"to": ["reviewer", "station"]}).json()["errors"].keys() == {
        "to.1"
    }
    copied = _post(caseworker, task_id, "copy", {"to": ["reviewer", "supervisor"], "note": "请知悉 / FYI"})
    assert copied.status_code == 201, copied.content
    mine = reviewer.get("/api/v1/copies").json()["results"]
    assert [(row["task"]["id"], row["sender"]["username"], row["note"]) for row in mine] == [
        (task_id, "caseworker", "请知悉 / FYI")
    ]
    assert client_for("supervisor").get("/api/v1/copies").json()["results"][0]["task"]["id"] == task_id
    assert caseworker.get("/api/v1/copies").json()["results"] == []
    assert _post(client_for("applicant"), task_id, "copy", {"to": ["reviewer"]}).status_code == 403
    assert _events(task_id, "task.copied") == [{"to": ["reviewer", "supervisor"], "note": "请知悉 / FYI"}]


def test_an_urge_flags_the_queue_row_once_a_day_and_calls_the_notification_hook(
    client_for, approval, clock, django_capture_on_commit_callbacks
):
    from server.processes.signals import task_urged

    caseworker, director = client_for("caseworker"), client_for("director")
    _, task_id = _review(client_for)
    _claim(caseworker, task_id)
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    task_urged.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            urged = _post(director, task_id, "urge", {"note": "今天办结 / Finish it today"})
        assert urged.status_code == 200, urged.content
    finally:
        task_urged.disconnect(receiver)
    assert heard == [
        {
            "signal": task_urged,
            "task_id": task_id,
            "urged_by": _user("director"),
            "note": "今天办结 / Finish it today",
        }
    ]
    row = caseworker.get("/api/v1/tasks", {"mine": "true"}).json()["results"][0]
    assert row["urged_at"] is not None and row["urge_note"] == "今天办结 / Finish it today"
    again = _post(director, task_id, "urge")
    assert again.status_code == 409 and "today" in again.json()["detail"]
    assert _post(caseworker, task_id, "urge").status_code == 400  # not one's own task
    clock.shift(days=1)
    assert _post(director, task_id, "urge").status_code == 200
    assert len(_events(task_id, "task.urged")) == 2


# ---------------------------------------------------------------------------------------------
# 代理人


def test_a_substitute_gets_and_does_the_tasks_of_a_colleague_on_leave(client_for, approval, clock):
    caseworker, colleague = client_for("caseworker"), client_for("caseworker2")
    _, task_id = _review(client_for)
    _claim(caseworker, task_id)
    today = timezone.localdate()
    wrong = caseworker.post(
        "/api/v1/substitutes",
        {"substitute": "reviewer", "starts_on": today.isoformat(), "ends_on": today.isoformat()},
        format="json",
    )
    assert wrong.status_code == 400 and "substitute" in wrong.json()["errors"]
    named = _name_substitute(caseworker, "caseworker2", today, days=2)
    assert named.status_code == 201, named.content
    assert [row["substitute"]["username"] for row in caseworker.get("/api/v1/substitutes").json()] == [
        "caseworker2"
    ]
    assert "complete" in colleague.get(f"/api/v1/tasks/{task_id}").json()["actions"]

    clock.shift(days=5)  # the leave is over: the task is the caseworker's alone again
    assert "complete" not in colleague.get(f"/api/v1/tasks/{task_id}").json()["actions"]
    assert _post(colleague, task_id, "complete", {"data": VALID_REVIEW}).status_code == 409
    clock.shift(days=-4)
    assert _post(colleague, task_id, "complete", {"data": VALID_REVIEW}).status_code == 200
    assert HumanTask.objects.get(pk=task_id).completed_by.username == "caseworker2"


def _name_substitute(client, username: str, starts_on, *, days: int):
    """The caller names `username` to stand in for them from `starts_on` for `days` more days."""
    return client.post(
        "/api/v1/substitutes",
        {
            "substitute": username,
            "starts_on": starts_on.isoformat(),
            "ends_on": (starts_on + timedelta(days=days)).isoformat(),
        },
        format="json",
    )


def test_the_substitute_finds_the_colleagues_task_in_their_own_queue_during_the_leave(
    client_for, approval, clock
):
    """The township's caseworker stands in for the county's: the county's cases are not in their
    queue, but the tasks assigned to the colleague on leave are, for the period named."""
    caseworker, station = client_for("caseworker"), client_for("station")
    _, task_id = _review(client_for)
    _claim(caseworker, task_id)

    def queue() -> list[int]:
        return [row["id"] for row in station.get("/api/v1/tasks").json()["results"]]

    assert queue() == []
    today = timezone.localdate()
    named = _name_substitute(caseworker, "station", today, days=2)
    assert named.status_code == 201, named.content
    [event] = Event.objects.filter(action="substitute.named")
    assert event.actor.username == "caseworker"
    assert event.detail == {
        "substitute": "station",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=2)).isoformat(),
    }
    assert queue() == [task_id]
    assert "complete" in station.get(f"/api/v1/tasks/{task_id}").json()["actions"]

    clock.shift(days=5)  # the leave is over
    assert queue() == []
    clock.shift(days=-4)
    assert _post(station, task_id, "complete", {"data": VALID_REVIEW}).status_code == 200
    assert Event.objects.get(task_id=task_id, action="task.completed").actor.username == "station"


# ---------------------------------------------------------------------------------------------
# Who may not


@pytest.fixture
def shenhe(demo):
    """Staff of 沈河区 (LN-SY-SH), the neighbouring county: 和平区's cases are not theirs."""
    add_staff("shenhe_caseworker", "caseworker", "LN-SY-SH", "王明 Wang Ming")
    add_staff("shenhe_director", "director", "LN-SY-SH", "林峰 Lin Feng")


def test_only_the_delegate_hands_a_delegated_task_back(client_for, approval):
    caseworker = client_for("caseworker")
    _, task_id = _review(client_for)
    _claim(caseworker, task_id)
    assert (
        _post(caseworker, task_id, "delegate", {"to": "reviewer", "reason": "请核对 / Check"}).status_code
        == 200
    )
    body = {"comment": "已核实 / Checked"}
    assert _post(caseworker, task_id, "resolve", body).status_code == 403  # the owner, not the delegate
    assert _post(client_for("caseworker2"), task_id, "resolve", body).status_code == 403
    assert _post(client_for("station"), task_id, "resolve", body).status_code == 404
    assert _events(task_id, "task.resolved") == []
    task = HumanTask.objects.get(pk=task_id)
    assert task.assignee.username == "reviewer" and task.delegation == "pending"


def test_an_outsider_cannot_urge_a_task(client_for, approval, shenhe):
    caseworker = client_for("caseworker")
    case, task_id = _review(client_for)
    _claim(caseworker, task_id)
    assert _post(client_for("station"), task_id, "urge", {"note": "x"}).status_code == 404
    assert _post(client_for("shenhe_director"), task_id, "urge", {"note": "x"}).status_code == 404
    assert _post(client_for("applicant"), task_id, "urge", {"note": "快点 / Hurry"}).status_code == 403
    assert _events(task_id, "task.urged") == []
    assert caseworker.get("/api/v1/tasks", {"mine": "true"}).json()["results"][0]["urged_at"] is None


def test_only_the_holder_asks_colleagues_and_the_question_is_in_the_history(client_for, approval):
    caseworker = client_for("caseworker")
    case, task_id = _review(client_for)
    ask = {"to": ["director"], "question": "可否受理? / Accept?"}
    assert _post(client_for("reviewer"), task_id, "consult", ask).status_code == 403  # not the step's role
    _claim(caseworker, task_id)
    assert _post(client_for("caseworker2"), task_id, "consult", ask).status_code == 409  # claimed by another
    assert _post(client_for("station"), task_id, "consult", ask).status_code == 404
    assert _events(task_id, "task.consulted") == []
    assert _post(caseworker, task_id, "consult", ask).status_code == 201
    assert _events(task_id, "task.consulted") == [{"to": ["director"], "question": "可否受理? / Accept?"}]
    history = caseworker.get(f"/api/v1/instances/{case['id']}").json()["history"]
    assert [e["actor"]["username"] for e in history if e["action"] == "task.consulted"] == ["caseworker"]


def test_a_director_cannot_assign_a_task_of_another_county(client_for, approval, shenhe):
    _, task_id = _review(client_for)
    outsider = client_for("shenhe_director")
    assert _post(outsider, task_id, "assign", {"to": "caseworker2"}).status_code == 404
    bulk = outsider.post(
        "/api/v1/tasks/bulk", {"action": "assign", "ids": [task_id], "to": "caseworker2"}, format="json"
    )
    assert [(row["ok"], row["status"]) for row in bulk.json()] == [(False, 404)]
    assert HumanTask.objects.get(pk=task_id).assignee is None
    assert _events(task_id, "task.assigned") == []


# ---------------------------------------------------------------------------------------------
# Bulk release


def test_bulk_release_gives_back_only_the_callers_tasks_each_audited(client_for, approval):
    caseworker, colleague = client_for("caseworker"), client_for("caseworker2")
    ids = [_review(client_for)[1] for _ in range(4)]
    _claim(caseworker, ids[0])
    _claim(caseworker, ids[1])
    _claim(colleague, ids[2])  # ids[3] nobody's
    released = caseworker.post("/api/v1/tasks/bulk", {"action": "unclaim", "ids": ids}, format="json")
    assert released.status_code == 200, released.content
    assert [(row["id"], row["ok"], row["status"]) for row in released.json()] == [
        (ids[0], True, 200),
        (ids[1], True, 200),
        (ids[2], False, 403),
        (ids[3], False, 409),
    ]
    assignees = dict(HumanTask.objects.filter(pk__in=ids).values_list("id", "assignee__username"))
    assert assignees == {ids[0]: None, ids[1]: None, ids[2]: "caseworker2", ids[3]: None}
    unassigned = caseworker.get("/api/v1/tasks", {"unassigned": "true"}).json()["results"]
    assert {ids[0], ids[1]} <= {row["id"] for row in unassigned}
    for task_id in ids[:2]:
        [event] = Event.objects.filter(task_id=task_id, action="task.unclaimed")
        assert event.actor.username == "caseworker"
    assert not Event.objects.filter(task_id__in=ids[2:], action="task.unclaimed").exists()

    # A supervisor may give a colleague's task back to the queue.
    by_supervisor = client_for("supervisor").post(
        "/api/v1/tasks/bulk", {"action": "unclaim", "ids": [ids[2]]}, format="json"
    )
    assert [row["ok"] for row in by_supervisor.json()] == [True]
    assert Event.objects.get(task_id=ids[2], action="task.unclaimed").actor.username == "supervisor"


# ---------------------------------------------------------------------------------------------
# The person picker


def _people(client, **params) -> list[str]:
    response = client.get("/api/v1/people", params)
    assert response.status_code == 200, response.content
    return [row["username"] for row in response.json()]


def test_the_person_picker_finds_colleagues_by_name_within_the_callers_scope(client_for, approval, shenhe):
    caseworker = client_for("caseworker")
    assert _people(caseworker, q="赵磊") == ["caseworker2"]
    assert _people(caseworker, q="zhao") == ["caseworker2"]
    assert _people(caseworker, q="caseworker2") == ["caseworker2"]
    # 王明 of 沈河区 shares a name with 王芳 but works outside 和平区: not offered.
    assert _people(caseworker, q="王") == ["caseworker"]
    assert _people(caseworker, q="Wang") == ["caseworker"]
    assert _people(caseworker, q="shenhe") == []
    assert _people(caseworker, q="张三") == []  # an applicant is nobody's colleague
    # The city's supervisor reaches both counties.
    assert _people(client_for("supervisor"), q="Wang") == ["caseworker", "shenhe_caseworker"]
    # The county's colleagues are named from the township's station, the neighbouring county not.
    assert _people(client_for("station"), q="Wang") == ["caseworker"]
    assert _people(client_for("shenhe_caseworker"), q="Wang") == ["shenhe_caseworker"]

    assert _people(caseworker, role="reviewer") == ["reviewer"]
    _, task_id = _review(client_for)
    assert _people(caseworker, task=task_id) == ["caseworker", "caseworker2"]  # its role, its county
    assert client_for("shenhe_caseworker").get("/api/v1/people", {"task": task_id}).status_code == 404
    assert client_for("applicant").get("/api/v1/people", {"q": "王"}).status_code == 403


# ---------------------------------------------------------------------------------------------
# helpers


class _Any:
    def __eq__(self, other: object) -> bool:
        return True


_ANY = _Any()


def _user(username: str) -> int:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username).pk


def _ref(client) -> dict:
    me = client.get("/api/v1/auth/me").json()
    return {"id": me["id"], "username": me["username"], "display_name": _ANY}


def _dt(value: str):
    from datetime import datetime

    return datetime.fromisoformat(value)
