"""Service-task handlers and statutory deadlines of the 法律援助 / Legal aid service line.

Deadlines (defaults; an administrator changes them per organisation, see DeadlineSetting):

| key | default | rule |
|---|---|---|
| legal_aid.decision | 7 days | Legal Aid Law art. 43: decide within 7 days of receiving the application |
| legal_aid.assignment | 3 days | art. 43: assign within 3 days of the decision to grant |
| legal_aid.supplement | 15 days | art. 43: missing material not supplied in time = application withdrawn |
| legal_aid.advance_window | 7 days | art. 44: advance aid when a limitation period ends in under 7 days |
| legal_aid.objection | 5 days | art. 49: the justice bureau decides an objection within 5 days |
| legal_aid.objection_window | 15 days | time the applicant has to object (set by local rules) |
| legal_aid.survey | 15 days | time the applicant has to rate the service after closing |

Services (parameters are Python expressions over the task data):

- `legal_aid.hardship_threshold(region_code)` -> the local income threshold
- `legal_aid.assign_lawyer(organisation, parties, preferred=None)` -> the least-loaded lawyer
  without a conflict of interest
- `legal_aid.subsidy(case_type, region_code, closing_date)` -> the subsidy rate in force
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from server.accounts.models import Organisation
from server.audit.models import Event
from server.core.db import lock_in_order
from server.processes.deadlines import register_deadline
from server.processes.engine import register_service
from server.processes.models import InstanceStatus

from .models import CaseType, HardshipThreshold, Lawyer, LawyerConflict, SubsidyRate

PROCESS_KEY = "legal_aid_application"
# Milestones whose `assigned_lawyer` names the lawyer now acting on, or proposed for, a case
# (the latest wins): a pick awaiting its letter already counts, so the next grant goes elsewhere.
ASSIGNMENT_MILESTONES = ("legal_aid.advance_aid", "legal_aid.lawyer_proposed", "legal_aid.assigned")

register_deadline(
    "legal_aid.decision",
    7,
    "days",
    "法律援助审查决定期限 / Legal aid decision",
    basis="《法律援助法》第四十三条：收到申请之日起七日内审查并作出决定 / Legal Aid Law art. 43",
    warn_before=2,
)
register_deadline(
    "legal_aid.assignment",
    3,
    "days",
    "指派律师期限 / Lawyer assignment",
    basis="《法律援助法》第四十三条：决定给予援助之日起三日内指派 / Legal Aid Law art. 43",
    warn_before=1,
)
register_deadline(
    "legal_aid.supplement",
    15,
    "days",
    "补充材料期限 / Supplement of missing material",
    basis="《法律援助法》第四十三条：未按要求补充材料的视为撤回申请 / Legal Aid Law art. 43",
    warn_before=3,
)
register_deadline(
    "legal_aid.advance_window",
    7,
    "days",
    "先行提供援助的时效窗口 / Advance aid: limitation period ending within",
    basis="《法律援助法》第四十四条：距法定时效或者期限届满不足七日 / Legal Aid Law art. 44",
    warn_before=0,
)
register_deadline(
    "legal_aid.objection",
    5,
    "days",
    "异议审查期限 / Decision on an objection",
    basis="《法律援助法》第四十九条：司法行政部门收到异议之日起五日内审查 / Legal Aid Law art. 49",
    warn_before=1,
)
register_deadline(
    "legal_aid.objection_window",
    15,
    "days",
    "提出异议期限 / Time to object to a refusal",
    basis="各地法律援助条例规定的异议期间 / the objection period set by local regulations",
    warn_before=3,
)
register_deadline(
    "legal_aid.survey",
    15,
    "days",
    "满意度回访期限 / Satisfaction survey",
    basis="结案后回访 / follow-up after closing (centre practice)",
    warn_before=3,
)


def _error(message: str) -> ValueError:
    return ValueError(message)


# ---------------------------------------------------------------------------------------------
# Hardship threshold


def _region(value: Any) -> str:
    code = str(value or "").strip()
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        raise _error(f"行政区划代码应为 6 位数字 / region_code must be 6 digits, got {value!r}")
    return code


def region_chain(code: str) -> list[str]:
    """A county code, then its city, then its province: 210102 -> 210102, 210100, 210000."""
    chain = [code, code[:4] + "00", code[:2] + "0000"]
    return list(dict.fromkeys(chain))


@register_service("legal_aid.hardship_threshold", params=("region_code",))
def hardship_threshold(params: dict[str, Any]) -> dict[str, Any]:
    """查询经济困难标准 / The income threshold for the region, its city or its province.

    Params: `region_code`.

    A region with no threshold at any level gives `monthly_income: None` (the hardship rule
    then asks the caseworker to check by hand) rather than stopping the case.
    """
    code = _region(params.get("region_code"))
    rows = {
        row.region_code: row for row in HardshipThreshold.objects.filter(region_code__in=region_chain(code))
    }
    for candidate in region_chain(code):
        row = rows.get(candidate)
        if row is not None:
            return {
                "found": True,
                "region_code": row.region_code,
                "region_name": row.region_name,
                "requested_region_code": code,
                "monthly_income": float(row.monthly_income),
                "basis": row.basis,
            }
    return {
        "found": False,
        "region_code": None,
        "region_name": None,
        "requested_region_code": code,
        "monthly_income": None,
        "basis": "",
        "message": f"{code} 及其上级地区均无经济困难标准 / No hardship threshold for {code} or above it",
    }


# ---------------------------------------------------------------------------------------------
# Lawyer assignment


def _parties(value: Any) -> list[tuple[str, str]]:
    """(name, id number) of each opposing party; names normalised, ID numbers upper-cased."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise _error("parties 应为当事人列表 / parties must be a list of {name, id_number}")
    parties = []
    for item in value:
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            raise _error("每个当事人须有姓名 / every party needs a name")
        name = " ".join(str(item["name"]).split())
        parties.append((name, str(item.get("id_number") or "").strip().upper()))
    return parties


