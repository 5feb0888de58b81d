"""Demo data of the people's mediation service line: mediator grades and realistic cases."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from server.accounts.models import Organisation
from server.mediation.models import Mediator

# username -> (organisation code, grade): a junior and a senior mediator of the county.
DEMO_MEDIATORS = {"mediator": ("LN-SY-HP", 1), "mediator2": ("LN-SY-HP", 3)}
# Disputes are filed with the township station's committee, so station and county staff work them.
CASE_ORGANISATION = "LN-SY-HP-NH"


def seed_reference_data() -> None:
    """Mediator profiles of the demo mediators (skipped when the demo users are not there)."""
    users = get_user_model().objects.in_bulk(list(DEMO_MEDIATORS), field_name="username")
    organisations = Organisation.objects.in_bulk(
        [code for code, _ in DEMO_MEDIATORS.values()], field_name="code"
    )
    for username, (code, grade) in DEMO_MEDIATORS.items():
        user, organisation = users.get(username), organisations.get(code)
        if user is None or organisation is None:
            continue
        Mediator.objects.get_or_create(user=user, defaults={"organisation": organisation, "grade": grade})


# ---------------------------------------------------------------------------------------------
# Demo cases

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
]
# dispute type -> (facts, typical amounts in CNY)
DISPUTES: dict[str, tuple[list[str], tuple[int, ...]]] = {
    "neighbour": (
        [
            "楼上漏水损坏楼下天花板，双方就维修费用争执。",
            "邻居长期在楼道堆放杂物，多次沟通无果。",
            "装修噪音扰民，双方发生口角。",
        ],
        (0, 800, 3000, 6000),
    ),
    "family": (
        [
            "夫妻因家庭琐事长期争吵，一方要求分居。",
            "兄弟姐妹就父母赡养费用分担发生争议。",
            "遗产中的房屋如何分割，家属意见不一。",
        ],
        (0, 20000, 150000),
    ),
    "labour": (
        [
            "工地拖欠农民工工资三个月。",
            "员工在工作中受伤，与公司就赔偿金额协商不成。",
            "公司未签劳动合同即解除用工。",
        ],
        (8000, 35000, 120000),
    ),
    "contract": (
        [
            "装修工程完工后业主拒付尾款。",
            "买卖二手车后发现车辆有事故记录，要求退款。",
            "租户提前退租，房东扣押押金。",
        ],
        (5000, 20000, 60000),
    ),
    "property": (
        [
            "宅基地边界不清，两户争执围墙位置。",
            "承包地流转费用未按约定支付。",
            "共有房屋出售收益分配发生争议。",
        ],
        (10000, 80000, 300000),
    ),
    "medical": (
        ["手术后出现并发症，患者家属要求医院赔偿。", "诊所误诊延误治疗，双方就赔偿协商不成。"],
        (30000, 90000, 250000),
    ),
}
# scenario -> (weight, brought between this many days ago); see _plan for what each one does
SCENARIOS: dict[str, tuple[int, tuple[float, float]]] = {
    "intake": (4, (0.1, 2)),
    "mediating": (14, (1, 27)),
    "continued": (8, (5, 27)),
    "settled_applied": (18, (10, 60)),
    "settled": (14, (3, 60)),
    "failed_admin": (8, (5, 60)),
    "admin_settled": (8, (10, 60)),
    "referred": (8, (15, 60)),
    "risk": (9, (0.5, 60)),
    "overrun": (9, (31, 60)),
}


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _application(rng: random.Random, scenario: str) -> dict[str, Any]:
    dispute_type = rng.choice(["neighbour", "family", "labour", "contract", "property", "medical"])
    facts, amounts = DISPUTES[dispute_type]
    risk = {
        "threats_of_violence": False,
        "prior_violence": rng.random() < 0.1,
        "weapons_mentioned": False,
        "mental_distress": rng.random() < 0.1,
        "group_size": rng.choice([2, 2, 2, 3, 4]),
    }
    if scenario == "risk":
        dispute_type = rng.choice(["family", "neighbour", "labour"])
        facts, amounts = DISPUTES[dispute_type]
        risk.update(
            rng.choice([{"weapons_mentioned": True}, {"threats_of_violence": True, "prior_violence": True}])
        )
    parties = [
        {"name": _person(rng), "role": "applicant", "contact": f"139{rng.randrange(10**8):08d}"},
        {"name": _person(rng), "role": "respondent", "contact": f"138{rng.randrange(10**8):08d}"},
    ]
    return {
        "dispute_type": dispute_type,
        "parties": parties,
        "facts": rng.choice(facts),
        "request": "请求调解委员会主持调解 / Please mediate",
        "amount": rng.choice(amounts),
        "risk_indicators": risk,
    }


def _plan(rng: random.Random, scenario: str) -> list[tuple[float, str, dict[str, Any]]]:
    """(days after the dispute was brought, task or the court's message, data): the case's history to come.

    Every step falls before the deadline that would otherwise overtake it (30 days of
    mediation, 30 days of confirmation window), so the timers the final sweep fires are the
    ones a real timer worker would have fired.
    """
    accept = (rng.uniform(0.05, 1.0), "accept", {"summary": "纠纷基本情况已登记 / Dispute recorded"})
    day = accept[0]
    steps = [accept]
    if scenario == "intake":
        return []
    if scenario == "continued" or (scenario in {"settled", "settled_applied"} and rng.random() < 0.4):
        day += rng.uniform(2, 7)
        steps.append((day, "session", {"session_outcome": "continue", "session_notes": "双方各自考虑方案"}))
    if scenario in {"settled", "settled_applied"}:
        day += rng.uniform(1, 10)
        steps.append((day, "session", _SUCCESS))
        if scenario == "settled_applied":
            steps.append((day + rng.uniform(2, 25), COURT_MESSAGE, _CONFIRMATION))
    if scenario in {"failed_admin", "admin_settled", "referred"}:
        day += rng.uniform(2, 15)
        steps.append(
            (day, "session", {"session_outcome": "failed", "session_notes": "双方分歧较大，调解不成"})
        )
    if scenario == "risk":
        if rng.random() < 0.7:
            steps.append(
                (day + 0.2, "risk_report", {"police_informed": True, "risk_measures": ["separate_parties"]})
            )
        if rng.random() < 0.6:
            day += rng.uniform(3, 20)
            steps.append((day, "administrative_mediation", _ADMIN_SUCCESS))
    if scenario == "admin_settled":
        day += rng.uniform(3, 20)
        steps.append((day, "administrative_mediation", _ADMIN_SUCCESS))
    if scenario == "referred":
        day += rng.uniform(3, 20)
        steps.append((day, "administrative_mediation", _ADMIN_FAILED))
        steps.append((day + rng.uniform(0.5, 3), "refer", _REFERRAL))
    return steps


_SUCCESS = {
    "session_outcome": "success",
    "session_notes": "双方协商一致",
    "agreement_terms": "按约定分期赔偿",
}
_ADMIN_SUCCESS = {
    "administrative_outcome": "success",
    "administrative_notes": "司法所主持调解，双方达成一致",
    "agreement_terms": "一次性补偿",
}
_ADMIN_FAILED = {"administrative_outcome": "failed", "administrative_notes": "双方坚持己见"}
_REFERRAL = {"referral_type": "judicial_mediation", "referral_court": "和平区人民法院"}


_CONFIRMATION = {"confirmation_court": "和平区人民法院", "confirmation_note": "双方共同申请"}
COURT_MESSAGE = "mediation.judicial_confirmation"
# The Heping court's system, as an integration client with a token known to the demo (the
# README gives it), so `make run` can be tried with curl as the court.
DEMO_COURT = ("和平区人民法院 / Heping District People's Court", "LN-SY-HP", "lfc_demo-heping-court")


def demo_court_client() -> Any:
    """The demo court's integration client, made once."""
    from server.accounts.authentication import token_digest
    from server.accounts.models import IntegrationClient
    from server.accounts.services import integration_client_create

    name, code, token = DEMO_COURT
    client = IntegrationClient.objects.filter(name=name).first()
    if client is None:
        client, _ = integration_client_create(
            name=name,
            organisation=Organisation.objects.get(code=code),
            messages=[COURT_MESSAGE],
            signals=[],
            created_by=None,
        )
        client.token_digest, client.token_prefix = token_digest(token), token[:12]
        client.save(update_fields=["token_digest", "token_prefix"])
    return client


def _court_confirms(instance: Any, data: dict[str, Any]) -> bool:
    """The court's message that the parties applied, by case number; False when the case no longer waits."""
    from rest_framework.exceptions import NotFound

    from server.processes.services import Sender, message_deliver

    client = demo_court_client()
    sender = Sender(
        user=client.user, client=client, paths=(client.organisation.path,), organisation=client.organisation
    )
    try:
        message_deliver(
            name=COURT_MESSAGE,
            correlation={"case_number": instance.business_key},
            data={**data, "confirmation_applied_on": timezone.localdate().isoformat()},
            sender=sender,
        )
    except NotFound:
        return False
    return True


_STAFF = {
    "accept": ["caseworker", "station", "mediator"],
    "administrative_mediation": ["station", "caseworker"],
}
_STAFF |= {
    "refer": ["station"],
    "risk_report": ["supervisor"],
}


def _work(
    instance: Any, bpmn_id: str, data: dict[str, Any], users: dict[str, Any], rng: random.Random
) -> bool:
    """Claim (unless assigned) and complete the open task `bpmn_id`; False when it is not open."""
    from server.processes.models import HumanTask, TaskStatus
    from server.processes.services import task_claim, task_complete

    if bpmn_id == COURT_MESSAGE:
        return _court_confirms(instance, data)
    task = (
        HumanTask.objects.select_related("instance", "assignee")
        .filter(instance=instance, bpmn_id=bpmn_id, status=TaskStatus.OPEN)
        .first()
    )
    if task is None:
        return False
    if task.assignee is not None:
        user = task.assignee
    else:
        user = users["mediator2"] if bpmn_id == "session" else users[rng.choice(_STAFF[bpmn_id])]
        task_claim(task_id=task.pk, user=user)
    if data.get("session_outcome") == "continue":
        data = {**data, "next_session_date": (timezone.localdate() + timedelta(days=3)).isoformat()}
    task_complete(task_id=task.pk, user=user, data=data)
    return True


def seed_cases(*, count: int, rng: random.Random) -> int:
    """`count` disputes brought over the last 60 days at the Nanhu township office, driven
    through the real services with the clock moved back: some being accepted, in mediation,
    settled (confirmation window open, applied for, or lapsed), escalated for risk, failure
    or overrun, referred to the court; some past their mediation deadline.
    Assumes the process is deployed. Returns the number of cases created."""
    from server.processes.models import Timer, TimerStatus
    from server.processes.services import instance_start, timers_fire_due

    seed_reference_data()
    users = get_user_model().objects.in_bulk(
        ["applicant", "applicant2", "caseworker", "station", "mediator", "mediator2", "supervisor"],
        field_name="username",
    )
    organisation = Organisation.objects.get(code=CASE_ORGANISATION)
    now = timezone.now()
    names, weights = list(SCENARIOS), [weight for weight, _ in SCENARIOS.values()]
    created = 0
    for number in range(1, count + 1):
        # Every scenario at least once, then as often as its weight says.
        scenario = names[number - 1] if number <= len(names) else rng.choices(names, weights)[0]
        earliest, latest = SCENARIOS[scenario][1]
        started = timezone.localtime(now - timedelta(days=rng.uniform(earliest, latest)))
        started = started.replace(hour=rng.randrange(8, 17), minute=rng.randrange(60))
        if started >= now:
            started -= timedelta(days=1)
        starter = users[rng.choice(["applicant", "applicant", "applicant2", "station"])]
        with time_machine.travel(started, tick=False):
            instance = instance_start(
                process="mediation",
                user=starter,
                data=_application(rng, scenario),
                business_key=f"TJ{timezone.localdate():%Y%m%d}-{number:03d}",
                organisation=organisation,
            )
        created += 1
        for offset, bpmn_id, data in _plan(rng, scenario):
            moment = started + timedelta(days=offset)
            if moment >= now:
                break
            with time_machine.travel(moment, tick=False):
                if not _work(instance, bpmn_id, data, users, rng):
                    break
    # The timer worker's part, in the order the timers fell due: overruns escalate, windows lapse.
    dues = sorted(
        {
            due.replace(second=0, microsecond=0)
            for due in Timer.objects.filter(
                status=TimerStatus.WAITING, due_at__lte=now, instance__definition__key="mediation"
            ).values_list("due_at", flat=True)
        }
    )
    for due in dues:
        with time_machine.travel(min(due + timedelta(minutes=1), now), tick=False):
            while len(timers_fire_due()) >= 100:
                pass
    return created
