"""The department's complaint figures, counted from milestone events only.

The plan's targets: every eligible complaint accepted (acceptance rate 100%) and every
accepted complaint answered in writing (reply rate 100%). A case belongs to the period in
which its complaint was received (`complaint.received`); what happened to it later counts
whenever it happened.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.utils import timezone

from server.complaints.reference import ground_for
from server.processes.figures import CaseMilestones, moment, on_time, rate

PREFIX = "complaint."
RECEIVED = "complaint.received"
ELIGIBLE = "complaint.eligible"
INELIGIBLE = "complaint.ineligible"
ACCEPTED = "complaint.accepted"
ACCEPTANCE_OVERDUE = "complaint.acceptance_overdue"
REPLIED = "complaint.replied"
REPLY_OVERDUE = "complaint.reply_overdue"
FEEDBACK = "complaint.feedback"

TARGETS = {"acceptance_rate": 100.0, "reply_rate": 100.0}
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


def complaint_figures(cases: list[CaseMilestones], *, now: datetime | None = None) -> dict[str, Any]:
    """Counts, rates and the overdue list for complaints received in the period.

    - acceptance rate = accepted / eligible; reply rate = replied / accepted;
    - on-time acceptance rate = accepted by `acceptance_due` / accepted; on-time reply rate =
      replied by `reply_due` (set on acceptance) / replied;
    - satisfaction rate = satisfied / complainants who answered (no answer is not counted);
    - overdue: not accepted (and not refused) past `acceptance_due` -- whether or not the
      eligibility check is done yet -- and accepted but not replied past `reply_due`.
    """
    now = now or timezone.now()
    counts: Counter[str] = Counter()
    grounds: Counter[str] = Counter()
    satisfaction: Counter[str] = Counter()
    overdue: list[dict[str, Any]] = []
    for case in cases:
        counts["received"] += 1
        accepted_at, replied_at = case.at(ACCEPTED), case.at(REPLIED)
        acceptance_due = case.value(RECEIVED, "acceptance_due") or case.value(ACCEPTED, "acceptance_due")
        reply_due = case.value(ACCEPTED, "reply_due")
        if INELIGIBLE in case.events:
            counts["ineligible"] += 1
            grounds[case.value(INELIGIBLE, "ineligible_ground") or "other"] += 1
            reason = str(case.value(INELIGIBLE, "ineligible_reason") or "")
            counts["ineligible_with_reason"] += bool(reason.strip())
        if ELIGIBLE in case.events:
            counts["eligible"] += 1
        if accepted_at is not None:
            counts["accepted"] += 1
            counts["accepted_on_time"] += bool(on_time(accepted_at, acceptance_due))
        if replied_at is not None:
            counts["replied"] += 1
            counts["replied_on_time"] += bool(on_time(replied_at, reply_due))
        counts["acceptance_escalated"] += ACCEPTANCE_OVERDUE in case.events
        counts["reply_escalated"] += REPLY_OVERDUE in case.events
        if FEEDBACK in case.events:
            satisfaction[case.value(FEEDBACK, "satisfaction") or "no_answer"] += 1

        due = moment(acceptance_due)
        if accepted_at is None and INELIGIBLE not in case.events and due is not None and due < now:
            step = "acceptance" if ELIGIBLE in case.events else "eligibility"
            overdue.append(_overdue_row(case, "acceptance", due, now, step=step))
        due = moment(reply_due)
        if accepted_at is not None and replied_at is None and due is not None and due < now:
            overdue.append(_overdue_row(case, "reply", due, now, step="reply"))
    overdue.sort(key=lambda row: (-row["days_overdue"], row["instance"]))

    answered = satisfaction["satisfied"] + satisfaction["not_satisfied"]
    rates = {
        "acceptance_rate": rate(counts["accepted"], counts["eligible"]),
        "reply_rate": rate(counts["replied"], counts["accepted"]),
        "on_time_acceptance_rate": rate(counts["accepted_on_time"], counts["accepted"]),
        "on_time_reply_rate": rate(counts["replied_on_time"], counts["replied"]),
        "satisfaction_rate": rate(satisfaction["satisfied"], answered),
    }
    by_ground = []
    for code, count in sorted(grounds.items(), key=lambda item: (-item[1], item[0])):
        ground = ground_for(code)
        by_ground.append({"ground": code, "title": ground.title if ground else code, "count": count})
    return {
        "targets": dict(TARGETS),
        "counts": {name: counts[name] for name in COUNT_NAMES},
        "rates": rates,
        "meets_targets": {
            name: (value is not None and value >= target)
            for name, target in TARGETS.items()
            for value in [rates[name]]
        },
        "ineligible": {
            "count": counts["ineligible"],
            "with_written_reason": counts["ineligible_with_reason"],
            "by_ground": by_ground,
        },
        "satisfaction": {
            "satisfied": satisfaction["satisfied"],
            "not_satisfied": satisfaction["not_satisfied"],
            "no_answer": satisfaction["no_answer"],
            "rate": rates["satisfaction_rate"],
        },
        "overdue": overdue,
        "as_of": timezone.localtime(now).isoformat(),
    }
