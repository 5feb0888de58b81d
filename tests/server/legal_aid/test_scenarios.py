"""Legal aid application review, end to end through the API, as each person would do it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.server.conftest import do_task, fire_timers_until, open_task
from tests.server.legal_aid.conftest import (
    apply_online,
    check_quality,
    close_case,
    grant,
    issue_letter,
    materials_complete,
    milestone,
    milestones,
    open_task_ids,
    rate_service,
    refuse,
    refused_form,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 23, minute: int = 59, second: int = 59) -> datetime:
    """A moment in March 2026 (the scenarios start on Monday 9 March, 09:00)."""
    return datetime(2026, 3, day, hour, minute, second, tzinfo=SHANGHAI)


def due(case: dict) -> datetime:
    return datetime.fromisoformat(case["next_deadline"])


def steps_run(case: dict) -> list[str]:
    """Every BPMN element the case has passed, from its audit history."""
    return [step for event in case["history"] for step in event["detail"].get("steps", [])]


def test_a_granted_application_runs_from_intake_to_subsidy_and_survey(client_for, legal_aid, clock, steps):
    case = apply_online(client_for)
    assert case["stage"] == "材料审查中 / Checking your materials"
    # Legal Aid Law art. 43: decided within 7 days of receipt (Monday 9 -> Monday 16 March).
    assert due(case) == at(16)
    received = milestone(case["id"], "legal_aid.received")
    assert datetime.fromisoformat(received["decision_due"]) == at(16)
    assert received["channel"] == "online" and received["advance_aid"] is False

    case = materials_complete(client_for, case["id"])
    assert case["stage"] == "审查中 / Under review"
    assert open_task_ids(case) == ["decide"] and due(case) == at(16)
    # 1000 a head against Shenyang's 1500 (Heping 210102 has no threshold of its own).
    assert case["data"]["income_threshold"]["region_code"] == "210100"
    assert case["data"]["hardship"] == "meets"

    case = grant(client_for, case["id"])
    assert case["stage"] == "已决定给予援助，正在指派律师 / Aid granted: assigning a lawyer"
    assert milestone(case["id"], "legal_aid.decided") == {
        "bpmn_id": "decided",
        "outcome": "grant",
        "decision_due": received["decision_due"],
    }
    # Assignment within 3 days of the grant (Monday 9 -> Thursday 12 March), with the caseworker.
    assert due(case) == at(12)
    assert datetime.fromisoformat(milestone(case["id"], "legal_aid.granted")["assignment_due"]) == at(12)
    assert open_task(client_for("caseworker"), case["id"], "issue_assignment")["assignee"] is None
    assert case["data"]["lawyer_pick"]["lawyer"] == "lawyer"

    case = issue_letter(client_for, case["id"])
    assert case["stage"] == "律师办理中 / A lawyer is handling your case"
    assert milestone(case["id"], "legal_aid.assigned")["assigned_lawyer"] == "lawyer"
    handling = open_task(client_for("lawyer"), case["id"], "handle_case")
    assert handling["assignee"]["username"] == "lawyer"
    assert case["next_deadline"] is None  # a case takes as long as the court does

    case = close_case(client_for, case["id"], "lawyer")
    assert case["stage"] == "结案审查中 / Closing under review"
    case = check_quality(client_for, case["id"], "excellent")
    assert case["stage"] == "已办结，请评价服务 / Case closed: please rate our service"
    subsidy = milestone(case["id"], "legal_aid.subsidy")["subsidy"]
    assert subsidy["amount"] == 2000.0 and subsidy["effective_to"] == "2026-03-31"
    assert due(case) == at(24)  # the applicant has 15 days to rate the service

    case = rate_service(client_for, case["id"], "excellent")
    assert case["status"] == "completed" and case["stage"] == "已结案 / Case closed"
    assert milestone(case["id"], "legal_aid.rated")["rating"] == "excellent"
    assert milestones(case["id"]) == [
        "legal_aid.received",
        "legal_aid.decided",
        "legal_aid.granted",
        "legal_aid.lawyer_proposed",
        "legal_aid.assigned",
        "legal_aid.closing_submitted",
        "legal_aid.subsidy",
        "legal_aid.rated",
        "legal_aid.closed",
    ]


def test_a_refusal_needs_written_reasons_and_an_upheld_objection_goes_back_to_assignment(
    client_for, legal_aid, clock, steps
):
    case = apply_online(client_for, monthly_income_per_capita=3200)
    case = materials_complete(client_for, case["id"])
    assert case["data"]["hardship"] == "exceeds"
    refused = refused_form(client_for("reviewer"), case["id"], "decide", {"outcome": "refuse"})
    assert {"data.refusal_reasons", "data.legal_basis"} <= set(refused)

    case = refuse(client_for, case["id"])
    assert case["stage"] == "不予援助，可提出异议 / Aid refused: you may object"
    assert milestone(case["id"], "legal_aid.refused")["refusal_reasons"].startswith("家庭人均月收入")
    assert due(case) == at(24)  # the objection window, 15 days

    case = do_task(
        client_for("applicant"),
        case["id"],
        "object_refusal",
        {"objects": True, "objection_grounds": "家中有重病患者，医疗支出巨大 / Heavy medical costs at home"},
    )
    assert case["stage"] == "异议审查中 / Objection under review"
    # Legal Aid Law art. 49: the justice bureau decides within 5 days; 14 March is a Saturday,
    # so the period runs on to Monday 16 March.
    assert due(case) == at(16)
    assert datetime.fromisoformat(milestone(case["id"], "legal_aid.objection_filed")["objection_due"]) == at(
        16
    )

    case = do_task(
        client_for("supervisor"),
        case["id"],
        "decide_objection",
        {
            "objection_outcome": "upheld",
            "objection_reasons": "医疗支出应予扣除，符合经济困难条件 / Medical costs count",
        },
    )
    assert case["stage"] == "已决定给予援助，正在指派律师 / Aid granted: assigning a lawyer"
    assert milestone(case["id"], "legal_aid.objection_decided")["objection_outcome"] == "upheld"
    assert open_task_ids(case) == ["issue_assignment"]
    case = issue_letter(client_for, case["id"])
    assert milestone(case["id"], "legal_aid.assigned")["assigned_lawyer"] == "lawyer"
    assert milestones(case["id"]) == [
        "legal_aid.received",
        "legal_aid.decided",
        "legal_aid.refused",
        "legal_aid.objection_filed",
        "legal_aid.objection_decided",
        "legal_aid.granted",
        "legal_aid.lawyer_proposed",
        "legal_aid.assigned",
    ]


def test_a_refusal_with_a_rejected_objection_closes_the_case(client_for, legal_aid, clock, steps):
    case = apply_online(client_for, monthly_income_per_capita=3200)
    materials_complete(client_for, case["id"])
    refuse(client_for, case["id"])
    do_task(
        client_for("applicant"),
        case["id"],
        "object_refusal",
        {"objects": True, "objection_grounds": "收入计算有误，应扣除赡养支出 / The income was miscounted"},
    )
    case = do_task(
        client_for("supervisor"),
        case["id"],
        "decide_objection",
        {
            "objection_outcome": "rejected",
            "objection_reasons": "收入核算无误，维持原决定 / The income is right",
        },
    )
    assert case["status"] == "completed"
    assert case["stage"] == "异议未获支持，不予援助 / Objection rejected: aid refused"
    assert case["tasks"] == [] and case["timers"] == []
    assert milestone(case["id"], "legal_aid.objection_decided")["objection_outcome"] == "rejected"
    assert "legal_aid.granted" not in milestones(case["id"])


def test_a_refusal_not_objected_to_within_the_window_becomes_final(client_for, legal_aid, clock, steps):
    case = apply_online(client_for, monthly_income_per_capita=3200)
    materials_complete(client_for, case["id"])
    case = refuse(client_for, case["id"])
    fired = fire_timers_until(clock, due(case) + timedelta(seconds=2))
    assert [timer.bpmn_id for timer in fired] == ["objection_window_over"]
    case = client_for("applicant").get(f"/api/v1/instances/{case['id']}").json()
    assert case["status"] == "completed" and case["stage"] == "不予法律援助 / Legal aid refused"


def test_incomplete_materials_are_listed_once_and_supplementing_resumes_the_review(
    client_for, legal_aid, clock, steps
):
    case = apply_online(client_for, materials=["id_document", "application_form"])
    # 一次性告知: everything missing, as a list; an empty list is refused.
    empty = refused_form(
        client_for("caseworker"), case["id"], "check_completeness", {"materials_complete": False}
    )
    assert "data.missing_materials" in empty
    missing = [
        {
            "material": "hardship_statement",
            "detail": "家庭经济困难状况说明表，须签字 / Signed hardship statement",
        },
        {"material": "case_documents", "detail": "租赁合同及押金收据 / Lease and deposit receipt"},
    ]
    case = do_task(
        client_for("caseworker"),
        case["id"],
        "check_completeness",
        {"materials_complete": False, "missing_materials": missing},
    )
    assert case["stage"] == "待补充材料 / Waiting for the missing material"
    assert due(case) == at(24)  # 15 days to supplement
    requested = milestone(case["id"], "legal_aid.supplement_requested")
    assert requested["missing_materials"] == missing

    clock.shift(days=4)  # the applicant comes back on Friday 13 March
    case = do_task(
        client_for("applicant"),
        case["id"],
        "supplement",
        {"supplied_materials": ["hardship_statement", "case_documents"]},
    )
    assert case["stage"] == "材料审查中 / Checking your materials"
    # The 4 days the case waited for the applicant do not count: due 16 + 4 = 20 March.
    assert due(case) == at(20)
    assert milestone(case["id"], "legal_aid.supplemented")["paused_days"] == 4

    case = do_task(client_for("caseworker"), case["id"], "check_supplement", {"supplement_complete": True})
    assert open_task_ids(case) == ["decide"] and due(case) == at(20)
    case = grant(client_for, case["id"])
    assert milestone(case["id"], "legal_aid.decided")["decision_due"] == case["data"]["decision_due"]


def test_no_supplement_by_the_deadline_counts_as_withdrawn(client_for, legal_aid, clock, steps):
    case = apply_online(client_for)
    case = do_task(
        client_for("caseworker"),
        case["id"],
        "check_completeness",
        {"materials_complete": False, "missing_materials": [{"material": "hardship_statement"}]},
    )
    supplement_due = due(case)
    warn = datetime.fromisoformat(case["data"]["supplement_warn"])
    assert fire_timers_until(clock, warn + timedelta(seconds=2))[0].bpmn_id == "supplement_reminder"
    assert (
        milestone(case["id"], "legal_aid.supplement_reminder")["supplement_due"]
        == case["data"]["supplement_due"]
    )
    still = client_for("applicant").get(f"/api/v1/instances/{case['id']}").json()
    assert still["status"] == "running" and open_task_ids(still) == ["supplement"]

    fired = fire_timers_until(clock, supplement_due + timedelta(seconds=2))
    assert [timer.bpmn_id for timer in fired] == ["supplement_expired"]
    case = client_for("applicant").get(f"/api/v1/instances/{case['id']}").json()
    assert case["status"] == "completed" and case["stage"] == "视为撤回 / Treated as withdrawn"
    assert case["tasks"] == [] and case["next_deadline"] is None
    assert milestones(case["id"])[-1] == "legal_aid.withdrawn"


def test_a_supplement_still_short_of_what_was_listed_counts_as_withdrawn(client_for, legal_aid, clock, steps):
    case = apply_online(client_for)
    do_task(
        client_for("caseworker"),
        case["id"],
        "check_completeness",
        {"materials_complete": False, "missing_materials": [{"material": "case_documents"}]},
    )
    do_task(client_for("applicant"), case["id"], "supplement", {"supplied_materials": ["other"]})
    short = refused_form(
        client_for("caseworker"), case["id"], "check_supplement", {"supplement_complete": False}
    )
    assert "data.supplement_shortfall" in short
    case = do_task(
        client_for("caseworker"),
        case["id"],
        "check_supplement",
        {"supplement_complete": False, "supplement_shortfall": "仍未提交租赁合同 / Still no lease"},
    )
    assert case["status"] == "completed" and case["stage"] == "视为撤回 / Treated as withdrawn"


def test_a_limitation_period_ending_within_7_days_gets_a_lawyer_before_the_review_ends(
    client_for, legal_aid, clock, steps
):
    case = apply_online(client_for, limitation_period_ends="2026-03-13")
    # Legal Aid Law art. 44: aid starts at once, beside the review.
    assert sorted(open_task_ids(case)) == ["advance_aid", "check_completeness"]
    assert case["stage"] == "先行援助中，审查继续 / Advance aid under way while the review goes on"
    assert milestone(case["id"], "legal_aid.advance_aid") == {
        "bpmn_id": "advance_started",
        "assigned_lawyer": "lawyer",
        "advance_reasons": ["limitation_period"],
    }
    aid = open_task(client_for("lawyer"), case["id"], "advance_aid")
    assert aid["assignee"]["username"] == "lawyer"
    assert datetime.fromisoformat(aid["due_at"]) == at(13)  # the limitation date itself

    case = do_task(
        client_for("lawyer"),
        case["id"],
        "advance_aid",
        {
            "advance_actions": ["filed_claim"],
            "advance_report": "已于时效届满前向和平区法院起诉 / Claim filed in time",
        },
    )
    assert case["stage"] == "材料审查中 / Checking your materials"
    materials_complete(client_for, case["id"])
    case = grant(client_for, case["id"])
    # The lawyer already acting stays on: no new pick, the caseworker issues the letter.
    assert "pick_lawyer" not in steps_run(case)
    case = issue_letter(client_for, case["id"])
    assert milestone(case["id"], "legal_aid.assigned")["assigned_lawyer"] == "lawyer"
    assert open_task(client_for("lawyer"), case["id"], "handle_case")["assignee"]["username"] == "lawyer"


def test_urgent_preservation_also_starts_advance_aid_but_a_distant_limitation_does_not(
    client_for, legal_aid, clock, steps
):
    urgent = apply_online(client_for, preservation_urgent=True, limitation_period_ends="2026-12-31")
    assert "advance_aid" in open_task_ids(urgent)
    assert milestone(urgent["id"], "legal_aid.advance_aid")["advance_reasons"] == ["preservation"]
    # A limitation period ending in exactly 7 days is not "under 7 days".
    calm = apply_online(client_for, limitation_period_ends="2026-03-16")
    assert open_task_ids(calm) == ["check_completeness"]
    assert "legal_aid.advance_aid" not in milestones(calm["id"])


def test_withdrawal_ends_advance_aid_too(client_for, legal_aid, clock, steps):
    case = apply_online(client_for, preservation_urgent=True)
    do_task(
        client_for("caseworker"),
        case["id"],
        "check_completeness",
        {"materials_complete": False, "missing_materials": [{"material": "case_documents"}]},
    )
    fire_timers_until(clock, datetime.fromisoformat(case["data"]["decision_due"]) + timedelta(days=30))
    case = client_for("lawyer").get(f"/api/v1/instances/{case['id']}").json()
    assert case["status"] == "completed" and case["stage"] == "视为撤回 / Treated as withdrawn"
    assert case["tasks"] == []


def test_an_exempt_applicant_skips_the_hardship_check(client_for, legal_aid, clock, steps):
    case = apply_online(
        client_for,
        exemption_category="migrant_worker_wages",
        case_type="labour",
        family_size=None,
        monthly_income_per_capita=None,
        matter="建筑工地拖欠三个月工资 / Three months' wages unpaid on a building site",
    )
    case = materials_complete(client_for, case["id"])
    assert open_task_ids(case) == ["decide"]
    assert "hardship" not in case["data"] and "income_threshold" not in case["data"]
    assert not {"fetch_threshold", "hardship_check"} & set(steps_run(case))
    assert milestone(case["id"], "legal_aid.received")["exemption_category"] == "migrant_worker_wages"
    case = grant(client_for, case["id"])
    assert "legal_aid.granted" in milestones(case["id"])


def test_a_failed_quality_check_sends_the_closing_back_to_the_lawyer(client_for, legal_aid, clock, steps):
    case = apply_online(client_for)
    materials_complete(client_for, case["id"])
    grant(client_for, case["id"])
    issue_letter(client_for, case["id"])
    close_case(client_for, case["id"], "lawyer")
    refused = refused_form(client_for("reviewer"), case["id"], "check_quality", {"quality": "fail"})
    assert "data.quality_comments" in refused
    case = check_quality(client_for, case["id"], "fail", quality_comments="缺少调解协议书 / No settlement")
    assert case["stage"] == "律师办理中 / A lawyer is handling your case"
    assert open_task(client_for("lawyer"), case["id"], "handle_case")["assignee"]["username"] == "lawyer"
    close_case(client_for, case["id"], "lawyer")
    case = check_quality(client_for, case["id"], "pass")
    assert open_task_ids(case) == ["survey"]


def test_an_overdue_decision_warns_first_then_goes_to_the_justice_bureau(client_for, legal_aid, clock, steps):
    case = apply_online(client_for)
    case = materials_complete(client_for, case["id"])
    warn = datetime.fromisoformat(case["data"]["decision_warn"])
    assert [t.bpmn_id for t in fire_timers_until(clock, warn + timedelta(seconds=2))] == ["decision_warning"]
    assert "legal_aid.decision_warning" in milestones(case["id"])
    fired = fire_timers_until(clock, due(case) + timedelta(seconds=2))
    assert [timer.bpmn_id for timer in fired] == ["decision_overdue"]
    case = client_for("supervisor").get(f"/api/v1/instances/{case['id']}").json()
    assert sorted(open_task_ids(case)) == ["decide", "follow_up_decision"]
    assert case["stage"] == "审查中 / Under review"  # the decision is still the work in hand
    do_task(
        client_for("supervisor"),
        case["id"],
        "follow_up_decision",
        {"follow_up_instruction": "今日内决定 / Today"},
    )
    case = grant(client_for, case["id"])
    assert milestone(case["id"], "legal_aid.decided")["outcome"] == "grant"
