"""Figures of the 法律援助 / Legal aid service line, counted from milestone events only.

The cohort is the cases received (`legal_aid.received`) in the period within the
organisation's scope; everything else is what has happened to those cases since. Every
count is a figure of `FIGURES`, so the cases behind it are listed by the same rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from server.processes.figures import (
    WITHDRAWN_BY_APPLICANT,
    CaseMilestones,
    Figure,
    FigureFamily,
    LineFigures,
    Target,
    moment,
    on_time,
    passed,
    past_due,
    rate,
)

PREFIX = "legal_aid."
RECEIVED = "legal_aid.received"
ADVANCE_AID = "legal_aid.advance_aid"
SUPPLEMENT_REQUESTED = "legal_aid.supplement_requested"
SUPPLEMENTED = "legal_aid.supplemented"
WITHDRAWN = "legal_aid.withdrawn"
DECIDED = "legal_aid.decided"
GRANTED = "legal_aid.granted"
REFUSED = "legal_aid.refused"
ASSIGNED = "legal_aid.assigned"
OBJECTION_FILED = "legal_aid.objection_filed"
OBJECTION_DECIDED = "legal_aid.objection_decided"
CLOSED = "legal_aid.closed"
SUBSIDY = "legal_aid.subsidy"
RATED = "legal_aid.rated"
RATINGS = ("excellent", "good", "fair", "poor")
RATING_TITLES = {
    "excellent": "非常满意 / Excellent",
    "good": "满意 / Good",
    "fair": "一般 / Fair",
    "poor": "不满意 / Poor",
}
CHANNEL_TITLES = {
    "online": "网上申请 / Online",
    "hotline_12348": "12348 热线 / 12348 hotline",
    "window": "窗口申请 / Walk-in window",
    "workstation": "乡镇（街道）工作站 / Township workstation",
    "unknown": "未记录 / Not recorded",
}


def _decision_due(case: CaseMilestones) -> datetime | None:
    """The decision deadline in force: moved back by a supplement (time waiting is not counted)."""
    return moment(case.value(SUPPLEMENTED, "decision_due")) or moment(case.value(RECEIVED, "decision_due"))


def _waiting_for_applicant(case: CaseMilestones) -> bool:
    return SUPPLEMENT_REQUESTED in case.events and SUPPLEMENTED not in case.events


def _decided_on_time(case: CaseMilestones) -> bool | None:
    return on_time(case.at(DECIDED), case.value(DECIDED, "decision_due"))


def _assigned(case: CaseMilestones) -> bool:
    return GRANTED in case.events and ASSIGNED in case.events


def _assigned_on_time(case: CaseMilestones) -> bool | None:
    return on_time(case.at(ASSIGNED), case.value(GRANTED, "assignment_due")) if _assigned(case) else None


def _undecided_past(case: CaseMilestones, now: datetime) -> datetime | None:
    """The decision due moment, if it has passed with no decision (nor withdrawal) while the
    case was not waiting for the applicant's missing material."""
    finished = DECIDED in case.events or WITHDRAWN in case.events or case.ended_early
    return past_due(_decision_due(case), now, pending=not finished and not _waiting_for_applicant(case))


def _unassigned_past(case: CaseMilestones, now: datetime) -> datetime | None:
    """The assignment due moment, if it has passed with aid granted and no lawyer assigned."""
    pending = GRANTED in case.events and ASSIGNED not in case.events and not case.ended_early
    return past_due(moment(case.value(GRANTED, "assignment_due")), now, pending=pending)


def _subsidy(case: CaseMilestones) -> float | None:
    amount = (case.value(SUBSIDY, "subsidy") or {}).get("amount")
    return amount if isinstance(amount, int | float) else None


def _rating(case: CaseMilestones) -> str | None:
    rating = case.value(RATED, "rating")
    return rating if rating in RATINGS else None


def _has(action: str) -> Callable[[CaseMilestones, datetime], bool]:
    return lambda case, now: action in case.events


def _late(case: CaseMilestones) -> bool:
    return False


def _rated(rating: str) -> Figure:
    return Figure(
        f"服务评价：{RATING_TITLES[rating]}", lambda case, now: _rating(case) == rating, passed(RATED)
    )


_OBJECTION = passed(OBJECTION_DECIDED)

# Decisions within 7 days (Legal Aid Law art. 43) and assignments within 3: every one, so 100%;
# the plan's third-party satisfaction survey: "excellent" from at least 85%.
TARGETS = {
    "decided_within_deadline": Target(
        "decided_within_deadline.rate", 100.0, "按期决定率", "On-time decision rate"
    ),
    "assigned_within_deadline": Target(
        "assigned_within_deadline.rate", 100.0, "按期指派率", "On-time assignment rate"
    ),
    "satisfaction_excellent": Target("satisfaction.excellent_rate", 85.0, "非常满意率", "Excellent rate"),
}