def _conflicts(conflict: LawyerConflict, parties: list[tuple[str, str]]) -> bool:
    """Same ID number, or the same name where either side has no ID number to tell them apart."""
    name = " ".join(conflict.party_name.split())
    number = conflict.party_id_number.strip().upper()
    for party_name, party_number in parties:
        if number and party_number:
            if number == party_number:
                return True
        elif name == party_name:
            return True
    return False


def open_assignments(usernames: list[str]) -> Counter[str]:
    """Running legal-aid cases per lawyer, from the latest assignment milestone of each case."""
    latest: dict[int, str] = {}
    rows = (
        Event.objects.filter(
            action__in=ASSIGNMENT_MILESTONES,
            instance__status=InstanceStatus.RUNNING,
            instance__definition__key=PROCESS_KEY,
        )
        .order_by("id")
        .values_list("instance_id", "detail__assigned_lawyer")
    )
    for instance_id, username in rows:
        latest[instance_id] = username
    counts = Counter(username for username in latest.values() if username in usernames)
    for username in usernames:
        counts.setdefault(username, 0)
    return counts


def _candidate_lawyers(organisation: Organisation) -> list[Lawyer]:
    """Active lawyers of the organisation; a township station with none uses its county's."""
    current: Organisation | None = organisation
    while current is not None:
        lawyers = list(
            Lawyer.objects.filter(organisation=current, active=True, user__is_active=True)
            .select_related("user")
            .prefetch_related("conflicts")
        )
        if lawyers:
            return lawyers
        current = current.parent
    return []


