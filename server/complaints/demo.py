"""Demo data of the complaints service line: the standard grounds and realistic complaints.

`seed_cases` replays every complaint's life in one timeline, oldest moment first, through
the real services with the clock moved back, and lets the timer sweep run before each
step, as the worker would: warnings, escalations to the supervisor and overdue work then
happen when they would have happened.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from server.accounts.models import Organisation
from server.complaints.models import IneligibilityGround
from server.complaints.reference import DEFAULT_GROUNDS
from server.core.identity import check_digit
from server.processes.models import HumanTask, InstanceStatus, ProcessInstance, TaskStatus
from server.processes.services import instance_start, task_claim, task_complete, timers_fire_due

PROCESS = "complaint"
FOLLOW_UPS = ("follow_up_acceptance", "follow_up_reply")


def seed_reference_data() -> None:
    """The shipped grounds for not accepting a complaint; an administrator's rewording is kept."""
    for order, ground in enumerate(DEFAULT_GROUNDS):
        IneligibilityGround.objects.get_or_create(
            code=ground.code,
            defaults={
                "name": ground.name,
                "name_en": ground.name_en,
                "explanation": ground.explanation,
                "explanation_en": ground.explanation_en,
                "basis": ground.basis,
                "order": order * 10,
            },
        )


# ---------------------------------------------------------------------------------------------
# Demo cases

# who the complaint is about -> (names, what happened, what they ask for)
TARGETS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "lawyer": (
        ["钱律师（和平律师事务所）", "孙律师（北方律师事务所）", "周律师（盛京律师事务所）"],
        [
            "收取代理费后三个月未与我联系，也未按约出庭。",
            "律师私下收取案件费用且不开具发票。",
            "律师泄露我的个人信息给对方当事人。",
        ],
        ["退还代理费并依法处理", "调查核实并给予处分", "责令其道歉"],
    ),
    "notary_office": (
        ["和平区公证处", "沈河区公证处"],
        ["办理继承公证拖延两个多月未出证。", "公证员在办证过程中态度恶劣，多收费用。"],
        ["尽快出具公证书", "退还多收的费用"],
    ),
    "legal_aid_centre": (
        ["和平区法律援助中心"],
        ["申请法律援助后迟迟没有答复。", "指派的律师从未与我见面。"],
        ["尽快作出决定", "更换援助律师"],
    ),
    "mediator": (
        ["南湖街道人民调解委员会", "调解员许某"],
        ["调解员偏袒对方当事人。", "调解协议签订后调解员未协助履行。"],
        ["更换调解员", "督促履行调解协议"],
    ),
    "staff": (
        ["南湖街道司法所工作人员", "区司法局窗口工作人员"],
        ["窗口工作人员推诿，不予登记。", "工作人员办事拖延，多次往返。"],
        ["依法处理并改进服务", "给予书面答复"],
    ),
}
NOT_LEGAL_SERVICE = ("某物业公司", "小区物业服务差，多次报修无人处理。", "责令物业整改")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "秀英"]
# scenario -> weight; see _plan for what each one does
SCENARIOS = {
    "ineligible": 12,
    "pending": 6,
    "eligible": 8,
    "investigating": 16,
    "drafting": 8,
    "replied": 18,
    "rated": 24,
    "returned": 8,
}


def _id_number(rng: random.Random) -> str:
    born = datetime(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50))
    first17 = f"210102{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + check_digit(first17)


