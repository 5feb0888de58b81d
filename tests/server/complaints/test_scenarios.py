"""Complaint scenarios driven through the API as the complainant, caseworker, reviewer and supervisor."""

from __future__ import annotations

from server.audit.models import Event
from server.processes.models import HumanTask
from tests.server.complaints.conftest import (
    ACCEPT,
    APPROVE,
    ELIGIBLE,
    FOLLOW_UP,
    INVESTIGATE,
    REPLY,
    accept_on_time,
    complain,
    just_after,
    milestone,
    milestones,
    reply,
)
from tests.server.conftest import do_task, fire_timers_until, open_task

RECEIVED_STAGE = "受理审查中 / Being checked for acceptance"
NOT_ACCEPTED_STAGE = "不予受理 / Not accepted (reason given)"
ACCEPTANCE_ESCALATED_STAGE = "受理逾期，司法局督办中 / Acceptance overdue, followed up by the justice bureau"
REPLY_ESCALATED_STAGE = "答复逾期，司法局督办中 / Reply overdue, followed up by the justice bureau"
# Received Monday 9 March 2026, 09:00: 15 days -> 24 March, 60 days from acceptance that day -> 8 May.
ACCEPTANCE_DUE = "2026-03-24T23:59:59+08:00"
REPLY_DUE = "2026-05-08T23:59:59+08:00"


def view(client, case_id: int) -> dict:
    response = client.get(f"/api/v1/instances/{case_id}")
    assert response.status_code == 200, response.content
    return response.json()


def open_ids(case: dict) -> list[str]:
    return sorted(task["bpmn_id"] for task in case["tasks"])


def test_a_complaint_accepted_and_answered_on_time_ends_with_the_complainants_rating(
    client_for, complaint_process, clock, steps
):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    case = complain(applicant)
    assert case["stage"] == RECEIVED_STAGE
    assert case["data"]["acceptance_due"] == ACCEPTANCE_DUE
    assert view(caseworker, case["id"])["data"]["prescreen_ground"] == ""  # nothing found: staff decide
    assert "prescreen_ground" not in case["data"]  # the pre-screen is internal
    task = open_task(caseworker, case["id"], "check_eligibility")
    assert task["due_at"] == ACCEPTANCE_DUE and task["candidate_groups"] == ["caseworker"]

    after = do_task(caseworker, case["id"], "check_eligibility", ELIGIBLE)
    assert after["stage"] == "待受理 / Awaiting acceptance"
    after = do_task(caseworker, case["id"], "accept", ACCEPT)
    assert after["stage"] == "调查核实中 / Under investigation"
    accepted = milestone(after, "complaint.accepted")["detail"]
    assert accepted["acceptance_due"] == ACCEPTANCE_DUE and accepted["reply_due"] == REPLY_DUE
    assert open_task(caseworker, case["id"], "investigate")["due_at"] == REPLY_DUE

    clock.shift(days=10)
    after = do_task(caseworker, case["id"], "investigate", INVESTIGATE)
    assert after["stage"] == "书面答复拟写中 / Written reply being prepared"
    after = do_task(caseworker, case["id"], "write_reply", REPLY)
    assert after["stage"] == "书面答复审核中 / Written reply under review"
    assert open_task(client_for("reviewer"), case["id"], "approve_reply")["candidate_groups"] == ["reviewer"]
    do_task(client_for("reviewer"), case["id"], "approve_reply", APPROVE)

    mine = view(applicant, case["id"])
    assert mine["stage"] == "已答复，请您评价 / Replied, please rate the reply"
    assert mine["data"]["reply_text"] == REPLY["reply_text"]
    assert open_ids(mine) == ["rate_reply"]
    closed = do_task(
        applicant, case["id"], "rate_reply", {"satisfaction": "satisfied", "feedback_comment": "好"}
    )
    assert closed["status"] == "completed"
    assert closed["stage"] == "已答复，已办结 / Replied and closed"
    assert milestones(closed) == [
        "complaint.received",
        "complaint.eligible",
        "complaint.accepted",
        "complaint.replied",
        "complaint.feedback",
    ]
    assert milestone(closed, "complaint.feedback")["detail"]["satisfaction"] == "satisfied"
    assert not HumanTask.objects.filter(instance_id=case["id"], bpmn_id__startswith="follow_up").exists()


