"""People's mediation, driven through the API as the parties and staff would drive it."""

from datetime import datetime, timedelta

from rest_framework.test import APIClient

from server.processes.models import HumanTask
from tests.server.conftest import do_task, fire_timers_until, open_task
from tests.server.mediation.conftest import (
    ADMIN_FAILED,
    ADMIN_SUCCESS,
    FAILED,
    REFERRAL,
    SUCCESS,
    confirm,
    dispute,
    milestone_names,
    milestones,
    open_tasks,
    waiting_for,
)

CONFIRMATION_WINDOW = [("confirmation_received", "mediation.judicial_confirmation")]


def case_as(client, case: dict) -> dict:
    return client.get(f"/api/v1/instances/{case['id']}").json()


def test_an_agreement_opens_the_thirty_day_window_and_the_courts_message_closes_the_case_as_applied_for(
    mediation, bring, accept, client_for, clock, steps
):
    applicant, mediator = client_for("applicant"), client_for("mediator")
    case = bring()
    assert case["stage"] == "受理中 / Being accepted"
    assert case["data"]["id_check"]["valid"] is True  # the applicant's resident ID was checked
    case = accept(case)
    assert case["stage"] == "调解中 / Under mediation"
    session = open_task(mediator, case["id"], "session")
    assert session["assignee"]["username"] == "mediator"
    assert datetime.fromisoformat(session["due_at"]) == datetime.fromisoformat(case["data"]["mediation_due"])
    accepted = dict(milestones(case))["mediation.accepted"]
    assert accepted["mediation_due"] == case["data"]["mediation_due"]
    # 30 days from acceptance on Monday 9 March: the end of Wednesday 8 April.
    assert datetime.fromisoformat(accepted["mediation_due"]).date().isoformat() == "2026-04-08"

    clock.shift(days=3)
    case = do_task(
        mediator,
        case["id"],
        "session",
        {
            "session_outcome": "continue",
            "session_notes": "双方各自回去考虑",
            "next_session_date": "2026-03-16",
        },
    )
    assert open_tasks(case) == ["session"] and case["stage"] == "调解中 / Under mediation"
    clock.shift(days=4)
    case = do_task(mediator, case["id"], "session", SUCCESS)
    assert case_as(applicant, case)["stage"] == "司法确认申请期 / Judicial confirmation window"
    agreement = dict(milestones(case))["mediation.agreement"]
    assert agreement["mediation_level"] == "people"
    agreed_on = clock.now().date()
    window = datetime.fromisoformat(agreement["confirmation_due"])
    assert window.date() == agreed_on + timedelta(days=30)
    assert [timer["bpmn_id"] for timer in case["timers"]] == ["confirmation_window_passed"]
    # The case waits on an event-based gateway: the court's message, by case number, or the timer.
    assert case["tasks"] == [] and waiting_for(case) == CONFIRMATION_WINDOW
    assert case["waiting_for"][0]["correlation"] == {"case_number": case["business_key"]}

    clock.shift(days=9)
    # A field the message's schema does not declare is refused by name and nothing moves.
    refused = confirm(client_for("caseworker"), case, status=400, fee="waived")
    assert list(refused["errors"]) == ["data.fee"]
    assert case_as(client_for("caseworker"), case)["status"] == "running"
    answer = confirm(client_for("caseworker"), case, court_case_number="(2026)辽0102民特12号")
    assert (answer["outcome"], answer["bpmn_id"]) == ("delivered", "confirmation_received")
    case = case_as(client_for("caseworker"), case)
    assert case["status"] == "completed"
    assert case["data"]["court_case_number"] == "(2026)辽0102民特12号" and "fee" not in case["data"]
    assert case["stage"] == "调解成功，已申请司法确认 / Settled, judicial confirmation applied for"
    assert milestone_names(case) == [
        "mediation.received",
        "mediation.accepted",
        "mediation.assigned",
        "mediation.agreement",
        "mediation.confirmation_applied",
    ]
    assert dict(milestones(case))["mediation.confirmation_applied"]["confirmation_court"] == "和平区人民法院"
    assert case["timers"] == [] and case["waiting_for"] == []
    assert (
        case_as(applicant, case)["stage"]
        == "调解成功，已申请司法确认 / Settled, judicial confirmation applied for"
    )


