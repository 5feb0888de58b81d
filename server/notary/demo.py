"""Demo data of the notary service line: the quota target and realistic notary cases."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from server.accounts.models import Organisation
from server.core.demo import office_hours
from server.core.identity import check_digit
from server.notary.models import DEFAULT_LEGAL_AID_QUOTA, QuotaTarget
from server.processes.models import HumanTask, ProcessInstance, TaskStatus
from server.processes.services import instance_start, task_claim, task_complete, timers_fire_due

PROCESS = "notary_intake"


def seed_reference_data() -> None:
    """The province-wide legal-aid quota (3 cases per notary per year, from the plan)."""
    province = Organisation.objects.filter(code="LN").first()
    if province is None:
        return
    QuotaTarget.objects.get_or_create(
        organisation=province,
        defaults={
            "cases_per_year": DEFAULT_LEGAL_AID_QUOTA,
            "note": "“十三五”规划：每名公证员每年至少 3 件 / Five-year plan: at least 3 a year",
        },
    )


# ---------------------------------------------------------------------------------------------
# Demo cases

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "桂兰", "淑珍", "玉梅", "建国", "志强"]
# domain -> matters people bring
MATTERS = {
    "civil": ["遗嘱公证", "继承权公证", "委托书公证（房屋买卖）", "声明书公证（放弃继承）", "亲属关系公证"],
    "consumer": ["预付卡消费合同保全证据公证", "网络购物页面保全证据公证"],
    "investment": ["股权转让协议公证", "借款合同赋予强制执行效力公证"],
    "intellectual_property": ["商标使用证据保全公证", "网页侵权内容保全证据公证"],
    "foreign_related": ["学历公证（留学）", "无犯罪记录公证（出国）", "出生公证（探亲）"],
}
# who applies -> (weight, birth years, particulars)
PROFILES: dict[str, tuple[int, tuple[int, int], dict[str, Any]]] = {
    "ordinary": (50, (1960, 2000), {}),
    "elderly": (14, (1935, 1955), {}),
    "elderly_visit": (6, (1930, 1950), {"wants_visit": True, "visit_place": "home"}),
    "hospital": (4, (1950, 1990), {"seriously_ill": True, "wants_visit": True, "visit_place": "hospital"}),
    "disabled": (5, (1960, 1995), {"disabled": True}),
    "low_income": (6, (1960, 1995), {"low_income": True}),
    "legal_aid": (7, (1960, 1995), {"legal_aid_recipient": True}),
    "military": (3, (1970, 2000), {"military_family": True}),
}
# how far the case got -> weight
OUTCOMES = {
    "booked": 8,
    "refused": 6,
    "handling": 14,
    "checking": 12,
    "returned": 12,
    "issued": 40,
    "late": 8,
}
RETURN_REASONS = [
    "证明材料缺少原件核对记录 / No record of checking the originals",
    "公证书译文有误 / Mistake in the translation",
    "当事人签名页缺失 / Signature page missing",
    "公证书用语不规范 / Wording not standard",
]


def _id_number(rng: random.Random, years: tuple[int, int]) -> str:
    born = date(rng.randint(*years), rng.randint(1, 12), rng.randint(1, 28))
    first17 = f"210102{born:%Y%m%d}{rng.randint(100, 999)}"
    return first17 + check_digit(first17)


def _application(rng: random.Random, profile: str) -> dict[str, Any]:
    _, years, particulars = PROFILES[profile]
    domain = rng.choices(list(MATTERS), weights=[55, 10, 10, 8, 17])[0]
    applicant = {
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "id_number": _id_number(rng, years),
        "phone": f"139{rng.randint(10_000_000, 99_999_999)}",
        "address": f"沈阳市和平区南湖街道{rng.randint(1, 200)}号",
        **particulars,
    }
    if applicant.get("wants_visit"):
        applicant["visit_address"] = (
            applicant["address"] if particulars["visit_place"] == "home" else "中国医大一院"
        )
    return {
        "matter_domain": domain,
        "matter": rng.choice(MATTERS[domain]),
        "preferred_date": (timezone.localdate() + timedelta(days=rng.randint(1, 10))).isoformat(),
        "legal_aid_matter": False,
        "applicant": applicant,
    }


class _Case:
    """One demo case walked through the services, each step at its own (back-dated) moment."""

    def __init__(
        self, instance: ProcessInstance, moment: datetime, rng: random.Random, now: datetime
    ) -> None:
        self.instance, self.moment, self.rng, self.now = instance, moment, rng, now
        self.users = {u.username: u for u in get_user_model().objects.filter(username__in=_STAFF)}

    @property
    def data(self) -> dict[str, Any]:
        return ProcessInstance.objects.values_list("data", flat=True).get(pk=self.instance.pk)

    def step(self, bpmn_id: str, data: dict[str, Any], *, user: str | None = None, days: float = 1.0) -> bool:
        """Do the open task `bpmn_id` about `days` after the last step; False when that is still to come."""
        moment = office_hours(self.moment + timedelta(days=days * self.rng.uniform(0.75, 1.25)), self.rng)
        if moment >= self.now:
            return False
        self.moment = moment
        with time_machine.travel(moment, tick=False):
            if self.instance.next_timer_at is not None and self.instance.next_timer_at <= moment:
                timers_fire_due()  # the deadline passed meanwhile: warn and escalate as it would have
            task = HumanTask.objects.get(instance=self.instance, bpmn_id=bpmn_id, status=TaskStatus.OPEN)
            actor = task.assignee or self.users[user or "caseworker"]
            if task.assignee_id is None:
                task_claim(task_id=task.pk, user=actor)
            task_complete(task_id=task.pk, user=actor, data=data)
        self.instance.refresh_from_db(fields=["next_timer_at"])
        return True


_STAFF = ("caseworker", "caseworker2", "station", "notary", "notary2", "reviewer", "director")
HANDLED = {"handling_summary": "核实身份与证明材料，询问当事人并制作笔录。", "materials_verified": True}
LEVELS = ("self_check", "review", "spot_check")
CHECKERS = {"self_check": None, "review": "reviewer", "spot_check": "director"}


def _checks(
    case: _Case, *, days: float, send_back: str | None = None, stop_before: str | None = None
) -> bool:
    """Run the three checks in turn; `send_back` returns the case at that level (True: back at
    "handle"), `stop_before` leaves it waiting there. False when the case stopped on the way."""
    for level in LEVELS:
        if level == stop_before:
            return False
        if level == send_back:
            reason = case.rng.choice(RETURN_REASONS)
            form = {f"{level}_result": "return", f"{level}_reason": reason}
            return case.step(level, form, user=CHECKERS[level], days=days)
        if not case.step(level, {f"{level}_result": "pass"}, user=CHECKERS[level], days=days):
            return False
    return True


def _walk(case: _Case, outcome: str, caseworker: str) -> None:
    rng = case.rng
    appointment = (case.moment + timedelta(days=2)).date().isoformat()
    if outcome == "booked":
        return
    if outcome == "refused":
        refusal = {"acceptance_decision": "refuse", "refusal_reasons": "申请公证的事项不属于公证执业范围。"}
        case.step("accept", refusal, user=caseworker, days=0.5)
        return
    accept = {"acceptance_decision": "accept", "appointment_date": appointment}
    if not case.step("accept", accept, user=caseworker, days=0.5):
        return
    data = case.data
    if data.get("visit_requested") and data.get("visit_eligible"):
        visit = {"visit_date": appointment, "visit_place": data["applicant"].get("visit_place", "home")}
        if not case.step("visit", {**visit, "identity_confirmed": True}, days=2):
            return
    if outcome == "handling":
        return
    # A late case sits with the notary long enough to pass its 15 working days.
    if not case.step("handle", HANDLED, days=22.0 if outcome == "late" else 2.0):
        return
    if outcome == "checking":
        _checks(case, days=1.0, stop_before=rng.choice(LEVELS))
        return
    if outcome == "returned":
        if not _checks(case, days=1.0, send_back=rng.choice(LEVELS)):
            return
        if not case.step("handle", HANDLED, days=1.5):
            return
    if not _checks(case, days=1.0 if outcome != "late" else 2.0):
        return
    waiver = data.get("fee_waiver")
    fee = 0 if waiver == "waived" else (100 if waiver == "reduced" else 200)
    number = f"(2026)辽沈和证字第{case.instance.pk:05d}号"
    case.step("issue", {"certificate_number": number, "fee_charged": fee}, days=0.5)


def seed_cases(*, count: int, rng: random.Random) -> int:
    """Create `count` notary cases over the last ~60 days at every stage, some overdue.

    Cases go through the real services (start, claim, complete, timers) with the clock set
    back to when each step happened, so milestones, deadlines and figures are as in real use.
    Assumes the process is deployed and the demo users exist.
    """
    users = {u.username: u for u in get_user_model().objects.filter(username__in=("applicant", "applicant2"))}
    township = Organisation.objects.filter(code="LN-SY-HP-NH").first()
    now = timezone.now()
    created = 0
    for _ in range(count):
        profile = rng.choices(list(PROFILES), weights=[weight for weight, _, _ in PROFILES.values()])[0]
        outcome = rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
        started = office_hours(now - timedelta(days=rng.uniform(1, 60)), rng)
        if started >= now:
            started = now - timedelta(hours=1)
        data = _application(rng, profile)
        if profile == "ordinary" and rng.random() < 0.05:
            data["legal_aid_matter"] = True  # referred by the legal-aid centre
        at_station = township is not None and rng.random() < 0.2
        with time_machine.travel(started, tick=False):
            instance = instance_start(
                process=PROCESS,
                user=users[rng.choice(list(users))],
                data=data,
                organisation=township if at_station else None,
            )
        created += 1
        _walk(_Case(instance, started, rng, now), outcome, "station" if at_station else "caseworker")
    while timers_fire_due():  # deadlines passed since the last step: warnings and escalations
        pass
    return created