def test_an_ineligible_complaint_gets_a_written_reason_the_complainant_can_read(
    client_for, complaint_process, clock, steps
):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    case = complain(applicant, target_type="other", target_name="某物业公司 A property company")
    assert view(caseworker, case["id"])["data"]["prescreen_ground"] == "not_legal_service"

    task = open_task(caseworker, case["id"], "check_eligibility")
    caseworker.post(f"/api/v1/tasks/{task['id']}/claim")
    refused = caseworker.post(
        f"/api/v1/tasks/{task['id']}/complete", {"data": {"eligible": False}}, format="json"
    )
    assert refused.status_code == 400
    assert {"data.ineligible_ground", "data.ineligible_reason"} <= set(refused.json()["errors"])

    reason = "物业服务纠纷不属于法律服务投诉，请向住房和城乡建设部门反映。"
    done = do_task(
        caseworker,
        case["id"],
        "check_eligibility",
        {"eligible": False, "ineligible_ground": "not_legal_service", "ineligible_reason": reason},
    )
    assert done["status"] == "completed"
    mine = view(applicant, case["id"])
    assert mine["stage"] == NOT_ACCEPTED_STAGE
    notice = mine["data"]["ineligibility_notice"]
    assert reason in notice["text"] and "不属于法律服务投诉" in notice["text"]
    assert notice["ground"] == "not_legal_service"
    assert milestones(mine) == ["complaint.received", "complaint.ineligible"]
    recorded = milestone(mine, "complaint.ineligible")["detail"]
    assert recorded["ineligible_ground"] == "not_legal_service" and recorded["ineligible_reason"] == reason


def test_an_overdue_acceptance_warns_first_then_escalates_to_the_supervisor_and_still_completes_late(
    client_for, complaint_process, clock, steps
):
    applicant, caseworker, supervisor = (
        client_for("applicant"),
        client_for("caseworker"),
        client_for("supervisor"),
    )
    case = complain(applicant)
    after = do_task(caseworker, case["id"], "check_eligibility", ELIGIBLE)
    warn_at = after["data"]["acceptance_warn"]
    assert warn_at < ACCEPTANCE_DUE

    fired = fire_timers_until(clock, just_after(warn_at))
    assert [timer.bpmn_id for timer in fired] == ["accept_deadline_near"]
    warned = view(supervisor, case["id"])
    assert "complaint.acceptance_warning" in milestones(warned)
    assert open_ids(warned) == ["accept"]  # a warning only: no follow-up yet

    fired = fire_timers_until(clock, just_after(ACCEPTANCE_DUE))
    assert [timer.bpmn_id for timer in fired] == ["accept_deadline_passed"]
    escalated = view(supervisor, case["id"])
    assert open_ids(escalated) == ["accept", "follow_up_acceptance"]
    assert milestones(escalated)[-1] == "complaint.acceptance_overdue"
    assert escalated["stage"] == ACCEPTANCE_ESCALATED_STAGE
    assert view(applicant, case["id"])["stage"] == ACCEPTANCE_ESCALATED_STAGE
    queue = supervisor.get("/api/v1/tasks").json()["results"]
    assert [task["bpmn_id"] for task in queue if task["instance"] == case["id"]] == ["follow_up_acceptance"]
    assert open_task(caseworker, case["id"], "accept")["overdue"] is True

    clock.shift(days=1)
    late = do_task(caseworker, case["id"], "accept", ACCEPT)
    assert "complaint.accepted" in milestones(late)
    followed = do_task(supervisor, case["id"], "follow_up_acceptance", FOLLOW_UP)
    assert open_ids(followed) == ["investigate"]
    assert followed["stage"] == "调查核实中 / Under investigation"

    figures = supervisor.get("/api/v1/complaints/stats?from=2026-03-01&to=2026-03-31").json()
    assert figures["counts"]["accepted"] == 1 and figures["counts"]["accepted_on_time"] == 0
    assert figures["rates"]["acceptance_rate"] == 100.0
    assert figures["rates"]["on_time_acceptance_rate"] == 0.0
    assert figures["counts"]["acceptance_escalated"] == 1


def test_a_step_opened_after_the_deadline_does_not_warn_or_escalate_a_second_time(
    client_for, complaint_process, clock, steps
):
    caseworker, supervisor = client_for("caseworker"), client_for("supervisor")
    case = complain(client_for("applicant"))
    fired = fire_timers_until(clock, just_after(ACCEPTANCE_DUE))
    assert sorted(timer.bpmn_id for timer in fired) == [
        "eligibility_deadline_near",
        "eligibility_deadline_passed",
    ]
    assert open_ids(view(supervisor, case["id"])) == ["check_eligibility", "follow_up_acceptance"]

    # The acceptance task opens with its own timers already past: they fire, and stop at the gateways.
    do_task(caseworker, case["id"], "check_eligibility", ELIGIBLE)
    fire_timers_until(clock, clock.now())
    after = view(supervisor, case["id"])
    assert open_ids(after) == ["accept", "follow_up_acceptance"]
    assert milestones(after).count("complaint.acceptance_warning") == 1
    assert milestones(after).count("complaint.acceptance_overdue") == 1