def test_the_confirmation_window_closes_by_timer_when_the_court_sends_nothing_and_a_late_message_is_refused(
    mediation, bring, accept, client_for, clock, steps
):
    case = accept(bring())
    case = do_task(client_for("mediator"), case["id"], "session", SUCCESS)
    due = datetime.fromisoformat(case["data"]["confirmation_due"])
    assert fire_timers_until(clock, due - timedelta(hours=1)) == []
    fired = fire_timers_until(clock, due + timedelta(seconds=2))
    assert [timer.bpmn_id for timer in fired] == ["confirmation_window_passed"]
    after = case_as(client_for("applicant"), case)
    assert after["status"] == "completed"
    assert after["stage"] == "调解成功，已结案 / Settled by agreement, closed"
    assert after["tasks"] == []
    assert after["waiting_for"] == []
    names = [event["action"] for event in after["history"]]
    assert "mediation.confirmation_lapsed" in names and "mediation.confirmation_applied" not in names
    refused = confirm(client_for("caseworker"), case, status=404)
    assert "no case waits" in refused["detail"]


def test_a_failed_mediation_escalates_to_the_judicial_office_and_then_to_the_court(
    mediation, bring, accept, client_for, clock, steps
):
    station, applicant = client_for("station"), client_for("applicant")
    case = accept(bring())
    case = do_task(client_for("mediator"), case["id"], "session", FAILED)
    assert open_tasks(case) == ["administrative_mediation"]
    assert case_as(applicant, case)["stage"] == "司法所调解中 / Mediation at the township judicial office"
    escalated = [detail for action, detail in milestones(case) if action == "mediation.escalated"]
    assert [(e["escalation_level"], e["escalation_reason"]) for e in escalated] == [
        ("administrative", "failed")
    ]
    # Filed with the township judicial office, whose own caseworker (station) works it.
    task = HumanTask.objects.select_related("organisation").get(
        instance_id=case["id"], bpmn_id="administrative_mediation"
    )
    assert task.organisation.code == "LN-SY-HP-NH" and task.candidate_groups == ["caseworker"]

    clock.shift(days=5)
    case = do_task(station, case["id"], "administrative_mediation", ADMIN_FAILED)
    assert open_tasks(case) == ["refer"]
    assert case_as(applicant, case)["stage"] == "转司法调解或诉讼 / Being referred to the court"
    escalated = [detail for action, detail in milestones(case) if action == "mediation.escalated"]
    assert [(e["escalation_level"], e["escalation_reason"]) for e in escalated] == [
        ("administrative", "failed"),
        ("judicial", "failed"),
    ]

    case = do_task(station, case["id"], "refer", REFERRAL)
    assert case["status"] == "completed"
    assert (
        case_as(applicant, case)["stage"]
        == "已转司法调解或诉讼 / Referred to judicial mediation or the court"
    )
    assert dict(milestones(case))["mediation.referred"]["referral_type"] == "judicial_mediation"
    assert "mediation.agreement" not in milestone_names(case)


