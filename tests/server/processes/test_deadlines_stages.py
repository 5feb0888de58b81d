"""Named deadlines on the working-day calendar, per-organisation settings, stages and milestones."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.audit.models import Event
from server.processes.deadlines import register_deadline
from server.processes.models import DeadlineSetting, HumanTask, Timer
from tests.conftest import fixture_files
from tests.server.conftest import do_task, fire_timers_until, start_case, upload

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The day before the 2026 National Day holiday (1-7 October, 10 October a make-up Saturday).
EVE_OF_NATIONAL_DAY = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def staged(client_for):
    register_deadline("test.reply", 3, "working_days", "答复期限 / Reply deadline", warn_before=1)
    response = upload(client_for("designer"), fixture_files("staged"), public="true")
    assert response.status_code == 201, response.content


def test_working_day_deadline_skips_national_day_and_lands_on_the_make_up_saturday(
    client_for, staged, clock, steps
):
    clock.move_to(EVE_OF_NATIONAL_DAY)
    case = start_case(client_for("caseworker"), "test_staged", {"owner": "caseworker2"})
    due = datetime(2026, 10, 10, 23, 59, 59, tzinfo=SHANGHAI)
    assert datetime.fromisoformat(case["next_deadline"]) == due
    assert case["stage"] == "答复中 / Being answered"
    task = HumanTask.objects.get(instance_id=case["id"], bpmn_id="reply")
    assert task.due_at == due and task.assignee.username == "caseworker2"
    assert Timer.objects.get(instance_id=case["id"]).due_at == due
    received = Event.objects.get(instance_id=case["id"], action="test.received")
    assert datetime.fromisoformat(received.detail["reply_due"]) == due
    assert datetime.fromisoformat(case["data"]["reply_warn"]).date() == datetime(2026, 10, 9).date()


def test_an_organisation_setting_overrides_the_default_for_everything_below_it(
    client_for, staged, clock, demo
):
    clock.move_to(EVE_OF_NATIONAL_DAY)
    DeadlineSetting.objects.create(organisation=demo["LN-SY"], key="test.reply", amount=5, unit="days")
    case = start_case(client_for("caseworker"), "test_staged", {"owner": "caseworker2"})
    # 5 calendar days end on 5 October, a holiday: the period runs on to the next working day.
    assert datetime.fromisoformat(case["next_deadline"]) == datetime(2026, 10, 8, 23, 59, 59, tzinfo=SHANGHAI)
    DeadlineSetting.objects.create(
        organisation=demo["LN-SY-HP"], key="test.reply", amount=1, unit="working_days"
    )
    nearer = start_case(client_for("caseworker"), "test_staged", {"owner": "caseworker2"})
    assert datetime.fromisoformat(nearer["next_deadline"]) == datetime(
        2026, 10, 8, 23, 59, 59, tzinfo=SHANGHAI
    )


def test_passing_the_deadline_escalates_and_the_stage_follows(client_for, staged, clock, steps):
    clock.move_to(EVE_OF_NATIONAL_DAY)
    case = start_case(client_for("caseworker"), "test_staged", {"owner": "caseworker2"})
    fired = fire_timers_until(clock, datetime.fromisoformat(case["next_deadline"]) + timedelta(seconds=2))
    assert [timer.bpmn_id for timer in fired] == ["reply_late"]
    after = client_for("supervisor").get(f"/api/v1/instances/{case['id']}").json()
    assert after["stage"] == "督办中 / Escalated"
    assert [task["bpmn_id"] for task in after["tasks"]] == ["escalate"]
    assert not Event.objects.filter(instance_id=case["id"], action="test.replied").exists()


def test_a_reply_records_its_milestone_and_the_case_shows_its_closing_stage(client_for, staged, clock, steps):
    case = start_case(client_for("caseworker"), "test_staged", {"owner": "caseworker2"})
    after = do_task(client_for("caseworker2"), case["id"], "reply", {})
    assert after["status"] == "completed" and after["stage"] == "已答复 / Answered"
    assert after["next_deadline"] is None
    assert Event.objects.filter(instance_id=case["id"], action="test.replied").count() == 1


def test_start_data_is_checked_against_the_start_form(client_for, demo):
    files = fixture_files("staged")
    del files["start.schema.json"]
    missing = upload(client_for("designer"), files, public="true")
    assert missing.status_code == 400 and "start.schema.json" in missing.content.decode()
    files["start.schema.json"] = (
        b'{"type": "object", "required": ["owner"],'
        b' "properties": {"owner": {"type": "string", "minLength": 2}}}'
    )
    register_deadline("test.reply", 3, "working_days", "答复期限 / Reply deadline")
    assert upload(client_for("designer"), files, public="true").status_code == 201
    refused = start_case(client_for("caseworker"), "test_staged", {"owner": "x"}, status=400)
    assert "data.owner" in refused["errors"]
    assert start_case(client_for("caseworker"), "test_staged", {"owner": "caseworker2"})["stage"]


def test_the_deadlines_endpoint_shows_each_figure_in_force_and_where_it_comes_from(client_for, demo):
    register_deadline("test.reply", 3, "working_days", "答复期限 / Reply deadline", basis="test rule")
    DeadlineSetting.objects.create(organisation=demo["LN-SY"], key="test.reply", amount=10, unit="days")
    rows = client_for("caseworker").get("/api/v1/deadlines").json()
    reply = next(row for row in rows if row["key"] == "test.reply")
    assert reply["amount"] == 10 and reply["unit"] == "days" and reply["source"] == "LN-SY"
    assert reply["statutory_amount"] == 3 and reply["basis"] == "test rule"
    other_county = client_for("supervisor").get("/api/v1/deadlines?organisation=LN-SY-SH").json()
    assert next(row for row in other_county if row["key"] == "test.reply")["source"] == "LN-SY"
    assert client_for("applicant").get("/api/v1/deadlines").status_code == 403
    assert client_for("caseworker").get("/api/v1/deadlines?organisation=LN-SY-SH").status_code == 404


def test_an_applicant_sees_the_consultation_stage_and_its_next_deadline(client_for, deploy_shipped, clock):
    deploy_shipped("legal_consultation")
    applicant = client_for("applicant")
    case = start_case(applicant, "legal_consultation", {"question": "劳动合同纠纷如何申请仲裁？"})
    assert case["stage"] == "解答中 / Being answered"
    # Monday 9 March 2026: two working days, to the end of Wednesday
    assert datetime.fromisoformat(case["next_deadline"]) == datetime(2026, 3, 11, 23, 59, 59, tzinfo=SHANGHAI)
    do_task(
        client_for("caseworker"),
        case["id"],
        "answer",
        {"answer": "可向劳动争议仲裁委员会申请仲裁。", "request_review": False},
    )
    mine = applicant.get(f"/api/v1/instances/{case['id']}").json()
    assert mine["status"] == "completed" and mine["stage"] == "已解答 / Answered"
    assert mine["next_deadline"] is None
    listed = applicant.get("/api/v1/instances").json()["results"]
    assert listed[0]["stage"] == "已解答 / Answered"


def test_a_case_started_without_a_business_key_gets_a_readable_case_number(client_for, staged, clock):
    case = start_case(client_for("caseworker"), "test_staged", {"owner": "caseworker2"})
    assert case["business_key"] == f"20260309-{case['id']:06d}"
    given = start_case(client_for("caseworker"), "test_staged", {"owner": "x1"}, business_key="FY-2026-7")
    assert given["business_key"] == "FY-2026-7"