def _complaint(rng: random.Random, scenario: str) -> tuple[dict[str, Any], str]:
    """The complaint form, and the ground it is refused on when the scenario refuses it."""
    target_type = rng.choice(list(TARGETS))
    names, facts, asks = TARGETS[target_type]
    data: dict[str, Any] = {
        "target_type": target_type,
        "target_name": rng.choice(names),
        "facts": rng.choice(facts),
        "request": rng.choice(asks),
        "proceedings": "none",
        "contact": {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "phone": f"139{rng.randrange(10_000_000, 99_999_999)}",
        },
    }
    if rng.random() < 0.6:
        data["id_number"] = _id_number(rng)
    ground = ""
    if scenario == "ineligible":
        ground = rng.choice(["not_legal_service", "in_proceedings", "anonymous_no_contact"])
        if ground == "not_legal_service":
            data.update(zip(("target_name", "facts", "request"), NOT_LEGAL_SERVICE, strict=True))
            data["target_type"] = "other"
        elif ground == "in_proceedings":
            data["proceedings"] = rng.choice(["court", "arbitration"])
        else:
            data.update(anonymous=True, contact={})
            data.pop("id_number", None)
    return data, ground


_REASONS = {
    "not_legal_service": "物业服务纠纷不属于法律服务投诉，请向住房和城乡建设部门反映。",
    "in_proceedings": "该事项已由人民法院或仲裁机构受理，请在该程序中主张权利。",
    "anonymous_no_contact": "投诉未留联系方式，无法核实事实和送达答复；欢迎补充联系方式后重新投诉。",
}
ACCEPT = {"handled_by": "区司法局监督科", "acceptance_notice": "您的投诉已受理，我局将依法调查并书面答复。"}
FINDINGS = [
    ("substantiated", "经调阅材料、询问当事人，投诉反映的情况属实。", "责令改正，记入执业档案。"),
    ("partly", "经核实，投诉反映的情况部分属实。", "约谈相关人员，责令整改。"),
    ("unsubstantiated", "经调查，未发现投诉反映的违规情形。", ""),
]


def _plan(rng: random.Random, scenario: str, ground: str) -> list[tuple[float, str, dict[str, Any]]]:
    """(days after the previous step, task, form data) for each step the scenario takes."""
    slow = rng.random() < 0.15  # a step that overruns its deadline
    check = rng.uniform(0.2, 4)
    if scenario == "pending":  # not checked yet: overdue, and escalated, once 15 days have passed
        return []
    if scenario == "ineligible":
        refusal = {"eligible": False, "ineligible_ground": ground, "ineligible_reason": _REASONS[ground]}
        return [(check, "check_eligibility", refusal)]
    steps = [(check, "check_eligibility", {"eligible": True, "check_note": "属于法律服务投诉"})]
    if scenario == "eligible":
        return steps + ([(rng.uniform(13, 16), "accept", ACCEPT)] if slow else [])
    steps.append((rng.uniform(13, 16) if slow else rng.uniform(0.3, 5), "accept", ACCEPT))
    substantiated, findings, measures = rng.choice(FINDINGS)
    investigation = {"findings": findings, "substantiated": substantiated, "measures": measures}
    steps.append((rng.uniform(55, 66) if slow else rng.uniform(3, 25), "investigate", investigation))
    if scenario == "investigating":
        return steps[:-1]
    reply = {
        "reply_text": f"经调查：{findings}处理结果：{measures or '维持原状'}。特此答复。",
        "delivery": "online",
    }
    steps.append((rng.uniform(1, 6), "write_reply", reply))
    if scenario == "drafting":
        return steps
    if scenario == "returned":
        steps.append(
            (rng.uniform(0.2, 2), "approve_reply", {"reply_approved": False, "review_comment": "请写明依据"})
        )
        steps.append((rng.uniform(0.5, 3), "write_reply", reply))
    steps.append((rng.uniform(0.2, 2), "approve_reply", {"reply_approved": True}))
    if scenario == "rated" and rng.random() < 0.85:
        answer = "satisfied" if rng.random() < 0.8 else "not_satisfied"
        steps.append((rng.uniform(0.5, 10), "rate_reply", {"satisfaction": answer}))
    return steps


