"""Demo data of the 法律援助 / Legal aid service line: reference tables and back-dated cases."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from server.accounts.models import Membership, Organisation, Role
from server.core.demo import office_hours
from server.core.identity import check_digit
from server.legal_aid.models import HardshipThreshold, Lawyer, LawyerConflict, SubsidyRate
from server.processes.models import HumanTask, ProcessInstance, TaskStatus
from server.processes.services import instance_start, task_claim, task_complete, timers_fire_due

PROCESS = "legal_aid_application"

# region code -> (name, monthly income per capita in CNY, basis); demo figures
THRESHOLDS = {
    "210000": ("辽宁省", "1800", "示例：全省法律援助经济困难标准 / demo: province-wide standard"),
    "210100": ("沈阳市", "2100", "示例：沈阳市最低工资标准 / demo: Shenyang minimum wage"),
    "210200": ("大连市", "2100", "示例：大连市最低工资标准 / demo: Dalian minimum wage"),
}
# case type -> (rate until the end of last year, rate from 1 January this year), Shenyang
SUBSIDIES = {
    "civil": ("2000", "2400"),
    "criminal": ("1800", "2200"),
    "administrative": ("2000", "2400"),
    "labour": ("1600", "2000"),
    "family": ("1500", "1800"),
}
CONFLICTS = {
    "lawyer2": [("沈阳某房地产开发有限公司", "", "曾为该公司常年法律顾问 / Former retained counsel")]
}


def seed_reference_data() -> None:
    """Hardship thresholds, subsidy rates (changing on 1 January), a lawyer profile for every user
    with the role `lawyer`, and one conflict of interest. Safe to run again."""
    for code, (name, amount, basis) in THRESHOLDS.items():
        HardshipThreshold.objects.get_or_create(
            region_code=code,
            defaults={"region_name": name, "monthly_income": Decimal(amount), "basis": basis},
        )
    change = date(timezone.localdate().year, 1, 1)
    for case_type, (old, new) in SUBSIDIES.items():
        SubsidyRate.objects.get_or_create(
            case_type=case_type,
            region_code="210100",
            effective_from=date(change.year - 2, 1, 1),
            defaults={"amount": Decimal(old), "effective_to": change - timedelta(days=1)},
        )
        SubsidyRate.objects.get_or_create(
            case_type=case_type,
            region_code="210100",
            effective_from=change,
            defaults={"amount": Decimal(new), "note": "动态调整 / adjusted yearly"},
        )
        SubsidyRate.objects.get_or_create(
            case_type=case_type,
            region_code="210000",
            effective_from=date(change.year - 2, 1, 1),
            defaults={"amount": Decimal(old), "note": "全省兜底标准 / province-wide fallback"},
        )
    for membership in Membership.objects.filter(role=Role.LAWYER).select_related("user", "organisation"):
        lawyer, _ = Lawyer.objects.get_or_create(
            user=membership.user,
            defaults={
                "organisation": membership.organisation,
                "firm": "辽宁和平律师事务所 / Liaoning Heping Law Firm",
                "licence_number": f"1210120{membership.user_id:010d}",
            },
        )
        for name, number, reason in CONFLICTS.get(membership.user.get_username(), []):
            LawyerConflict.objects.get_or_create(
                lawyer=lawyer, party_name=name, party_id_number=number, defaults={"reason": reason}
            )


# ---------------------------------------------------------------------------------------------
# Demo cases

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "桂兰", "淑珍", "玉梅", "建国", "志强"]
# case type -> (matter, opposing party)
MATTERS = {
    "civil": [
        ("房屋租赁合同纠纷，出租人拒不退还押金", "沈阳某物业管理有限公司"),
        ("民间借贷纠纷，借款到期未还", "刘某"),
        ("交通事故人身损害赔偿", "某财产保险股份有限公司沈阳分公司"),
        ("商品房买卖合同纠纷，逾期交房", "沈阳某房地产开发有限公司"),
    ],
    "labour": [
        ("建筑工地拖欠三个月工资", "沈阳某建筑劳务有限公司"),
        ("工伤赔偿纠纷，用人单位未缴工伤保险", "沈阳某机械制造有限公司"),
    ],
    "family": [
        ("抚养费纠纷", "赵某"),
        ("赡养纠纷，子女拒不赡养", "孙某"),
        ("离婚纠纷，涉及家庭暴力", "周某"),
    ],
    "criminal": [("被害人请求刑事附带民事赔偿", "马某")],
    "administrative": [("不服征收补偿决定", "沈阳市和平区人民政府")],
}
EXEMPTIONS = ["minor", "elderly_disabled_no_income", "assistance_recipient"]
CHANNELS = {"online": 45, "hotline_12348": 20, "window": 25, "workstation": 10}
# how far the case got -> weight
OUTCOMES = {
    "intake": 6,
    "supplement": 6,
    "withdrawn": 5,
    "deciding": 8,
    "refused": 5,
    "objection_pending": 2,
    "objection_upheld": 3,
    "objection_rejected": 3,
    "assigning": 6,
    "handling": 16,
    "checking": 5,
    "closed": 35,
}
# outcome -> how many days ago such a case typically came in (work still waiting is recent)
STARTED_DAYS_AGO = {
    "intake": (0.1, 8),
    "deciding": (0.5, 12),
    "assigning": (1, 12),
    "withdrawn": (20, 60),
    "checking": (25, 60),
    "closed": (35, 60),
}
RATINGS = {"excellent": 80, "good": 14, "fair": 4, "poor": 2}
STAFF = ("applicant", "applicant2", "caseworker", "caseworker2", "station", "reviewer", "supervisor")


def _id_number(rng: random.Random, first_year: int, last_year: int) -> str:
    born = date(rng.randint(first_year, last_year), rng.randint(1, 12), rng.randint(1, 28))
    first17 = f"210102{born:%Y%m%d}{rng.randint(100, 999)}"
    return first17 + check_digit(first17)


def _application(rng: random.Random, channel: str, outcome: str) -> dict[str, Any]:
    case_type = rng.choices(list(MATTERS), weights=[45, 25, 15, 10, 5])[0]
    matter, party = rng.choice(MATTERS[case_type])
    exempt = case_type == "labour" and rng.random() < 0.6
    category = (
        "migrant_worker_wages" if exempt else ("none" if rng.random() < 0.8 else rng.choice(EXEMPTIONS))
    )
    refused = outcome.startswith(("refused", "objection"))
    data: dict[str, Any] = {
        "channel": channel,
        "applicant": {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "id_number": _id_number(rng, 1945, 2004),
            "phone": f"139{rng.randint(10_000_000, 99_999_999)}",
            "address": f"沈阳市和平区南湖街道{rng.randint(1, 200)}号",
        },
        "region_code": "210102",
        "exemption_category": "none" if refused else category,
        "case_type": case_type,
        "matter": f"{matter}，申请法律援助代理。",
        "opposing_parties": [{"name": party}],
        "preservation_urgent": rng.random() < 0.06,
        "materials": ["id_document", "application_form", "hardship_statement", "case_documents"],
    }
    if data["exemption_category"] == "none":
        data["family_size"] = rng.randint(1, 5)
        income = rng.randint(2600, 4000) if refused else rng.randint(600, 2000)
        data["monthly_income_per_capita"] = income
    return data


class _Case:
    """One demo case walked through the services, each step at its own back-dated moment."""

    def __init__(
        self, instance: ProcessInstance, moment: datetime, rng: random.Random, now: datetime
    ) -> None:
        self.instance, self.moment, self.rng, self.now = instance, moment, rng, now
        self.users = {user.username: user for user in get_user_model().objects.filter(username__in=STAFF)}

    @property
    def data(self) -> dict[str, Any]:
        return ProcessInstance.objects.values_list("data", flat=True).get(pk=self.instance.pk)

    def step(self, bpmn_id: str, form: dict[str, Any], *, user: str, days: float = 1.0) -> bool:
        """Do the open task `bpmn_id` about `days` after the last step; False when that is still to come."""
        moment = office_hours(self.moment + timedelta(days=days * self.rng.uniform(0.6, 1.3)), self.rng)
        if moment >= self.now:
            return False
        self.moment = moment
        with time_machine.travel(moment, tick=False):
            if self.instance.next_timer_at is not None and self.instance.next_timer_at <= moment:
                timers_fire_due()  # deadlines passed meanwhile: warnings, escalations, withdrawal
            task = HumanTask.objects.filter(
                instance=self.instance, bpmn_id=bpmn_id, status=TaskStatus.OPEN
            ).first()
            if task is None:
                return False  # a timer moved the case on (withdrawn, window over)
            actor = task.assignee or self.users[user]
            if task.assignee_id is None:
                task_claim(task_id=task.pk, user=actor)
            task_complete(task_id=task.pk, user=actor, data=form)
        self.instance.refresh_from_db(fields=["next_timer_at"])
        return True


def _walk(case: _Case, outcome: str, desk: str, applicant: str) -> None:
    """Take the case as far as `outcome`, each step a plausible while after the last."""
    rng = case.rng
    if outcome == "intake":
        return
    if outcome in ("supplement", "withdrawn"):
        missing = {"materials_complete": False, "missing_materials": [{"material": "case_documents"}]}
        if case.step("check_completeness", missing, user=desk, days=0.5) and outcome == "supplement":
            supplied = {"supplied_materials": ["case_documents"]}
            if case.step("supplement", supplied, user=applicant, days=rng.uniform(2, 10)):
                case.step("check_supplement", {"supplement_complete": True}, user=desk, days=0.5)
        return
    if case.data.get("advance_aid"):
        report = {"advance_actions": ["applied_preservation"], "advance_report": "已向法院申请财产保全。"}
        case.step("advance_aid", report, user="lawyer", days=0.3)
    if not case.step("check_completeness", {"materials_complete": True}, user=desk, days=0.5):
        return
    if outcome == "deciding":
        return
    late = rng.random() < 0.12  # some centres miss the 7 days
    if outcome.startswith(("refused", "objection")):
        refusal = {
            "outcome": "refuse",
            "refusal_reasons": "家庭人均月收入高于本地法律援助经济困难标准。",
            "legal_basis": "《法律援助法》第三十四条、第四十一条",
        }
        if not case.step("decide", refusal, user="reviewer", days=9 if late else 3):
            return
        if outcome == "refused":
            case.step("object_refusal", {"objects": False}, user=applicant, days=2)
            return
        grounds = {"objects": True, "objection_grounds": "家中有重病患者，医疗支出应予扣除。"}
        if not case.step("object_refusal", grounds, user=applicant, days=3) or outcome == "objection_pending":
            return
        upheld = outcome == "objection_upheld"
        verdict = {
            "objection_outcome": "upheld" if upheld else "rejected",
            "objection_reasons": "经审查，医疗支出应予扣除，符合条件。"
            if upheld
            else "经审查，收入核算无误。",
        }
        if not case.step("decide_objection", verdict, user="supervisor", days=3) or not upheld:
            return
    elif not case.step("decide", {"outcome": "grant"}, user="reviewer", days=9 if late else 3):
        return
    if outcome == "assigning":
        return
    letter = {"letter_number": f"和法援指字〔{case.moment.year}〕第{case.instance.pk:04d}号"}
    if not case.step("issue_assignment", letter, user=desk, days=5 if rng.random() < 0.1 else 1):
        return
    if outcome in ("handling", "objection_upheld"):
        return
    closing = {
        "case_result": rng.choice(["won", "partly_won", "settled", "settled", "lost"]),
        "closing_summary": "已出庭代理并提交代理词，案件已审结，卷宗材料已归档。",
        "documents_filed": True,
        "hours_spent": rng.randint(8, 40),
    }
    if not case.step("handle_case", closing, user="lawyer", days=rng.uniform(7, 20)):
        return
    if outcome == "checking":
        return
    quality = rng.choices(["excellent", "good", "pass"], weights=[30, 55, 15])[0]
    if not case.step("check_quality", {"quality": quality}, user="reviewer", days=2):
        return
    rating = rng.choices(list(RATINGS), weights=list(RATINGS.values()))[0]
    case.step("survey", {"rating": rating}, user=applicant, days=3)


def seed_cases(*, count: int, rng: random.Random) -> int:
    """Create `count` legal-aid cases over the last ~60 days at every stage, some overdue.

    Cases go through the real services (start, claim, complete, timers) with the clock set back
    to when each step happened, so milestones, deadlines and figures are what real use gives.
    Assumes the process is deployed and the demo users and reference data exist.
    """
    users = {user.username: user for user in get_user_model().objects.filter(username__in=STAFF)}
    township = Organisation.objects.filter(code="LN-SY-HP-NH").first()
    now = timezone.now()
    created = 0
    for _ in range(count):
        channel = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0]
        outcome = rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
        days_ago = rng.uniform(*STARTED_DAYS_AGO.get(outcome, (1, 60)))
        started = office_hours(now - timedelta(days=days_ago), rng)
        if started >= now:
            started = now - timedelta(hours=1)
        applicant = rng.choice(["applicant", "applicant2"])
        starter, desk, organisation = applicant, "caseworker", None
        if channel in ("hotline_12348", "window"):
            starter = applicant = rng.choice(["caseworker", "caseworker2"])  # the centre records it
        elif channel == "workstation" and township is not None:
            starter = applicant = desk = "station"
            organisation = township
        with time_machine.travel(started, tick=False):
            instance = instance_start(
                process=PROCESS,
                user=users[starter],
                data=_application(rng, channel, outcome),
                organisation=organisation,
            )
        created += 1
        _walk(_Case(instance, started, rng, now), outcome, desk, applicant)
    while timers_fire_due():  # deadlines passed since the last step
        pass
    return created