FIGURES = LineFigures(
    key="legal-aid",
    title="法律援助 / Legal aid",
    prefix=PREFIX,
    cohort=RECEIVED,
    figures={
        "received": Figure("收到申请 / Applications received", _has(RECEIVED), passed(RECEIVED)),
        "exempt": Figure(
            "免予经济困难审查 / Exempt from the hardship check",
            lambda case, now: case.value(RECEIVED, "exemption_category") not in (None, "none"),
            passed(RECEIVED),
        ),
        "advance_aid": Figure("先行提供法律援助 / Advance aid", _has(ADVANCE_AID), passed(ADVANCE_AID)),
        "supplement_requested": Figure(
            "一次性告知补正材料 / Supplement requested",
            _has(SUPPLEMENT_REQUESTED),
            passed(SUPPLEMENT_REQUESTED),
        ),
        "withdrawn": Figure("逾期未补正视为撤回 / Treated as withdrawn", _has(WITHDRAWN), passed(WITHDRAWN)),
        "withdrawn_by_applicant": Figure(
            "申请人撤回申请 / Withdrawn by the applicant",
            _has(WITHDRAWN_BY_APPLICANT),
            passed(WITHDRAWN_BY_APPLICANT),
        ),
        "decided": Figure("已作出决定 / Decided", _has(DECIDED), passed(DECIDED), _decided_on_time),
        "granted": Figure("给予法律援助 / Granted", _has(GRANTED), passed(GRANTED)),
        "refused": Figure("不予法律援助 / Refused", _has(REFUSED), passed(REFUSED)),
        "decided_within_deadline.count": Figure(
            "按期作出决定 / Decided within the deadline",
            lambda case, now: bool(_decided_on_time(case)),
            passed(DECIDED),
            _decided_on_time,
        ),
        "grants_assigned": Figure(
            "已指派律师 / Grants with a lawyer assigned",
            lambda case, now: _assigned(case),
            passed(ASSIGNED),
            _assigned_on_time,
        ),
        "assigned_within_deadline.count": Figure(
            "按期指派 / Assigned within the deadline",
            lambda case, now: bool(_assigned_on_time(case)),
            passed(ASSIGNED),
            _assigned_on_time,
        ),
        "objections.filed": Figure(
            "提出异议 / Objections filed", _has(OBJECTION_FILED), passed(OBJECTION_FILED)
        ),
        "objections.upheld": Figure(
            "异议成立 / Objections upheld",
            lambda case, now: case.value(OBJECTION_DECIDED, "objection_outcome") == "upheld",
            _OBJECTION,
        ),
        "objections.rejected": Figure(
            "异议不成立 / Objections rejected",
            lambda case, now: case.value(OBJECTION_DECIDED, "objection_outcome") == "rejected",
            _OBJECTION,
        ),
        "closed": Figure("已结案 / Closed", _has(CLOSED), passed(CLOSED)),
        "subsidy.cases": Figure(
            "已核定办案补贴 / Cases with a subsidy",
            lambda case, now: _subsidy(case) is not None,
            passed(SUBSIDY),
        ),
        "satisfaction.count": Figure(
            "已评价 / Rated", lambda case, now: _rating(case) is not None, passed(RATED)
        ),
        "satisfaction.excellent": _rated("excellent"),
        **{f"satisfaction.by_rating.{rating}": _rated(rating) for rating in RATINGS},
        "overdue.undecided": Figure(
            "逾期未作决定 / Overdue: no decision",
            lambda case, now: _undecided_past(case, now) is not None,
            on_time=_late,
        ),
        "overdue.unassigned": Figure(
            "给予援助后逾期未指派 / Overdue: granted, no lawyer assigned",
            lambda case, now: _unassigned_past(case, now) is not None,
            passed(GRANTED),
            _late,
        ),
    },
    families={
        "by_channel": FigureFamily(
            "按申请渠道 / By channel",
            lambda case: case.value(RECEIVED, "channel") or "unknown",
            passed(RECEIVED),
            title=lambda channel: CHANNEL_TITLES.get(channel, channel),
        ),
    },
    labels={
        "decided_within_deadline.rate": "按期决定率（%） / Decided within the deadline (%)",
        "assigned_within_deadline.rate": "按期指派率（%） / Assigned within the deadline (%)",
        "subsidy.total": "办案补贴合计（元） / Subsidies in all (CNY)",
        "satisfaction.excellent_rate": "非常满意率（%） / Excellent rate (%)",
    },
    targets=TARGETS,
)


def legal_aid_figures(cases: list[CaseMilestones], now: datetime) -> dict[str, Any]:
    """The figures the department reports, from each case's milestone events."""
    n = FIGURES.tally(cases, now)
    overdue_undecided, overdue_unassigned = [], []
    for case in cases:
        if (due := _undecided_past(case, now)) is not None:
            overdue_undecided.append({**case.ref(), "due": due.isoformat()})
        if (due := _unassigned_past(case, now)) is not None:
            overdue_unassigned.append({**case.ref(), "due": due.isoformat()})
    subsidies = [amount for case in cases if (amount := _subsidy(case)) is not None]
    return FIGURES.with_targets(
        {
            "received": n["received"],
            "by_channel": dict(sorted(FIGURES.families["by_channel"].tally(cases).items())),
            **{
                name: n[name]
                for name in (
                    "exempt",
                    "advance_aid",
                    "supplement_requested",
                    "withdrawn",
                    "withdrawn_by_applicant",
                    "decided",
                    "granted",
                )
            },
            "refused": n["refused"],
            "decided_within_deadline": {
                "count": n["decided_within_deadline.count"],
                "rate": rate(n["decided_within_deadline.count"], n["decided"]),
            },
            "grants_assigned": n["grants_assigned"],
            "assigned_within_deadline": {
                "count": n["assigned_within_deadline.count"],
                "rate": rate(n["assigned_within_deadline.count"], n["grants_assigned"]),
            },
            "objections": {
                "filed": n["objections.filed"],
                "upheld": n["objections.upheld"],
                "rejected": n["objections.rejected"],
            },
            "closed": n["closed"],
            "subsidy": {"cases": n["subsidy.cases"], "total": round(sum(subsidies), 2)},
            "satisfaction": {
                "count": n["satisfaction.count"],
                "excellent": n["satisfaction.excellent"],
                "excellent_rate": rate(n["satisfaction.excellent"], n["satisfaction.count"]),
                "by_rating": {rating: n[f"satisfaction.by_rating.{rating}"] for rating in RATINGS},
            },
            "overdue": {"undecided": overdue_undecided, "unassigned": overdue_unassigned},
        }
    )
