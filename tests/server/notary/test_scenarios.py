"""Notary intake driven through the API as the people who use it: applicant, caseworker,
notary, reviewer and director."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from server.audit.models import Event
from server.notary.models import LegalAidQuotaEntry
from server.processes.models import HumanTask, TaskStatus
from tests.server.conftest import do_task, fire_timers_until, open_task, start_case
from tests.server.notary.conftest import (
    ACCEPT,
    ADULT_ID,
    ELDERLY_ID,
    HANDLED,
    PASS,
    PROCESS,
    application,
    assigned_notary,
    issue,
    refused_form,
    send_back,
    through_checks,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def milestones(case_id: int) -> list[str]:
    return list(
        Event.objects.filter(instance_id=case_id, action__startswith="notary.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def milestone(case_id: int, action: str) -> dict:
    return Event.objects.filter(instance_id=case_id, action=action).order_by("id").first().detail


def stage_seen_by_applicant(client_for, case_id: int, username: str = "applicant") -> str:
    case = client_for(username).get(f"/api/v1/instances/{case_id}")
    assert case.status_code == 200, case.content
    return case.json()["stage"]


def queue(client, process: str = PROCESS) -> list[tuple[int, str, int]]:
    response = client.get("/api/v1/tasks", {"process": process})
    assert response.status_code == 200, response.content
    return [(row["instance"], row["bpmn_id"], row["priority"]) for row in response.json()["results"]]


def test_an_ordinary_case_goes_from_booking_to_an_issued_certificate(
    client_for, notary_process, clock, steps
):
    case = start_case(client_for("applicant"), PROCESS, application())
    case_id = case["id"]
    assert [task["bpmn_id"] for task in case["tasks"]] == ["accept"]
    assert case["data"]["age"] == 35 and case["data"]["green_channel"] is False
    assert stage_seen_by_applicant(client_for, case_id) == "受理审查中 / Being checked for acceptance"
    assert milestones(case_id) == ["notary.received"]

    accepted = do_task(client_for("caseworker"), case_id, "accept", ACCEPT)
    due = datetime(2026, 3, 30, 23, 59, 59, tzinfo=SHANGHAI)  # 15 working days after Mon 9 March
    assert datetime.fromisoformat(accepted["data"]["certificate_due"]) == due
    assert datetime.fromisoformat(milestone(case_id, "notary.accepted")["certificate_due"]) == due
    assert accepted["data"]["acceptance"]["number"] == "(2026)LN-SY-HP公受字第00001号"
    handle = open_task(client_for("notary"), case_id, "handle")
    assert handle["assignee"]["username"] == "notary" and handle["priority"] == 50
    assert datetime.fromisoformat(handle["due_at"]) == due
    assert {timer["bpmn_id"] for timer in accepted["timers"]} == {
        "certificate_warning",
        "certificate_overdue",
    }
    assert stage_seen_by_applicant(client_for, case_id) == "公证员办理中 / A notary is handling your matter"

    do_task(client_for("notary"), case_id, "handle", HANDLED)
    assert (
        stage_seen_by_applicant(client_for, case_id)
        == "质量检查中（公证员自查）/ Quality check: the notary's own check"
    )
    do_task(client_for("notary"), case_id, "self_check", PASS["self_check"])
    assert (
        stage_seen_by_applicant(client_for, case_id)
        == "质量检查中（审批人复核）/ Quality check: the reviewer's check"
    )
    do_task(client_for("reviewer"), case_id, "review", PASS["review"])
    assert stage_seen_by_applicant(client_for, case_id) == (
        "质量检查中（负责人抽查）/ Quality check: the director's spot check"
    )
    do_task(client_for("director"), case_id, "spot_check", PASS["spot_check"])
    assert stage_seen_by_applicant(client_for, case_id) == (
        "质量检查通过，出具公证书中 / Checks passed: the certificate is being issued"
    )
    done = issue(client_for, case_id)

    assert done["status"] == "completed" and done["timers"] == [] and done["tasks"] == []
    assert stage_seen_by_applicant(client_for, case_id) == "已出具公证书 / Certificate issued"
    assert milestones(case_id) == ["notary.received", "notary.accepted", "notary.certificate_issued"]
    issued = milestone(case_id, "notary.certificate_issued")
    assert datetime.fromisoformat(issued["issued_at"]) <= due and issued["fee_waiver"] == "none"
    assert not LegalAidQuotaEntry.objects.exists()  # not a legal-aid case


def test_a_refusal_must_give_reasons_and_closes_the_case(client_for, notary_process, clock, steps):
    case = start_case(client_for("applicant"), PROCESS, application())
    refused = refused_form(client_for("caseworker"), case["id"], "accept", {"acceptance_decision": "refuse"})
    assert "data.refusal_reasons" in refused["errors"]
    reasons = "申请事项不属于本公证处执业区域 / The matter is outside this office's area"
    closed = do_task(
        client_for("caseworker"),
        case["id"],
        "accept",
        {"acceptance_decision": "refuse", "refusal_reasons": reasons},
    )
    assert closed["status"] == "completed"
    assert stage_seen_by_applicant(client_for, case["id"]) == "不予受理 / Not accepted"
    assert milestones(case["id"]) == ["notary.received", "notary.refused"]
    assert milestone(case["id"], "notary.refused")["refusal_reasons"] == reasons


def test_a_wrong_id_number_goes_back_to_the_applicant_before_acceptance(
    client_for, notary_process, clock, steps
):
    wrong = ELDERLY_ID[:-1] + ("0" if ELDERLY_ID[-1] != "0" else "1")
    case = start_case(client_for("applicant"), PROCESS, application(id_number=wrong))
    assert [task["bpmn_id"] for task in case["tasks"]] == ["correct_id"]
    assert stage_seen_by_applicant(client_for, case["id"]) == "请更正身份证号 / Please correct your ID number"
    assert "check digit" in case["data"]["id_check"]["message"]
    assert milestones(case["id"]) == []  # not received until the applicant can be identified
    corrected = do_task(
        client_for("applicant"), case["id"], "correct_id", {"corrected_id_number": ELDERLY_ID}
    )
    assert [task["bpmn_id"] for task in corrected["tasks"]] == ["accept"]
    assert corrected["data"]["applicant"]["id_number"] == ELDERLY_ID
    # The age now read from the corrected number puts the applicant in the green channel.
    assert corrected["data"]["age"] == 76 and corrected["data"]["green_channel"] is True
    assert corrected["tasks"][0]["priority"] == 95


def test_a_caseworker_recording_a_walk_in_appointment_corrects_a_mistyped_id_number(
    client_for, notary_process, clock, steps
):
    wrong = ADULT_ID[:-1] + ("0" if ADULT_ID[-1] != "0" else "1")
    case = start_case(client_for("caseworker"), PROCESS, application(id_number=wrong))
    assert case["applicant"] is None  # recorded at the window for someone without an account
    corrected = do_task(client_for("caseworker"), case["id"], "correct_id", {"corrected_id_number": ADULT_ID})
    assert [task["bpmn_id"] for task in corrected["tasks"]] == ["accept"]
    assert milestones(case["id"]) == ["notary.received"]


def test_a_green_channel_case_is_first_in_every_queue_has_its_fee_waived_and_gets_a_home_visit(
    client_for, notary_process, clock, steps
):
    ordinary = start_case(client_for("applicant2"), PROCESS, application())
    clock.shift(minutes=30)
    green = start_case(
        client_for("applicant"),
        PROCESS,
        application(
            id_number=ELDERLY_ID,
            low_income=True,
            wants_visit=True,
            visit_place="home",
            visit_address="和平区南湖路 1 号 / 1 Nanhu Road",
        ),
    )
    data = green["data"]
    assert data["green_channel"] is True and data["visit_eligible"] is True
    assert data["fee_waiver"] == "waived" and data["fee_reason"].startswith("低收入群体")
    received = milestone(green["id"], "notary.received")
    assert received["green_channel"] is True and received["fee_waiver"] == "waived"

    # The caseworker's queue: the green case first although it came in half an hour later.
    assert queue(client_for("caseworker")) == [(green["id"], "accept", 95), (ordinary["id"], "accept", 50)]
    do_task(client_for("caseworker"), ordinary["id"], "accept", ACCEPT)
    after = do_task(client_for("caseworker"), green["id"], "accept", ACCEPT)

    # The least-loaded notary takes it: notary already holds the ordinary case.
    assert assigned_notary(client_for("notary2"), green["id"], "visit") == "notary2"
    assert after["stage"] == "公证员上门或到院服务 / A notary visits you at home or in hospital"
    # Every notary's queue shows the green case first too.
    for username in ("notary", "notary2"):
        assert queue(client_for(username))[0] == (green["id"], "visit", 95)
        assert (ordinary["id"], "handle", 50) in queue(client_for(username))

    do_task(
        client_for("notary2"),
        green["id"],
        "visit",
        {"visit_date": "2026-03-10", "visit_place": "home", "identity_confirmed": True},
    )
    assert milestone(green["id"], "notary.visited")["visit_place"] == "home"
    through_checks(client_for, green["id"], notary="notary2")
    done = issue(client_for, green["id"], notary="notary2", fee=0)
    assert done["status"] == "completed"
    assert milestone(green["id"], "notary.certificate_issued")["fee_waiver"] == "waived"
    priorities = set(HumanTask.objects.filter(instance_id=green["id"]).values_list("priority", flat=True))
    assert priorities == {95}  # top priority on every task of the case


def test_a_green_channel_applicant_who_can_travel_gets_no_visit(client_for, notary_process, clock, steps):
    case = start_case(
        client_for("applicant"),
        PROCESS,
        application(military_family=True, wants_visit=True, visit_place="home", visit_address="和平区 1 号"),
    )
    assert case["data"]["green_channel"] is True and case["data"]["fee_waiver"] == "reduced"
    assert case["data"]["visit_eligible"] is False
    after = do_task(client_for("caseworker"), case["id"], "accept", ACCEPT)
    assert [task["bpmn_id"] for task in after["tasks"]] == ["handle"]
    assert after["tasks"][0]["priority"] == 95


def test_each_quality_check_level_can_send_the_case_back_and_it_then_goes_through_all_checks_again(
    client_for, notary_process, clock, steps
):
    case_id = start_case(client_for("applicant"), PROCESS, application())["id"]
    do_task(client_for("caseworker"), case_id, "accept", ACCEPT)

    # 1. The notary's own check sends it back; a send-back without a reason is refused.
    do_task(client_for("notary"), case_id, "handle", HANDLED)
    missing = refused_form(client_for("notary"), case_id, "self_check", {"self_check_result": "return"})
    assert "data.self_check_reason" in missing["errors"]
    back = do_task(
        client_for("notary"),
        case_id,
        "self_check",
        send_back("self_check", "漏填当事人住址 / Address missing"),
    )
    assert [task["bpmn_id"] for task in back["tasks"]] == ["handle"]
    assert back["data"]["return_level"] == "self_check" and back["data"]["return_reason"].startswith("漏填")
    assert stage_seen_by_applicant(client_for, case_id) == "公证员办理中 / A notary is handling your matter"

    # 2. The reviewer sends it back: handled again, then the own check again before the review.
    do_task(client_for("notary"), case_id, "handle", HANDLED)
    do_task(client_for("notary"), case_id, "self_check", PASS["self_check"])
    missing = refused_form(client_for("reviewer"), case_id, "review", {"review_result": "return"})
    assert "data.review_reason" in missing["errors"]
    back = do_task(client_for("reviewer"), case_id, "review", send_back("review"))
    assert [task["bpmn_id"] for task in back["tasks"]] == ["handle"]
    assert open_task(client_for("notary"), case_id, "handle")["assignee"]["username"] == "notary"

    # 3. The director's spot check sends it back: all three checks run again.
    do_task(client_for("notary"), case_id, "handle", HANDLED)
    do_task(client_for("notary"), case_id, "self_check", PASS["self_check"])
    do_task(client_for("reviewer"), case_id, "review", PASS["review"])
    missing = refused_form(client_for("director"), case_id, "spot_check", {"spot_check_result": "return"})
    assert "data.spot_check_reason" in missing["errors"]
    back = do_task(
        client_for("director"), case_id, "spot_check", send_back("spot_check", "公证书用语不规范 / Wording")
    )
    assert [task["bpmn_id"] for task in back["tasks"]] == ["handle"]
    assert back["data"]["return_level"] == "spot_check" and back["data"]["quality_returns"] == 3

    at_issue = through_checks(client_for, case_id)
    assert [task["bpmn_id"] for task in at_issue["tasks"]] == ["issue"]
    assert issue(client_for, case_id)["status"] == "completed"
    assert milestones(case_id) == [
        "notary.received",
        "notary.accepted",
        "notary.returned_self_check",
        "notary.returned_review",
        "notary.returned_spot_check",
        "notary.certificate_issued",
    ]
    assert milestone(case_id, "notary.returned_spot_check")["return_reason"] == "公证书用语不规范 / Wording"
    completed = HumanTask.objects.filter(instance_id=case_id, status=TaskStatus.COMPLETED)
    assert completed.filter(bpmn_id="self_check").count() == 4  # every round went through the own check
    assert completed.filter(bpmn_id="review").count() == 3
    assert completed.filter(bpmn_id="spot_check").count() == 2


def test_a_certificate_past_its_deadline_warns_then_escalates_to_the_director(
    client_for, notary_process, clock, steps
):
    case_id = start_case(client_for("applicant"), PROCESS, application())["id"]
    accepted = do_task(client_for("caseworker"), case_id, "accept", ACCEPT)
    due = datetime.fromisoformat(accepted["data"]["certificate_due"])
    warn = datetime.fromisoformat(accepted["data"]["certificate_warn"])
    assert warn == datetime(2026, 3, 25, 9, 0, tzinfo=SHANGHAI)  # 3 working days before the due day
    do_task(client_for("notary"), case_id, "handle", HANDLED)

    fired = fire_timers_until(clock, warn + timedelta(seconds=1))
    assert [timer.bpmn_id for timer in fired] == ["certificate_warning"]
    assert "notary.certificate_warning" in milestones(case_id)
    assert [
        task["bpmn_id"] for task in client_for("notary").get(f"/api/v1/instances/{case_id}").json()["tasks"]
    ] == ["self_check"]

    fired = fire_timers_until(clock, due + timedelta(seconds=1))
    assert [timer.bpmn_id for timer in fired] == ["certificate_overdue"]
    assert (
        milestone(case_id, "notary.certificate_overdue")["certificate_due"]
        == accepted["data"]["certificate_due"]
    )
    director_queue = queue(client_for("director"))
    assert (case_id, "follow_up_overdue", 50) in director_queue
    # The work goes on: the notary's check is still open, and now shows as overdue.
    self_check = open_task(client_for("notary"), case_id, "self_check")
    assert self_check["overdue"] is True
    followed = do_task(
        client_for("director"),
        case_id,
        "follow_up_overdue",
        {
            "follow_up_instruction": "两日内办结并说明原因 / Finish within two days",
            "delay_reason": "workload",
        },
    )
    assert [task["bpmn_id"] for task in followed["tasks"]] == ["self_check"]
    do_task(client_for("notary"), case_id, "self_check", PASS["self_check"])
    do_task(client_for("reviewer"), case_id, "review", PASS["review"])
    do_task(client_for("director"), case_id, "spot_check", PASS["spot_check"])
    done = issue(client_for, case_id)
    assert done["status"] == "completed"
    assert stage_seen_by_applicant(client_for, case_id) == "已出具公证书 / Certificate issued"
    issued = milestone(case_id, "notary.certificate_issued")
    assert datetime.fromisoformat(issued["issued_at"]) > due


def test_an_escalation_still_open_when_the_certificate_is_issued_is_withdrawn(
    client_for, notary_process, clock, steps
):
    case_id = start_case(client_for("applicant"), PROCESS, application())["id"]
    accepted = do_task(client_for("caseworker"), case_id, "accept", ACCEPT)
    fire_timers_until(
        clock, datetime.fromisoformat(accepted["data"]["certificate_due"]) + timedelta(seconds=1)
    )
    through_checks(client_for, case_id)
    done = issue(client_for, case_id)
    assert done["status"] == "completed" and done["tasks"] == []
    follow_up = HumanTask.objects.get(instance_id=case_id, bpmn_id="follow_up_overdue")
    assert follow_up.status == TaskStatus.CANCELLED


def test_the_15_working_day_deadline_skips_national_day_and_counts_the_make_up_saturday(
    client_for, notary_process, clock, steps
):
    clock.move_to(datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI))  # Monday before National Day
    case_id = start_case(client_for("applicant"), PROCESS, application())["id"]
    accepted = do_task(client_for("caseworker"), case_id, "accept", ACCEPT)
    # 29, 30 Sep; (1-7 Oct off) 8, 9, Sat 10 (make-up), 12-16, 19-23 Oct: the 15th is Fri 23 Oct.
    due = datetime(2026, 10, 23, 23, 59, 59, tzinfo=SHANGHAI)
    assert datetime.fromisoformat(accepted["data"]["certificate_due"]) == due
    assert datetime.fromisoformat(accepted["next_deadline"]) == due
    assert datetime.fromisoformat(open_task(client_for("notary"), case_id, "handle")["due_at"]) == due
    timers = {timer["bpmn_id"]: datetime.fromisoformat(timer["due_at"]) for timer in accepted["timers"]}
    assert timers == {
        "certificate_overdue": due,
        "certificate_warning": datetime(2026, 10, 20, 9, 0, tzinfo=SHANGHAI),
    }
    assert datetime.fromisoformat(milestone(case_id, "notary.accepted")["certificate_due"]) == due


def recipient_number(case: dict) -> str:
    return case["data"]["acceptance"]["number"]


def test_legal_aid_notary_cases_count_toward_the_notarys_yearly_quota(
    client_for, notary_process, clock, steps
):
    recipient = start_case(client_for("applicant"), PROCESS, application(legal_aid_recipient=True))
    referred = start_case(client_for("applicant2"), PROCESS, application(legal_aid_matter=True))
    for case in (recipient, referred):
        assert case["data"]["legal_aid_case"] is True
        assert case["data"]["fee_waiver"] == "waived" and case["data"]["green_channel"] is True
        do_task(client_for("caseworker"), case["id"], "accept", ACCEPT)
    # The first acceptance leaves notary busier, so the second case goes to notary2.
    assert assigned_notary(client_for("notary"), recipient["id"]) == "notary"
    assert assigned_notary(client_for("notary2"), referred["id"]) == "notary2"
    through_checks(client_for, recipient["id"])
    first = issue(client_for, recipient["id"], fee=0)
    assert first["data"]["quota"] == {
        "notary": "notary",
        "year": 2026,
        "case_number": recipient_number(first),
        "count": 1,
        "target": 3,
        "met": False,
        "recorded": True,
    }
    assert milestone(recipient["id"], "notary.legal_aid_counted")["quota"]["count"] == 1
    through_checks(client_for, referred["id"], notary="notary2")
    issue(client_for, referred["id"], notary="notary2", fee=0)
    entries = LegalAidQuotaEntry.objects.order_by("id")
    assert [(e.notary.username, e.year, e.case_number) for e in entries] == [
        ("notary", 2026, recipient_number(first)),
        ("notary2", 2026, "(2026)LN-SY-HP公受字第00002号"),
    ]
    quota = client_for("director").get("/api/v1/notary/stats").json()["legal_aid_quota"]
    assert quota["year"] == 2026
    assert [(row["notary"], row["count"], row["target"], row["met"]) for row in quota["notaries"]] == [
        ("notary", 1, 3, False),
        ("notary2", 1, 3, False),
    ]
