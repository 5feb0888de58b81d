"""Figures of the notary service line, counted from milestone events only.

The cohort is the applications received (`notary.received`) in the period within the
organisation's scope. Every count of cases is a figure of `FIGURES`, so the cases behind it
are listed by the same rule; send-backs (a case may have several) and the yearly legal-aid
quota are counted apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from server.accounts.models import Membership, Role
from server.audit.models import Event
from server.core.calendar import local_zone
from server.notary.services import notary_office, quota_target_for
from server.processes.figures import (
    CaseMilestones,
    Figure,
    FiguresScope,
    LineFigures,
    Target,
    moment,
    on_time,
    passed,
    past_due,
    rate,
)

PREFIX = "notary."
RECEIVED = "notary.received"
ACCEPTED = "notary.accepted"
REFUSED = "notary.refused"
ISSUED = "notary.certificate_issued"
OVERDUE = "notary.certificate_overdue"
VISITED = "notary.visited"
QUOTA = "notary.legal_aid_counted"
# quality-check level -> the milestone its "send back" records
RETURNED = {
    "self_check": "notary.returned_self_check",
    "review": "notary.returned_review",
    "spot_check": "notary.returned_spot_check",
}
LEVEL_TITLES = {
    "self_check": "公证员自查 / the notary's own check",
    "review": "审批人复核 / the reviewer's check",
    "spot_check": "负责人抽查 / the director's spot check",
}
FEE_TITLES = {"waived": "免收公证费 / Fee waived", "reduced": "减收公证费 / Fee reduced"}


def _issued(case: CaseMilestones) -> bool:
    """A certificate counts for an accepted application (as the department counts them)."""
    return ACCEPTED in case.events and ISSUED in case.events


def _issued_on_time(case: CaseMilestones) -> bool | None:
    return on_time(case.at(ISSUED), case.value(ACCEPTED, "certificate_due")) if _issued(case) else None


def _overdue_past(case: CaseMilestones, now: datetime) -> datetime | None:
    """`certificate_due` (set on acceptance) if it has passed with no certificate issued."""
    pending = ACCEPTED in case.events and ISSUED not in case.events and not case.ended_early
    return past_due(moment(case.value(ACCEPTED, "certificate_due")), now, pending=pending)


def _has(action: str) -> Callable[[CaseMilestones, datetime], bool]:
    return lambda case, now: action in case.events


def _fee(waiver: str) -> Figure:
    return Figure(
        FEE_TITLES[waiver], lambda case, now: case.value(RECEIVED, "fee_waiver") == waiver, passed(RECEIVED)
    )


def _returned(level: str) -> Figure:
    return Figure(
        f"被退回的案件：{LEVEL_TITLES[level]} / Cases sent back by {LEVEL_TITLES[level].split(' / ')[1]}",
        _has(RETURNED[level]),
        passed(RETURNED[level]),
    )


# Every certificate within its 15 working days (Notarisation Procedure Rules art. 35).
TARGETS = {
    "issued_within_deadline": Target("issued_within_deadline.rate", 100.0, "按期出具率", "On-time issue rate")
}

FIGURES = LineFigures(
    key="notary",
    title="公证 / Notary",
    prefix=PREFIX,
    cohort=RECEIVED,
    figures={
        "received": Figure("收到申请 / Applications received", _has(RECEIVED), passed(RECEIVED)),
        "accepted": Figure("已受理 / Accepted", _has(ACCEPTED), passed(ACCEPTED)),
        "refused": Figure("不予受理 / Refused", _has(REFUSED), passed(REFUSED)),
        "certificates_issued": Figure(
            "已出具公证书 / Certificates issued",
            lambda case, now: _issued(case),
            passed(ISSUED),
            _issued_on_time,
        ),
        "issued_within_deadline.count": Figure(
            "按期出具 / Issued within the deadline",
            lambda case, now: bool(_issued_on_time(case)),
            passed(ISSUED),
            _issued_on_time,
        ),
        "green_channel.count": Figure(
            "绿色通道 / Green channel",
            lambda case, now: bool(case.value(RECEIVED, "green_channel")),
            passed(RECEIVED),
        ),
        **{f"fee_waivers.{waiver}": _fee(waiver) for waiver in FEE_TITLES},
        "visits": Figure("上门或到医院办理 / Home or hospital visits", _has(VISITED), passed(VISITED)),
        **{f"returned_by_quality_check.{level}.cases": _returned(level) for level in RETURNED},
        "overdue": Figure(
            "逾期未出具公证书 / Overdue: no certificate by the deadline",
            lambda case, now: _overdue_past(case, now) is not None,
            passed(ACCEPTED),
            lambda case: False,
        ),
    },
    labels={
        "issued_within_deadline.rate": "按期出具率（%） / Issued within the deadline (%)",
        "green_channel.rate": "绿色通道占比（%） / Green channel share (%)",
        **{
            f"returned_by_quality_check.{level}.returns": (
                f"退回次数：{title.split(' / ')[0]} / Send-backs by {title.split(' / ')[1]}"
            )
            for level, title in LEVEL_TITLES.items()
        },
        "legal_aid_quota.year": "法律援助公证配额年度 / Legal-aid quota year",
        "legal_aid_quota.met": "完成配额的公证员 / Notaries who met the quota",
        "legal_aid_quota.behind": "未完成配额的公证员 / Notaries behind the quota",
        "legal_aid_quota.notaries.*.count": "{0}：法律援助公证件数 / {0}: legal-aid notary cases",
        "legal_aid_quota.notaries.*.target": "{0}：年度配额 / {0}: yearly target",
        "legal_aid_quota.notaries.*.met": "{0}：已完成配额 / {0}: quota met",
    },
    targets=TARGETS,
)


def _returns_by_level(case_ids: list[int]) -> dict[str, int]:
    """Every send-back, not only each case's first: a case may be sent back several times."""
    counts = dict.fromkeys(RETURNED, 0)
    level_of = {action: level for level, action in RETURNED.items()}
    for action in Event.objects.filter(instance_id__in=case_ids, action__in=list(level_of)).values_list(
        "action", flat=True
    ):
        counts[level_of[action]] += 1
    return counts


