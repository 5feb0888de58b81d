"""Service-task handlers and statutory deadlines of the 投诉处理 / Complaints service line.

Deadlines (defaults; an administrator changes them per organisation, see DeadlineSetting).
The plan (辽宁省司法行政“十三五”规划) requires every eligible complaint to be accepted and
every accepted complaint to be answered (100% / 100%); the department's defaults give the
time for each:

| key | default | rule |
|---|---|---|
| complaint.acceptance | 15 days from receipt | decide on acceptance; refusing needs a written reason |
| complaint.reply | 60 days from acceptance | send the written reply, approved by a reviewer |
| complaint.feedback | 15 days from the reply | time the complainant has to rate the reply |

Services (parameters are Python expressions over the task data):

- `complaints.repeat_check(target_name, id_number, contact_phone)` -> an earlier complaint by
  the same person about the same target that was already answered (a ground not to accept)
- `complaints.ineligibility_notice(ground, reason, target_name)` -> the written notice of
  non-acceptance, quoting the ground as the administrator worded it
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from server.audit.models import Event
from server.complaints.reference import ground_for, known_codes
from server.processes.deadlines import register_deadline
from server.processes.engine import register_service
from server.processes.models import ProcessInstance

PROCESS_KEY = "complaint"
_PLAN = "《辽宁省司法行政“十三五”规划》：对符合条件的投诉案件100%受理、100%回复"

register_deadline(
    "complaint.acceptance",
    15,
    "days",
    "投诉受理期限 / Complaint acceptance decision",
    basis=f"{_PLAN}；收到投诉之日起十五日内决定是否受理（本厅默认）/ decide within 15 days of receipt",
    warn_before=3,
)
register_deadline(
    "complaint.reply",
    60,
    "days",
    "投诉书面答复期限 / Written reply to a complaint",
    basis=f"{_PLAN}；受理之日起六十日内书面答复（本厅默认）/ reply in writing within 60 days of acceptance",
    warn_before=10,
)
register_deadline(
    "complaint.feedback",
    15,
    "days",
    "投诉人评价期限 / Complainant's rating of the reply",
    basis="答复后回访 / follow-up after the reply (department practice)",
    warn_before=3,
)


def _text(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise ValueError(f"{name} 应为文本 / {name} must be text, got {type(value).__name__}")
    return " ".join(str(value).split())


def _same_target(a: str, b: str) -> bool:
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()


# ---------------------------------------------------------------------------------------------
# Repeated complaints


@register_service("complaints.repeat_check", params=("target_name",), optional=("id_number", "contact_phone"))
def repeat_check(params: dict[str, Any]) -> dict[str, Any]:
    """查找已答复的同一投诉 / Find the same complaint already answered in writing.

    Params: `target_name`, `id_number`, `contact_phone` (either identifies the complainant).

    A complaint about the same person or office by the same complainant that has already been
    answered in writing is a ground not to accept a new one unless it brings new facts; the
    caseworker decides, this only finds the earlier case. Without an ID number or phone
    there is no telling who complained, so nothing is found.
    """
    target = _text(params, "target_name")
    if not target:
        raise ValueError("缺少被投诉人名称 / target_name is required")
    id_number = _text(params, "id_number").upper()
    phone = _text(params, "contact_phone").replace(" ", "").replace("-", "")
    if not id_number and not phone:
        return {
            "answered": False,
            "earlier": [],
            "message": "未提供身份证号或电话，无法查重 / No ID number or phone: not checked for repeats",
        }
    who = Q()
    if id_number:
        who |= Q(data__id_number=id_number)
    if phone:
        who |= Q(data__contact__phone=phone)
    candidates = ProcessInstance.objects.filter(who, definition__key=PROCESS_KEY).values_list(
        "pk", "business_key", "data"
    )
    same = {pk: key for pk, key, data in candidates if _same_target(str(data.get("target_name", "")), target)}
    replies = (
        Event.objects.filter(instance_id__in=list(same), action="complaint.replied")
        .order_by("created_at")
        .values_list("instance_id", "created_at")
    )
    earlier = [
        {"instance": pk, "business_key": same[pk], "replied_at": timezone.localtime(at).isoformat()}
        for pk, at in replies
    ]
    if earlier:
        message = (
            f"同一投诉人对“{target}”的投诉已于 {earlier[-1]['replied_at'][:10]} 答复 / "
            f"The same complaint about {target} was answered on {earlier[-1]['replied_at'][:10]}"
        )
    else:
        message = "未发现已答复的同一投诉 / No earlier answered complaint found"
    return {"answered": bool(earlier), "earlier": earlier, "message": message}


# ---------------------------------------------------------------------------------------------
# Written notice of non-acceptance


@register_service("complaints.ineligibility_notice", params=("ground", "reason"), optional=("target_name",))
def ineligibility_notice(params: dict[str, Any]) -> dict[str, Any]:
    """拟写不予受理告知 / Write the notice that a complaint is not accepted, with its reason.

    Params: `ground` (a code of the eligibility form), `reason` (the caseworker's written
    reason), `target_name`. An ineligible complaint must still get a written reason: the
    notice quotes the ground as the administrator worded it and the caseworker's reason."""
    code = _text(params, "ground")
    ground = ground_for(code) if code else None
    if ground is None:
        raise ValueError(
            f"未知的不予受理理由类别 / unknown ground {code!r} (known: {', '.join(known_codes())})"
        )
    reason = str(params.get("reason") or "").strip()
    if not reason:
        raise ValueError("不予受理须写明理由 / a written reason is required to refuse a complaint")
    target = _text(params, "target_name") or "被投诉人"
    issued = timezone.localtime()
    text = (
        f"关于您对“{target}”的投诉，经审查，决定不予受理。\n"
        f"理由类别：{ground.name}。{ground.explanation}\n"
        f"具体理由：{reason}\n\n"
        f"Your complaint about {target} has not been accepted.\n"
        f"Ground: {ground.name_en}. {ground.explanation_en}\n"
        f"Reason: {reason}"
    )
    return {
        "ground": ground.code,
        "ground_title": ground.title,
        "basis": ground.basis,
        "reason": reason,
        "text": text,
        "issued_at": issued.isoformat(),
    }
