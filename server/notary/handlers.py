"""Service-task handlers and statutory deadlines of the 公证 / Notary service line.

Handlers receive the service task's parameters (already evaluated over the task data) and
return JSON-able dicts. Bad input raises ValueError with a message a designer can act on;
the engine turns it into a located 422, never a 500.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from server.accounts.models import Membership, Role
from server.accounts.selectors import organisation_from_code
from server.core.calendar import local_zone
from server.notary import services
from server.processes.deadlines import register_deadline
from server.processes.engine import register_service

# Notarisation Procedure Rules (公证程序规则) art. 35: the certificate is issued within 15
# working days of acceptance (time for extra evidence or verification not counted).
register_deadline(
    "notary.certificate",
    15,
    "working_days",
    "出具公证书期限 / Certificate deadline",
    basis="《公证程序规则》第三十五条 / Notarisation Procedure Rules art. 35",
    warn_before=3,
)


def _day(value: Any, name: str) -> date:
    """A local calendar day from an ISO date/time parameter; today when it is empty."""
    if value in (None, ""):
        return timezone.localdate()
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name} {value!r} is not an ISO date/time / {name} 不是有效的日期时间") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(local_zone())
    return moment.date()


@register_service("notary.acceptance_number", params=("organisation", "accepted_at"))
def acceptance_number(params: dict[str, Any]) -> dict[str, Any]:
    """编制公证受理号 / Give the application its acceptance number (受理号) for the year.

    Params: `organisation` (code), `accepted_at` (ISO). Result: `number` (受理号), `year`."""
    organisation = organisation_from_code(params.get("organisation"))
    year = _day(params.get("accepted_at"), "accepted_at").year
    return {"number": services.acceptance_number_next(organisation, year), "year": year}


@register_service("notary.assign_notary", params=("organisation",))
def assign_notary(params: dict[str, Any]) -> dict[str, Any]:
    """指派负担最轻的公证员 / Assign the least-loaded notary of the office.

    Params: `organisation` (code). Result: `notary` (username of the least-loaded notary),
    `open_tasks` (their load when chosen). Fails when no notary serves the organisation."""
    organisation = organisation_from_code(params.get("organisation"))
    chosen = services.notary_least_loaded(organisation)
    if chosen is None:
        raise ValueError(
            f"no notary serves {organisation.code}; add one to the office / {organisation.name} 没有公证员"
        )
    return {"notary": chosen.username, "open_tasks": chosen.open_tasks}


@register_service("notary.count_quota", params=("notary", "case_number", "organisation", "issued_at"))
def count_quota(params: dict[str, Any]) -> dict[str, Any]:
    """计入公证员法律援助任务量 / Count the case towards the notary's legal-aid quota.

    Params: `notary` (username), `case_number`, `organisation` (code), `issued_at` (ISO).
    Result: notary, year, case_number, count (the notary's legal-aid cases that year), target,
    met, recorded (False when the case had been counted already)."""
    username = str(params.get("notary") or "").strip()
    if not username:
        raise ValueError("notary is required / 缺少公证员")
    notary = get_user_model().objects.filter(username=username).first()
    if notary is None:
        raise ValueError(f"no user {username!r} / 无此用户")
    if not Membership.objects.filter(user=notary, role=Role.NOTARY).exists():
        raise ValueError(f"{username!r} is not a notary / 该用户不是公证员")
    case_number = str(params.get("case_number") or "").strip()
    if not case_number:
        raise ValueError("case_number is required / 缺少受理号")
    organisation = organisation_from_code(params.get("organisation"))
    day = _day(params.get("issued_at"), "issued_at")
    return services.quota_count(
        notary=notary, case_number=case_number, organisation=organisation, day=day
    ).as_dict()