# `parties` is required although the handler takes None for "no opposing party": leaving it out
# of a diagram would skip the conflict-of-interest check without a word.
@register_service("legal_aid.assign_lawyer", params=("organisation", "parties"), optional=("preferred",))
def assign_lawyer(params: dict[str, Any]) -> dict[str, Any]:
    """指派无利益冲突的援助律师 / Assign a legal-aid lawyer with no conflict of interest.

    Params: `organisation` (code), `parties` ([{name, id_number}]), optional `preferred` (username).

    Picks the lawyer with the fewest open legal-aid cases among those of the centre with no
    conflict of interest with an opposing party (ties: by username, so the pick is
    repeatable). With `preferred`, checks that lawyer instead and fails with the reason when
    they cannot take the case. No lawyer available gives `lawyer: None`; the caseworker
    then names one on the assignment letter.
    """
    code = str(params.get("organisation") or "").strip()
    organisation = Organisation.objects.filter(code=code).first() if code else None
    if organisation is None:
        raise _error(f"未知机构 / unknown organisation {code!r}")
    parties = _parties(params.get("parties"))
    lawyers = _candidate_lawyers(organisation)
    # Two grants at once must not both see the same lawyer as least loaded: the second waits
    # here until the first has committed its pick, then counts it.
    lock_in_order(Lawyer.objects.filter(pk__in=[lawyer.pk for lawyer in lawyers]))
    loads = open_assignments([lawyer.user.get_username() for lawyer in lawyers])
    conflicted = {
        lawyer.user.get_username()
        for lawyer in lawyers
        if any(_conflicts(conflict, parties) for conflict in lawyer.conflicts.all())
    }
    eligible = sorted(
        (lawyer for lawyer in lawyers if lawyer.user.get_username() not in conflicted),
        key=lambda lawyer: (loads[lawyer.user.get_username()], lawyer.user.get_username()),
    )
    preferred = str(params.get("preferred") or "").strip()
    if preferred:
        chosen = next((lawyer for lawyer in lawyers if lawyer.user.get_username() == preferred), None)
        if chosen is None:
            raise _error(
                f"{preferred} 不是本中心可指派的律师 / {preferred} is not a lawyer this centre can assign"
            )
        if preferred in conflicted:
            raise _error(
                f"{preferred} 与对方当事人存在利益冲突 / {preferred} has a conflict of interest with a party"
            )
    else:
        chosen = eligible[0] if eligible else None
    candidates = [
        {"username": lawyer.user.get_username(), "open_cases": loads[lawyer.user.get_username()]}
        for lawyer in eligible
    ]
    if chosen is None:
        reason = "均有利益冲突" if lawyers else "本中心未登记律师"
        reason_en = "every lawyer has a conflict" if lawyers else "no lawyer is registered with the centre"
        return {
            "lawyer": None,
            "lawyer_name": None,
            "firm": None,
            "open_cases": None,
            "candidates": candidates,
            "excluded_for_conflict": sorted(conflicted),
            "message": f"无可指派律师：{reason} / No lawyer available: {reason_en}",
        }
    username = chosen.user.get_username()
    return {
        "lawyer": username,
        "lawyer_name": chosen.user.get_full_name() or username,
        "firm": chosen.firm,
        "open_cases": loads[username],
        "candidates": candidates,
        "excluded_for_conflict": sorted(conflicted),
        "message": "已选派 / Assigned" if not preferred else "已按指定选派 / Assigned as chosen",
    }


# ---------------------------------------------------------------------------------------------
# Case subsidy


def _day(value: Any) -> date:
    try:
        return date.fromisoformat(str(value or "")[:10])
    except ValueError:
        raise _error(f"closing_date 应为日期 / closing_date must be a date, got {value!r}") from None


def subsidy_rate_on(case_type: str, region_code: str, day: date) -> SubsidyRate | None:
    """The rate in force on `day` for the case type in the region, its city or its province."""
    chain = region_chain(region_code)
    rows = SubsidyRate.objects.filter(case_type=case_type, region_code__in=chain, effective_from__lte=day)
    in_force = [row for row in rows if row.applies_on(day)]
    in_force.sort(key=lambda row: (chain.index(row.region_code), -row.effective_from.toordinal()))
    return in_force[0] if in_force else None


@register_service("legal_aid.subsidy", params=("case_type", "region_code", "closing_date"))
def subsidy(params: dict[str, Any]) -> dict[str, Any]:
    """计算办案补贴 / The case subsidy in force on the closing date.

    Params: `case_type`, `region_code`, `closing_date` (ISO). Rates change by date, so a case
    closed before a change is paid the old rate. A missing rate stops the step with a message
    for the administrator, never a silent zero."""
    case_type = str(params.get("case_type") or "")
    if case_type not in CaseType.values:
        raise _error(f"未知案件类型 / unknown case_type {case_type!r} (known: {', '.join(CaseType.values)})")
    region = _region(params.get("region_code"))
    day = _day(params.get("closing_date"))
    rate = subsidy_rate_on(case_type, region, day)
    if rate is None:
        raise _error(
            f"{day.isoformat()} 无适用的办案补贴标准（{case_type}，{region}），请管理员补充 / "
            f"No subsidy rate for {case_type} cases in {region} on {day.isoformat()}: an administrator "
            "must add one"
        )
    return {
        "amount": float(Decimal(rate.amount)),
        "currency": "CNY",
        "case_type": case_type,
        "region_code": rate.region_code,
        "closing_date": day.isoformat(),
        "effective_from": rate.effective_from.isoformat(),
        "effective_to": rate.effective_to.isoformat() if rate.effective_to else None,
    }