def seed_cases(*, count: int, rng: random.Random) -> int:
    """`count` complaints received over the last ~60 days at every stage, some overdue.

    Needs the demo users and the deployed `complaint` process. Heping's caseworkers handle
    complaints to the county bureau; the Nanhu station's handle those filed there.
    """
    users = get_user_model().objects.in_bulk(
        ["applicant", "applicant2", "caseworker", "caseworker2", "station", "reviewer", "supervisor"],
        field_name="username",
    )
    organisations = Organisation.objects.in_bulk(["LN-SY-HP", "LN-SY-HP-NH"], field_name="code")
    now = timezone.now()
    timeline: list[tuple[datetime, int, Callable[[], None]]] = []
    order = itertools.count()
    started: list[int] = []

    def at(moment: datetime, action: Callable[[], None]) -> None:
        if moment < now:
            heapq.heappush(timeline, (moment, next(order), action))

    def task_done(instance: dict[str, int], bpmn_id: str, username: str, data: dict[str, Any]) -> Callable:
        def run() -> None:
            task = HumanTask.objects.filter(
                instance_id=instance["id"], bpmn_id=bpmn_id, status=TaskStatus.OPEN
            ).first()
            if task is None:  # the case went another way (a timer closed the rating, say)
                return
            user = users[username]
            if task.assignee_id is None:
                task_claim(task_id=task.pk, user=user)
            task_complete(task_id=task.pk, user=user, data=data)

        return run

    scenarios, weights = zip(*SCENARIOS.items(), strict=True)
    for _ in range(count):
        scenario = rng.choices(scenarios, weights)[0]
        data, ground = _complaint(rng, scenario)
        at_station = rng.random() < 0.3
        organisation = organisations["LN-SY-HP-NH" if at_station else "LN-SY-HP"]
        caseworker = "station" if at_station else rng.choice(["caseworker", "caseworker2"])
        applicant = users[rng.choice(["applicant", "applicant2"])]
        # Investigations reach back further, so that some replies are overdue (60 days).
        day = timezone.localtime(
            now - timedelta(days=rng.uniform(0.5, 75 if scenario == "investigating" else 62))
        )
        received = day.replace(hour=rng.randrange(8, 18), minute=rng.randrange(60), second=0, microsecond=0)
        received = min(received, now - timedelta(minutes=rng.randrange(10, 120)))
        data["occurred_on"] = (received - timedelta(days=rng.randrange(3, 90))).date().isoformat()
        instance: dict[str, int] = {}

        def start(data=data, applicant=applicant, organisation=organisation, instance=instance) -> None:
            case = instance_start(process=PROCESS, user=applicant, data=data, organisation=organisation)
            instance["id"] = case.pk
            started.append(case.pk)

        at(received, start)
        moment = received
        for days, bpmn_id, form in _plan(rng, scenario, ground):
            moment += timedelta(days=days)
            who = {"approve_reply": "reviewer", "rate_reply": applicant.get_username()}
            at(moment, task_done(instance, bpmn_id, who.get(bpmn_id, caseworker), form))

    followed: set[int] = set()
    follow_up = {"follow_up_action": "urged", "follow_up_instruction": "请于三日内办结并报告督办情况。"}
    while timeline:
        moment, _, action = heapq.heappop(timeline)
        with time_machine.travel(moment, tick=False):
            # The worker's sweep, as it would have run by now (escalations come only from it).
            due = ProcessInstance.objects.filter(status=InstanceStatus.RUNNING, next_timer_at__lte=moment)
            fired = due.exists() and timers_fire_due()
            action()
            if not fired:
                continue
            # The supervisor answers most escalations within a few days.
            escalations = HumanTask.objects.filter(
                instance__definition__key=PROCESS, bpmn_id__in=FOLLOW_UPS, status=TaskStatus.OPEN
            )
            for task in escalations.exclude(pk__in=followed):
                followed.add(task.pk)
                if rng.random() < 0.7:
                    answer = task_done({"id": task.instance_id}, task.bpmn_id, "supervisor", follow_up)
                    at(moment + timedelta(days=rng.uniform(0.5, 4)), answer)
    while timers_fire_due():
        pass
    return len(started)
