"""Fixtures of the complaint scenarios: the shipped process, a complaint form, Shenhe staff."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.server.conftest import do_task, start_case

PROCESS = "complaint"

COMPLAINT = {
    "target_type": "lawyer",
    "target_name": "钱律师 Lawyer Qian",
    "target_organisation": "和平律师事务所 / Heping Law Firm",
    "facts": "律师收取代理费后三个月未与我联系，也未出庭。/ Took the fee, then no contact for three months.",
    "occurred_on": "2026-02-10",
    "request": "退还代理费并给予处理 / Refund the fee and discipline the lawyer",
    "proceedings": "none",
    "contact": {"name": "张三", "phone": "13800000001"},
}

ELIGIBLE = {"eligible": True, "check_note": "属于律师执业投诉 / About a lawyer's practice"}
ACCEPT = {
    "handled_by": "和平区司法局律师管理科",
    "acceptance_notice": "您的投诉已受理，将于六十日内书面答复。",
}
INVESTIGATE = {
    "findings": "经调阅委托合同和通话记录，律师确未按约履职。",
    "substantiated": "substantiated",
    "measures": "责令退费，记入执业档案。",
}
REPLY = {
    "reply_text": "经调查，您反映的情况属实。已责令该律师退还代理费并记入执业档案。",
    "delivery": "online",
}
APPROVE = {"reply_approved": True}
FOLLOW_UP = {"follow_up_action": "urged", "follow_up_instruction": "请于三日内办结并报告。"}


@pytest.fixture
def complaint_process(deploy_shipped):
    """The shipped complaint process, deployed and open to applicants."""
    return deploy_shipped(PROCESS)


@pytest.fixture
def shenhe_staff(demo):
    """A caseworker who is also a reviewer at the Shenhe district bureau (LN-SY-SH)."""
    from django.contrib.auth import get_user_model

    from server.accounts.models import Membership, Role

    user = get_user_model().objects.create_user("sh_caseworker", password="lexflow-demo")
    for role in (Role.CASEWORKER, Role.REVIEWER):
        Membership.objects.create(user=user, organisation=demo["LN-SY-SH"], role=role)
    return user


def complain(client, *, organisation=None, **changes) -> dict:
    """Start a complaint as `client` (an applicant); `organisation` is the handling bureau."""
    extra = {"organisation": organisation.pk} if organisation is not None else {}
    return start_case(client, PROCESS, {**COMPLAINT, **changes}, **extra)


def accept_on_time(caseworker, case_id: int) -> dict:
    do_task(caseworker, case_id, "check_eligibility", ELIGIBLE)
    return do_task(caseworker, case_id, "accept", ACCEPT)


def reply(caseworker, reviewer, case_id: int) -> dict:
    do_task(caseworker, case_id, "investigate", INVESTIGATE)
    do_task(caseworker, case_id, "write_reply", REPLY)
    return do_task(reviewer, case_id, "approve_reply", APPROVE)


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def just_after(value: str) -> datetime:
    return moment(value) + timedelta(seconds=1)


def milestones(case: dict, prefix: str = "complaint.") -> list[str]:
    return [event["action"] for event in case["history"] if event["action"].startswith(prefix)]


def milestone(case: dict, action: str) -> dict:
    found = [event for event in case["history"] if event["action"] == action]
    assert found, f"no {action} in {milestones(case)}"
    return found[0]