def test_an_overdue_reply_warns_then_escalates_and_a_returned_draft_does_not_escalate_again(
    client_for, complaint_process, clock, steps
):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    reviewer, supervisor = client_for("reviewer"), client_for("supervisor")
    case = complain(applicant)
    accept_on_time(caseworker, case["id"])
    clock.shift(days=1)
    after = do_task(caseworker, case["id"], "investigate", INVESTIGATE)
    assert after["data"]["reply_due"] == REPLY_DUE

    fired = fire_timers_until(clock, just_after(after["data"]["reply_warn"]))
    assert [timer.bpmn_id for timer in fired] == ["write_deadline_near"]
    assert "complaint.reply_warning" in milestones(view(supervisor, case["id"]))
    fired = fire_timers_until(clock, just_after(REPLY_DUE))
    assert [timer.bpmn_id for timer in fired] == ["write_deadline_passed"]
    escalated = view(applicant, case["id"])
    assert escalated["stage"] == REPLY_ESCALATED_STAGE
    assert open_ids(escalated) == ["follow_up_reply", "write_reply"]
    assert milestone(escalated, "complaint.reply_overdue")["detail"]["reply_due"] == REPLY_DUE

    do_task(caseworker, case["id"], "write_reply", REPLY)
    returned = do_task(
        reviewer, case["id"], "approve_reply", {"reply_approved": False, "review_comment": "请补充退费期限。"}
    )
    assert open_ids(returned) == ["follow_up_reply", "write_reply"]
    do_task(supervisor, case["id"], "follow_up_reply", FOLLOW_UP)
    do_task(caseworker, case["id"], "write_reply", REPLY)
    fire_timers_until(clock, clock.now())
    replied = do_task(reviewer, case["id"], "approve_reply", APPROVE)
    assert open_ids(replied) == ["rate_reply"]
    assert milestones(replied).count("complaint.reply_overdue") == 1
    assert milestones(replied).count("complaint.reply_warning") == 1
    assert HumanTask.objects.filter(instance_id=case["id"], bpmn_id="follow_up_reply").count() == 1

    figures = supervisor.get("/api/v1/complaints/stats?from=2026-03-01&to=2026-03-31").json()
    assert figures["counts"]["replied"] == 1 and figures["counts"]["replied_on_time"] == 0
    assert figures["rates"]["reply_rate"] == 100.0 and figures["rates"]["on_time_reply_rate"] == 0.0
    assert figures["counts"]["reply_escalated"] == 1


def test_a_complainant_who_does_not_rate_the_reply_is_recorded_as_no_answer_and_the_case_closes(
    client_for, complaint_process, clock, steps
):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    case = complain(applicant)
    accept_on_time(caseworker, case["id"])
    after = reply(caseworker, client_for("reviewer"), case["id"])
    feedback_due = after["data"]["feedback_due"]
    assert open_task(applicant, case["id"], "rate_reply")["due_at"] == feedback_due

    fired = fire_timers_until(clock, just_after(feedback_due))
    assert [timer.bpmn_id for timer in fired] == ["feedback_timeout"]
    closed = view(applicant, case["id"])
    assert closed["status"] == "completed" and closed["stage"] == "已答复，已办结 / Replied and closed"
    assert milestone(closed, "complaint.feedback")["detail"]["satisfaction"] == "no_answer"


def test_the_same_complaint_already_answered_is_flagged_by_the_pre_screen(
    client_for, complaint_process, clock, steps
):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    first = complain(applicant, id_number="11010519491231002X")
    assert first["data"]["id_check"]["valid"] is True
    accept_on_time(caseworker, first["id"])
    reply(caseworker, client_for("reviewer"), first["id"])

    clock.shift(days=20)
    again = complain(applicant, id_number="11010519491231002x", target_name=" 钱律师  Lawyer Qian")
    seen = view(caseworker, again["id"])["data"]
    assert seen["prescreen_ground"] == "repeat_answered"
    assert seen["repeat"]["earlier"][0]["instance"] == first["id"]
    other_target = complain(applicant, id_number="11010519491231002X", target_name="孙律师")
    assert view(caseworker, other_target["id"])["data"]["prescreen_ground"] == ""


def test_the_pre_screen_suggests_a_ground_and_flags_a_bad_id_number_but_the_caseworker_decides(
    client_for, complaint_process, clock, steps
):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    anonymous = complain(applicant, anonymous=True, contact={})
    assert view(caseworker, anonymous["id"])["data"]["prescreen_ground"] == "anonymous_no_contact"
    in_court = complain(applicant, proceedings="court", id_number="110105194912310021")
    assert view(caseworker, in_court["id"])["data"]["prescreen_ground"] == "in_proceedings"
    assert in_court["data"]["id_check"]["valid"] is False  # wrong check digit: recorded, not refused
    after = do_task(caseworker, in_court["id"], "check_eligibility", ELIGIBLE)
    assert after["stage"] == "待受理 / Awaiting acceptance"
    assert Event.objects.filter(instance_id=in_court["id"], action="complaint.eligible").count() == 1