def test_a_high_risk_dispute_goes_at_once_to_the_township_office_and_is_reported_to_the_supervisor(
    mediation, bring, accept, client_for, clock, steps
):
    station, supervisor = client_for("station"), client_for("supervisor")
    threatening = dispute(
        dispute_type="family",
        facts="丈夫多次酒后扬言要拿刀砍人，女方及其家属情绪激动。",
        risk={"threats_of_violence": True, "weapons_mentioned": True},
    )
    case = accept(bring(threatening))
    assert case["data"]["risk_level"] == "high"
    # No mediator session: the township judicial office has it at once, the supervisor is told.
    assert open_tasks(case) == ["administrative_mediation", "risk_report"]
    names = milestone_names(case)
    assert "mediation.risk_escalated" in names and "mediation.assigned" not in names
    escalated = dict(milestones(case))["mediation.escalated"]
    assert (escalated["escalation_level"], escalated["escalation_reason"]) == ("administrative", "risk")
    assert dict(milestones(case))["mediation.risk_escalated"]["risk_reason"].startswith("提及凶器")
    assert case_as(client_for("applicant"), case)["stage"] == (
        "司法所调解中 / Mediation at the township judicial office"
    )

    station_queue = [task["bpmn_id"] for task in station.get("/api/v1/tasks").json()["results"]]
    supervisor_queue = [task["bpmn_id"] for task in supervisor.get("/api/v1/tasks").json()["results"]]
    assert "administrative_mediation" in station_queue and "risk_report" not in station_queue
    assert supervisor_queue == ["risk_report"]
    report = open_task(supervisor, case["id"], "risk_report")
    # Reported within a day of acceptance (People's Mediation Law art. 25).
    assert datetime.fromisoformat(report["due_at"]) - clock.now() <= timedelta(hours=24)
    assert open_task(station, case["id"], "administrative_mediation")["priority"] == 90

    case = do_task(
        supervisor,
        case["id"],
        "risk_report",
        {"police_informed": True, "risk_measures": ["separate_parties", "police_patrol"]},
    )
    assert open_tasks(case) == ["administrative_mediation"]
    case = do_task(station, case["id"], "administrative_mediation", ADMIN_SUCCESS)
    assert dict(milestones(case))["mediation.agreement"]["mediation_level"] == "administrative"
    assert open_tasks(case) == [] and waiting_for(case) == CONFIRMATION_WINDOW
    assert case["stage"] == "司法确认申请期 / Judicial confirmation window"


def test_a_mediation_past_thirty_days_escalates_to_administrative_mediation_by_timer(
    mediation, bring, accept, client_for, clock, steps
):
    mediator = client_for("mediator")
    case = accept(bring())
    due = datetime.fromisoformat(case["data"]["mediation_due"])
    warn = datetime.fromisoformat(open_task(mediator, case["id"], "session")["follow_up_at"])
    assert warn < due  # the mediator is reminded before the 30 days are up
    clock.shift(days=10)
    case = do_task(
        mediator,
        case["id"],
        "session",
        {"session_outcome": "continue", "session_notes": "对方未到场", "next_session_date": "2026-03-30"},
    )
    # Another session does not restart the clock: the deadline counts from acceptance; the
    # mediator is reminded on the day of the next session instead.
    next_session = open_task(mediator, case["id"], "session")
    assert datetime.fromisoformat(next_session["due_at"]) == due
    assert datetime.fromisoformat(next_session["follow_up_at"]).date().isoformat() == "2026-03-30"

    assert fire_timers_until(clock, due - timedelta(minutes=1)) == []
    fired = fire_timers_until(clock, due + timedelta(seconds=2))
    assert [timer.bpmn_id for timer in fired] == ["session_overdue"]

    after = case_as(client_for("station"), case)
    assert [task["bpmn_id"] for task in after["tasks"]] == ["administrative_mediation"]
    assert after["stage"] == "司法所调解中 / Mediation at the township judicial office"
    names = [event["action"] for event in after["history"]]
    assert names.count("mediation.overrun") == 1
    escalated = [e["detail"] for e in after["history"] if e["action"] == "mediation.escalated"]
    assert [(e["escalation_level"], e["escalation_reason"]) for e in escalated] == [
        ("administrative", "overrun")
    ]
    overrun = next(e["detail"] for e in after["history"] if e["action"] == "mediation.overrun")
    assert overrun["mediation_level"] == "people"  # the level that overran, as it stood at the timer
    administrative_due = datetime.fromisoformat(after["data"]["administrative_due"])
    assert datetime.fromisoformat(after["tasks"][0]["due_at"]) == administrative_due > due

    case = do_task(client_for("station"), case["id"], "administrative_mediation", ADMIN_SUCCESS)
    assert open_tasks(case) == [] and waiting_for(case) == CONFIRMATION_WINDOW


