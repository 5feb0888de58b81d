"""The complaint service line's handlers and deadlines, tested directly."""

from __future__ import annotations

import pytest

from server.complaints.handlers import ineligibility_notice, repeat_check
from server.complaints.models import IneligibilityGround
from server.processes.deadlines import deadline_for
from server.processes.engine import _SERVICES
from server.processes.models import DeadlineSetting
from tests.server.complaints.conftest import complain


def test_the_service_line_registers_its_services_and_statutory_deadlines(db):
    assert {"complaints.repeat_check", "complaints.ineligibility_notice"} <= set(_SERVICES)
    assert (
        deadline_for("complaint.acceptance", None).amount,
        deadline_for("complaint.acceptance", None).unit,
    ) == (
        15,
        "days",
    )
    assert deadline_for("complaint.reply", None).amount == 60
    assert deadline_for("complaint.feedback", None).amount == 15


def test_an_organisation_setting_shortens_the_acceptance_deadline_for_every_bureau_below_it(
    client_for, complaint_process, demo, clock
):
    DeadlineSetting.objects.create(
        organisation=demo["LN-SY"], key="complaint.acceptance", amount=10, unit="days"
    )
    case = complain(client_for("applicant"))
    assert case["data"]["acceptance_due"] == "2026-03-19T23:59:59+08:00"
    assert case["next_deadline"] == "2026-03-19T23:59:59+08:00"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "target_name is required"),
        ({"target_name": "   "}, "target_name is required"),
        ({"target_name": ["a", "b"]}, "target_name must be text"),
        ({"target_name": "钱律师", "id_number": {"x": 1}}, "id_number must be text"),
    ],
)
def test_repeat_check_refuses_bad_input_with_a_clear_message(db, params, message):
    with pytest.raises(ValueError, match=message):
        repeat_check(params)


def test_repeat_check_cannot_tell_who_complained_without_an_id_number_or_phone(db):
    found = repeat_check({"target_name": "钱律师", "id_number": "", "contact_phone": None})
    assert found["answered"] is False and found["earlier"] == []
    assert "not checked" in found["message"]


def test_repeat_check_ignores_an_earlier_complaint_not_yet_answered(client_for, complaint_process, clock):
    complain(client_for("applicant"), contact={"phone": "13800000009"})
    found = repeat_check({"target_name": "钱律师 Lawyer Qian", "contact_phone": "138-0000-0009"})
    assert found == {
        "answered": False,
        "earlier": [],
        "message": "未发现已答复的同一投诉 / No earlier answered complaint found",
    }


def test_the_written_notice_quotes_the_ground_and_the_caseworkers_reason(db):
    notice = ineligibility_notice(
        {"ground": "in_proceedings", "reason": "该纠纷已由和平区人民法院立案。", "target_name": "钱律师"}
    )
    assert notice["ground"] == "in_proceedings"
    assert notice["ground_title"] == "已进入诉讼或仲裁 / Before a court or arbitration"
    assert "钱律师" in notice["text"] and "该纠纷已由和平区人民法院立案。" in notice["text"]
    assert "Before a court or arbitration" in notice["text"] and notice["issued_at"]


def test_an_administrator_rewording_a_ground_changes_the_notice(db):
    IneligibilityGround.objects.create(
        code="in_proceedings",
        name="已进入司法程序",
        name_en="Already in court",
        explanation="请通过诉讼程序主张权利。",
        explanation_en="Pursue it in court.",
    )
    notice = ineligibility_notice({"ground": "in_proceedings", "reason": "已立案。"})
    assert notice["ground_title"] == "已进入司法程序 / Already in court"
    assert "请通过诉讼程序主张权利。" in notice["text"] and "被投诉人" in notice["text"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"ground": "bored", "reason": "x"}, "unknown ground 'bored'.*not_legal_service"),
        ({"reason": "x"}, "unknown ground ''"),
        ({"ground": "other", "reason": "   "}, "a written reason is required"),
        ({"ground": "other"}, "a written reason is required"),
    ],
)
def test_the_notice_refuses_an_unknown_ground_or_a_missing_reason(db, params, message):
    with pytest.raises(ValueError, match=message):
        ineligibility_notice(params)