def notary_figures(cases: list[CaseMilestones], *, now: datetime | None = None) -> dict[str, Any]:
    """Figures for a cohort of cases (those received in the period).

    - issued within the deadline: certificates issued by the `certificate_due` recorded on
      acceptance (15 working days, Notarisation Procedure Rules art. 35), as a share of issued;
    - green channel and fee waivers as classified on receipt;
    - quality-check send-backs per level (cases, and send-backs in all);
    - overdue: accepted, no certificate yet, `certificate_due` passed.
    """
    now = now or timezone.now()
    n = FIGURES.tally(cases, now)
    overdue = []
    for case in cases:
        due_at = _overdue_past(case, now)
        if due_at is None:
            continue
        assignment = case.value(ACCEPTED, "assignment") or {}
        acceptance = case.value(ACCEPTED, "acceptance") or {}
        overdue.append(
            {
                **case.ref(),
                "case_number": acceptance.get("number"),
                "notary": assignment.get("notary"),
                "certificate_due": due_at.isoformat(),
                "escalated": OVERDUE in case.events,
            }
        )
    overdue.sort(key=lambda row: (row["certificate_due"], row["instance"]))
    returns = _returns_by_level([case.instance_id for case in cases])
    issued, on_time_count, green = (
        n["certificates_issued"],
        n["issued_within_deadline.count"],
        n["green_channel.count"],
    )
    return FIGURES.with_targets(
        {
            "received": n["received"],
            "accepted": n["accepted"],
            "refused": n["refused"],
            "certificates_issued": issued,
            "issued_within_deadline": {"count": on_time_count, "rate": rate(on_time_count, issued)},
            "green_channel": {"count": green, "rate": rate(green, n["received"])},
            "fee_waivers": {waiver: n[f"fee_waivers.{waiver}"] for waiver in FEE_TITLES},
            "visits": n["visits"],
            "returned_by_quality_check": {
                level: {"cases": n[f"returned_by_quality_check.{level}.cases"], "returns": returns[level]}
                for level in RETURNED
            },
            "overdue": overdue,
        }
    )


def legal_aid_quota(scope: FiguresScope) -> dict[str, Any]:
    """Each notary's legal-aid notary cases in the year of `to`, against the yearly target.

    Read from the `notary.legal_aid_counted` milestones of cases in scope; every notary of the
    organisation and below is listed, those with none too (they are the ones behind target).
    """
    year = scope.date_to.year
    start = datetime.combine(date(year, 1, 1), time.min, tzinfo=local_zone())
    end = datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=local_zone())
    cases: dict[str, set[str]] = defaultdict(set)
    events = Event.objects.filter(
        action=QUOTA,
        created_at__gte=start,
        created_at__lt=end,
        instance__org_path__startswith=scope.organisation.path,
    ).values_list("instance_id", "detail")
    for instance_id, detail in events:
        quota = (detail or {}).get("quota") or {}
        if quota.get("notary") and quota.get("year") == year:
            cases[quota["notary"]].add(quota.get("case_number") or str(instance_id))
    notary_ids = Membership.objects.filter(
        role=Role.NOTARY, organisation__path__startswith=scope.organisation.path
    ).values("user_id")
    users = get_user_model().objects.filter(pk__in=notary_ids) | get_user_model().objects.filter(
        username__in=list(cases)
    )
    rows = []
    for user in users.distinct().order_by("username"):
        office = notary_office(user)
        count, target = len(cases.get(user.get_username(), ())), quota_target_for(office)
        rows.append(
            {
                "notary": user.get_username(),
                "name": user.get_full_name() or user.get_username(),
                "organisation": office.code if office else None,
                "count": count,
                "target": target,
                "met": count >= target,
            }
        )
    return {
        "year": year,
        "notaries": rows,
        "met": sum(row["met"] for row in rows),
        "behind": sum(not row["met"] for row in rows),
    }