def test_a_complex_dispute_goes_to_the_grade_three_mediator_even_when_she_is_busier(
    mediation, bring, accept, client_for, clock, steps
):
    def assigned(data: dict) -> dict:
        case = accept(bring(data))
        task = next(task for task in case["tasks"] if task["bpmn_id"] == "session")
        return {"user": task["assignee"]["username"], **case["data"]["assignment"], "case": case}

    contract = dispute(dispute_type="contract", facts="装修工程款拖欠未付。", amount=20000)
    first, second = assigned(contract), assigned(contract)
    assert (first["user"], first["min_grade"]) == ("mediator2", 2)  # only mediator2 holds grade 2+
    assert second["user"] == "mediator2" and second["load"] == 1

    medical = dispute(dispute_type="medical", facts="手术后出现并发症，患者家属要求医院赔偿。", amount=80000)
    complex_case = assigned(medical)
    assert complex_case["case"]["data"]["complexity"] == "complex"
    assert (complex_case["user"], complex_case["grade"], complex_case["load"]) == ("mediator2", 3, 2)

    simple = assigned(dispute())
    assert (simple["user"], simple["grade"], simple["load"]) == ("mediator", 1, 0)  # the less busy one
    assigned_event = dict(milestones(complex_case["case"]))["mediation.assigned"]
    assert (assigned_event["complexity"], assigned_event["min_grade"]) == ("complex", 3)


def test_committee_staff_record_a_dispute_and_a_mediator_accepts_it_even_with_a_bad_id_number(
    mediation, bring, accept, client_for, clock, steps
):
    walk_in = dispute(
        parties=[
            {
                "name": "赵六",
                "role": "applicant",
                "contact": "13900000003",
                "id_number": "110105194912310021",
            },
            {"name": "孙七", "role": "respondent", "contact": "13900000004"},
        ]
    )
    case = bring(walk_in, as_user="station")
    assert case["applicant"] is None and case["organisation"]["code"] == "LN-SY-HP-NH"
    assert case["data"]["id_check"]["valid"] is False  # wrong check digit: flagged, not refused
    case = accept(case, as_user="mediator")
    assert "mediation.accepted" in milestone_names(case)
    case = do_task(client_for("mediator"), case["id"], "session", SUCCESS)
    # No court system on line: committee staff in scope pass on the court's notice themselves.
    confirm(client_for("station"), case)
    assert case_as(client_for("station"), case)["status"] == "completed"


def test_a_bad_application_form_is_refused_with_every_faulty_field_named(mediation, bring, steps):
    bad = dispute(dispute_type="quarrel", amount=-5, facts="")
    bad["parties"] = [{"name": "张三", "role": "applicant", "contact": "138", "id_number": "12345"}]
    del bad["risk_indicators"]
    refused = bring(bad, status=400)
    for field in (
        "data.dispute_type",
        "data.amount",
        "data.facts",
        "data.parties",
        "data.parties.0.contact",
        "data.parties.0.id_number",
        "data.risk_indicators",
    ):
        assert field in refused["errors"], (field, refused["errors"])
    from server.processes.models import ProcessInstance

    assert not ProcessInstance.objects.filter(definition__key="mediation").exists()


def test_the_court_system_confirms_by_case_number_and_reaches_no_other_case(
    mediation, bring, accept, client_for, demo, steps
):
    created = (
        client_for("admin")
        .post(
            "/api/v1/integration-clients",
            {
                "name": "和平区人民法院 / Heping District People's Court",
                "organisation": demo["LN-SY-HP"].pk,
                "messages": ["mediation.judicial_confirmation"],
            },
            format="json",
        )
        .json()
    )
    court = APIClient()
    court.credentials(HTTP_AUTHORIZATION=f"Bearer {created['token']}")
    settled = [do_task(client_for("mediator"), accept(bring())["id"], "session", SUCCESS) for _ in range(2)]
    confirm(court, settled[1])
    assert case_as(client_for("caseworker"), settled[1])["status"] == "completed"
    other = case_as(client_for("caseworker"), settled[0])
    assert other["status"] == "running" and waiting_for(other) == CONFIRMATION_WINDOW
    delivered = next(
        e
        for e in case_as(client_for("caseworker"), settled[1])["history"]
        if e["action"] == "message.delivered"
    )
    assert delivered["detail"]["client"] == created["name"]
    # A party cannot send the court's message themselves.
    confirm(client_for("applicant"), settled[0], status=403)
