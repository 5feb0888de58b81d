"""Legal aid with the case operations: the statutory clock stops while a case is suspended, a
reviewer sends the completeness check back, the applicant withdraws before the decision."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from server.audit.models import Event
from server.processes.models import DeadlineSetting, Timer
from tests.server.conftest import do_task, fire_timers_until, open_task
from tests.server.legal_aid.conftest import apply_online, grant, materials_complete, milestone, milestones

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 23, minute: int = 59, second: int = 59) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=SHANGHAI)


def _suspend(client_for, case_id: int) -> None:
    response = client_for("director").post(
        f"/api/v1/instances/{case_id}/suspend",
        {"reason": "等待法院调取证据 / Waiting for the court"},
        format="json",
    )
    assert response.status_code == 200, response.content


def _resume(client_for, case_id: int) -> dict:
    response = client_for("director").post(f"/api/v1/instances/{case_id}/resume")
    assert response.status_code == 200, response.content
    return response.json()


def test_three_working_days_of_suspension_move_the_decision_deadline_three_working_days_across_labour_day(
    client_for, legal_aid, clock, steps
):
    clock.move_to(at(4, 29, 9, 0, 0))  # Wednesday 29 April 2026
    case = apply_online(client_for)
    case = materials_complete(client_for, case["id"])
    # 7 days from 29 April: Wednesday 6 May, the first working day after the Labour Day holiday.
    assert datetime.fromisoformat(case["next_deadline"]) == at(5, 6)
    timers = {timer.bpmn_id: timer.due_at for timer in Timer.objects.filter(instance_id=case["id"])}
    assert timers["decision_warning"] == at(5, 4, 9, 0, 0)  # warned two days before

    clock.move_to(at(4, 30, 10, 0, 0))
    _suspend(client_for, case["id"])
    # 1 to 5 May are holidays; 6, 7 and 8 May are the three working days it stands suspended.
    assert fire_timers_until(clock, at(5, 5, 12, 0, 0)) == []  # the warning falls due: nothing fires
    clock.move_to(at(5, 8, 10, 0, 0))
    resumed = _resume(client_for, case["id"])

    # Three working days after 6 May: 7, 8 and Saturday 9 May, a make-up working day.
    assert datetime.fromisoformat(resumed["next_deadline"]) == at(5, 9)
    decide = open_task(client_for("reviewer"), case["id"], "decide")
    assert datetime.fromisoformat(decide["due_at"]) == at(5, 9)
    assert resumed["data"]["decision_due"] == at(5, 9).isoformat()
    overdue = Timer.objects.get(instance_id=case["id"], bpmn_id="decision_overdue", status="waiting")
    assert overdue.due_at == at(5, 9)
    event = Event.objects.get(instance_id=case["id"], action="instance.resumed")
    assert event.detail["working_days"] == 3
    assert event.detail["moved"]["decision_due"] == {"from": at(5, 6).isoformat(), "to": at(5, 9).isoformat()}

    # The warning that fell due while the case was suspended fires once, after it resumed.
    fired = fire_timers_until(clock, at(5, 8, 10, 0, 5))
    assert [timer.bpmn_id for timer in fired] == ["decision_warning"]
    assert fire_timers_until(clock, at(5, 8, 11, 0, 0)) == []
    assert milestones(case["id"]).count("legal_aid.decision_warning") == 1

    # Decided on the moved deadline: on time, as the figures count it.
    clock.move_to(at(5, 9, 15, 0, 0))
    grant(client_for, case["id"])
    assert milestone(case["id"], "legal_aid.decided")["decision_due"] == at(5, 9).isoformat()
    stats = (
        client_for("director")
        .get("/api/v1/legal-aid/stats", {"from": "2026-04-01", "to": "2026-05-31"})
        .json()
    )
    assert stats["decided_within_deadline"] == {"count": 1, "rate": 100.0}


def test_a_deadline_whose_setting_says_suspension_does_not_pause_it_keeps_its_moment(
    client_for, legal_aid, clock, demo
):
    DeadlineSetting.objects.create(
        organisation=demo["LN-SY-HP"],
        key="legal_aid.decision",
        amount=7,
        unit="days",
        pauses_when_suspended=False,
    )
    clock.move_to(at(4, 29, 9, 0, 0))
    case = materials_complete(client_for, apply_online(client_for)["id"])
    clock.move_to(at(4, 30, 10, 0, 0))
    _suspend(client_for, case["id"])
    clock.move_to(at(5, 8, 10, 0, 0))
    resumed = _resume(client_for, case["id"])
    assert datetime.fromisoformat(resumed["next_deadline"]) == at(5, 6)  # the clock ran on
    moved = Event.objects.get(instance_id=case["id"], action="instance.resumed").detail["moved"]
    assert "decision_due" not in moved and "decision_warn" not in moved
    # Both its timers fell due while it was suspended: they fire after the resumption, in order.
    fired = fire_timers_until(clock, at(5, 8, 10, 0, 5))
    assert [timer.bpmn_id for timer in fired] == ["decision_warning", "decision_overdue"]
    assert [step for step in milestones(case["id"]) if step.startswith("legal_aid.decision_")] == [
        "legal_aid.decision_warning"
    ]


def test_a_reviewer_sends_the_completeness_check_back_and_the_caseworker_sees_why(
    client_for, legal_aid, clock, steps
):
    case = materials_complete(client_for, apply_online(client_for)["id"])
    reviewer, caseworker = client_for("reviewer"), client_for("caseworker")
    decide = open_task(reviewer, case["id"], "decide")
    assert reviewer.post(f"/api/v1/tasks/{decide['id']}/claim").status_code == 200
    targets = reviewer.get(f"/api/v1/tasks/{decide['id']}/return-targets").json()
    assert [(t["bpmn_id"], t["done_by"]["username"]) for t in targets] == [
        ("check_completeness", "caseworker")
    ]
    returned = reviewer.post(
        f"/api/v1/tasks/{decide['id']}/return",
        {"to": "check_completeness", "reason": "缺少收入证明 / The income statement is missing"},
        format="json",
    )
    assert returned.status_code == 200, returned.content
    back = open_task(caseworker, case["id"], "check_completeness")
    assert back["assignee"]["username"] == "caseworker"
    assert back["return_reason"] == "缺少收入证明 / The income statement is missing"
    # The statutory decision deadline does not start again: it is the one set at receipt.
    assert datetime.fromisoformat(back["due_at"]) == datetime.fromisoformat(case["next_deadline"])
    case = do_task(
        caseworker,
        case["id"],
        "check_completeness",
        {"materials_complete": False, "missing_materials": [{"material": "hardship_statement"}]},
    )
    assert [task["bpmn_id"] for task in case["tasks"]] == ["supplement"]


def test_the_applicant_withdraws_before_the_decision_and_the_figures_count_it_withdrawn_not_refused(
    client_for, legal_aid, clock
):
    applicant, director = client_for("applicant"), client_for("director")
    first = materials_complete(client_for, apply_online(client_for)["id"])
    withdrawn = applicant.post(
        f"/api/v1/instances/{first['id']}/withdraw",
        {"reason": "已与房东和解 / Settled with the landlord"},
        format="json",
    )
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["status"] == "withdrawn" and withdrawn.json()["tasks"] == []

    second = grant(client_for, materials_complete(client_for, apply_online(client_for)["id"])["id"])
    late = applicant.post(f"/api/v1/instances/{second['id']}/withdraw", {"reason": "x"}, format="json")
    assert late.status_code == 409  # past the decision

    clock.shift(days=30)  # long past the first case's decision deadline
    stats = director.get("/api/v1/legal-aid/stats", {"from": "2026-03-01", "to": "2026-03-31"}).json()
    assert stats["withdrawn_by_applicant"] == 1 and stats["refused"] == 0
    assert stats["overdue"]["undecided"] == []  # a withdrawn application is not overdue
