"""The department's complaint figures, counted from milestone events only.

The plan's targets: every eligible complaint accepted (acceptance rate 100%) and every
accepted complaint answered in writing (reply rate 100%). A case belongs to the period in
which its complaint was received (`complaint.received`); what happened to it later counts
whenever it happened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from server.complaints.reference import ground_for
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

PREFIX = "complaint."
RECEIVED = "complaint.received"
ELIGIBLE = "complaint.eligible"
INELIGIBLE = "complaint.ineligible"
ACCEPTED = "complaint.accepted"
ACCEPTANCE_OVERDUE = "complaint.acceptance_overdue"
REPLIED = "complaint.replied"
REPLY_OVERDUE = "complaint.reply_overdue"
FEEDBACK = "complaint.feedback"

# The plan: every eligible complaint accepted, every accepted complaint replied to.
TARGETS = {
    "acceptance_rate": Target("rates.acceptance_rate", 100.0, "受理率", "Acceptance rate"),
    "reply_rate": Target("rates.reply_rate", 100.0, "答复率", "Reply rate"),
}
OVERDUE_WHAT = {
    "acceptance": "逾期未作出受理决定 / Acceptance decision overdue",
    "reply": "逾期未书面答复 / Written reply overdue",
}


# The counts every answer carries, in the order the API documents them.
COUNT_NAMES = (
    "received",
    "eligible",
    "ineligible",
    "accepted",
    "accepted_on_time",
    "replied",
    "replied_on_time",
    "acceptance_escalated",
    "reply_escalated",
    "withdrawn",
    "ended_before_acceptance",
    "ended_before_reply",
)


def days_overdue(due: datetime, now: datetime) -> int:
    """Whole calendar days past the due moment, counted as the department counts them:
    a deadline at 23:59:59 on the 24th is one day overdue on the 25th."""
    days = (timezone.localtime(now).date() - timezone.localtime(due).date()).days
    return max(days, 1)


def _overdue_row(case: CaseMilestones, kind: str, due: datetime, now: datetime, **extra: Any) -> dict:
    return {
        **case.ref(),
        "kind": kind,
        "what": OVERDUE_WHAT[kind],
        "due": timezone.localtime(due).isoformat(),
        "days_overdue": days_overdue(due, now),
        "escalated": (ACCEPTANCE_OVERDUE if kind == "acceptance" else REPLY_OVERDUE) in case.events,
        **extra,
    }


def _acceptance_due(case: CaseMilestones) -> Any:
    return case.value(RECEIVED, "acceptance_due") or case.value(ACCEPTED, "acceptance_due")


def _accepted_on_time(case: CaseMilestones) -> bool | None:
    return on_time(case.at(ACCEPTED), _acceptance_due(case))


def _replied_on_time(case: CaseMilestones) -> bool | None:
    return on_time(case.at(REPLIED), case.value(ACCEPTED, "reply_due"))


def _acceptance_overdue(case: CaseMilestones, now: datetime) -> datetime | None:
    """The acceptance due moment if it has passed with the complaint neither accepted nor
    refused -- whether or not the eligibility check is done yet."""
    pending = ACCEPTED not in case.events and INELIGIBLE not in case.events and not case.ended_early
    return past_due(moment(_acceptance_due(case)), now, pending=pending)


def _reply_overdue(case: CaseMilestones, now: datetime) -> datetime | None:
    """The reply due moment if it has passed with the accepted complaint not replied to."""
    pending = ACCEPTED in case.events and REPLIED not in case.events and not case.ended_early
    return past_due(moment(case.value(ACCEPTED, "reply_due")), now, pending=pending)


def _satisfaction(case: CaseMilestones) -> str | None:
    return (case.value(FEEDBACK, "satisfaction") or "no_answer") if FEEDBACK in case.events else None


def _has(action: str) -> Any:
    return lambda case, now: action in case.events


def _rated(answer: str) -> Figure:
    return Figure(
        f"{SATISFACTION_TITLES[answer]}",
        lambda case, now: _satisfaction(case) == answer,
        passed(FEEDBACK),
    )


SATISFACTION_TITLES = {
    "satisfied": "满意 / Satisfied",
    "not_satisfied": "不满意 / Not satisfied",
    "no_answer": "未评价 / No answer",
}
_INELIGIBLE = Figure("不予受理（不符合条件） / Ineligible", _has(INELIGIBLE), passed(INELIGIBLE))

FIGURES = LineFigures(
    key="complaints",
    title="投诉处理 / Complaints",
    prefix=PREFIX,
    cohort=RECEIVED,
    figures={
        "counts.received": Figure("收到投诉 / Received", _has(RECEIVED), passed(RECEIVED)),
        "counts.eligible": Figure("符合受理条件 / Eligible", _has(ELIGIBLE), passed(ELIGIBLE)),
        "counts.ineligible": _INELIGIBLE,
        "counts.accepted": Figure("已受理 / Accepted", _has(ACCEPTED), passed(ACCEPTED), _accepted_on_time),
        "counts.accepted_on_time": Figure(
            "按期受理 / Accepted on time",
            lambda case, now: bool(_accepted_on_time(case)),
            passed(ACCEPTED),
            _accepted_on_time,
        ),
        "counts.replied": Figure("已书面答复 / Replied", _has(REPLIED), passed(REPLIED), _replied_on_time),
        "counts.withdrawn": Figure(
            "投诉人撤回 / Withdrawn by the complainant",
            _has(WITHDRAWN_BY_APPLICANT),
            passed(WITHDRAWN_BY_APPLICANT),
        ),
        # Complaints withdrawn (or cancelled) before the step a rate measures are not counted
        # against it: a withdrawn complaint was not refused acceptance, nor left unanswered.
        "counts.ended_before_acceptance": Figure(
            "受理前撤回或撤销 / Withdrawn or cancelled before acceptance",
            lambda case, now: ELIGIBLE in case.events and case.ended_before(ACCEPTED),
            passed(ELIGIBLE),
        ),
        "counts.ended_before_reply": Figure(
            "答复前撤回或撤销 / Withdrawn or cancelled before the reply",
            lambda case, now: ACCEPTED in case.events and case.ended_before(REPLIED),
            passed(ACCEPTED),
        ),
        "counts.replied_on_time": Figure(
            "按期答复 / Replied on time",
            lambda case, now: bool(_replied_on_time(case)),
            passed(REPLIED),
            _replied_on_time,
        ),
        "counts.acceptance_escalated": Figure(
            "受理逾期已督办 / Acceptance escalated",
            _has(ACCEPTANCE_OVERDUE),
            passed(ACCEPTANCE_OVERDUE),
            lambda case: False,
        ),
        "counts.reply_escalated": Figure(
            "答复逾期已督办 / Reply escalated",
            _has(REPLY_OVERDUE),
            passed(REPLY_OVERDUE),
            lambda case: False,
        ),
        "ineligible.count": _INELIGIBLE,
        "ineligible.with_written_reason": Figure(
            "不予受理并书面说明理由 / Ineligible, with a written reason",
            lambda case, now: (
                INELIGIBLE in case.events
                and bool(str(case.value(INELIGIBLE, "ineligible_reason") or "").strip())
            ),
            passed(INELIGIBLE),
        ),
        **{f"satisfaction.{answer}": _rated(answer) for answer in SATISFACTION_TITLES},
        "overdue": Figure(
            "逾期未受理或未答复 / Overdue: not accepted or not replied in time",
            lambda case, now: (
                _acceptance_overdue(case, now) is not None or _reply_overdue(case, now) is not None
            ),
            on_time=lambda case: False,
        ),
    },
    families={
        "ineligible.by_ground": FigureFamily(
            "不予受理，按理由 / Ineligible, by ground",
            lambda case: (
                (case.value(INELIGIBLE, "ineligible_ground") or "other")
                if INELIGIBLE in case.events
                else None
            ),
            passed(INELIGIBLE),
            title=lambda code: ground.title if (ground := ground_for(code)) else code,
        ),
    },
    labels={
        "rates.acceptance_rate": "受理率（%） / Acceptance rate (%)",
        "rates.reply_rate": "答复率（%） / Reply rate (%)",
        "rates.on_time_acceptance_rate": "按期受理率（%） / On-time acceptance rate (%)",
        "rates.on_time_reply_rate": "按期答复率（%） / On-time reply rate (%)",
        "rates.satisfaction_rate": "满意率（%） / Satisfaction rate (%)",
        "satisfaction.rate": "满意率（%） / Satisfaction rate (%)",
    },
    targets=TARGETS,
)


def complaint_figures(cases: list[CaseMilestones], *, now: datetime | None = None) -> dict[str, Any]:
    """Counts, rates and the overdue list for complaints received in the period.

    Every count is a figure of `FIGURES`, so the cases behind it can be listed by the same rule.

    - acceptance rate = accepted / eligible; reply rate = replied / accepted (complaints withdrawn
      or cancelled before that step are left out of both: they were not refused, nor unanswered);
    - on-time acceptance rate = accepted by `acceptance_due` / accepted; on-time reply rate =
      replied by `reply_due` (set on acceptance) / replied;
    - satisfaction rate = satisfied / complainants who answered (no answer is not counted);
    - overdue: not accepted (and not refused) past `acceptance_due` -- whether or not the
      eligibility check is done yet -- and accepted but not replied past `reply_due`.
    """
    now = now or timezone.now()
    counts = FIGURES.tally(cases, now)
    overdue: list[dict[str, Any]] = []
    for case in cases:
        if (due := _acceptance_overdue(case, now)) is not None:
            step = "acceptance" if ELIGIBLE in case.events else "eligibility"
            overdue.append(_overdue_row(case, "acceptance", due, now, step=step))
        if (due := _reply_overdue(case, now)) is not None:
            overdue.append(_overdue_row(case, "reply", due, now, step="reply"))
    overdue.sort(key=lambda row: (-row["days_overdue"], row["instance"]))

    def n(name: str) -> int:
        return counts[f"counts.{name}"]

    satisfied, not_satisfied = counts["satisfaction.satisfied"], counts["satisfaction.not_satisfied"]
    rates = {
        "acceptance_rate": rate(n("accepted"), n("eligible") - n("ended_before_acceptance")),
        "reply_rate": rate(n("replied"), n("accepted") - n("ended_before_reply")),
        "on_time_acceptance_rate": rate(n("accepted_on_time"), n("accepted")),
        "on_time_reply_rate": rate(n("replied_on_time"), n("replied")),
        "satisfaction_rate": rate(satisfied, satisfied + not_satisfied),
    }
    grounds = FIGURES.families["ineligible.by_ground"].tally(cases)
    by_ground = []
    for code, count in sorted(grounds.items(), key=lambda item: (-item[1], item[0])):
        ground = ground_for(code)
        by_ground.append({"ground": code, "title": ground.title if ground else code, "count": count})
    answer = {
        "counts": {name: n(name) for name in COUNT_NAMES},
        "rates": rates,
        "ineligible": {
            "count": counts["ineligible.count"],
            "with_written_reason": counts["ineligible.with_written_reason"],
            "by_ground": by_ground,
        },
        "satisfaction": {
            "satisfied": satisfied,
            "not_satisfied": not_satisfied,
            "no_answer": counts["satisfaction.no_answer"],
            "rate": rates["satisfaction_rate"],
        },
        "overdue": overdue,
        "as_of": timezone.localtime(now).isoformat(),
    }
    return FIGURES.with_targets(answer)
