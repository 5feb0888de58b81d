"""Figures of the people's mediation service line, counted from milestone events only.

The cohort is the disputes received (`mediation.received`) in the period within the
organisation's scope. Every count is a figure of `FIGURES`, so the cases behind it are
listed by the same rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone

from server.processes.figures import (
    WITHDRAWN_BY_APPLICANT,
    CaseMilestones,
    Figure,
    FigureFamily,
    LineFigures,
    Target,
    moment,
    passed,
    past_due,
    rate,
)

PREFIX = "mediation."
RECEIVED = "mediation.received"
ACCEPTED = "mediation.accepted"
RISK_ESCALATED = "mediation.risk_escalated"
ESCALATED = "mediation.escalated"
AGREEMENT = "mediation.agreement"
OVERRUN = "mediation.overrun"
CONFIRMATION_APPLIED = "mediation.confirmation_applied"
LEVELS = ("administrative", "judicial")
AGREEMENT_LEVELS = ("people", "administrative")
LEVEL_TITLES = {
    "people": "人民调解 / People's mediation",
    "administrative": "行政调解 / Administrative mediation",
    "judicial": "司法调解 / Judicial mediation",
}


def _escalation_levels(case: CaseMilestones) -> set[str]:
    """A case escalates more than once under the same milestone (administrative, then judicial)."""
    return {level for level in case.values(ESCALATED, "escalation_level") if level}


def _escalated_at(level: str) -> Callable[[CaseMilestones], datetime | None]:
    def at(case: CaseMilestones) -> datetime | None:
        events = case.repeats.get(ESCALATED, [])
        return next(
            (event.created_at for event in events if event.detail.get("escalation_level") == level), None
        )

    return at


def _agreed(case: CaseMilestones) -> bool:
    return AGREEMENT in case.events


def _referred(case: CaseMilestones) -> bool:
    """Referred on to judicial mediation / the court: concluded without an agreement here."""
    return "judicial" in _escalation_levels(case)


def _concluded_at(case: CaseMilestones) -> datetime | None:
    return case.at(AGREEMENT) or _escalated_at("judicial")(case)


def _overdue_past(case: CaseMilestones, now: datetime) -> datetime | None:
    """`mediation_due` (recorded on acceptance) if it has passed with no agreement and no referral."""
    pending = ACCEPTED in case.events and not _agreed(case) and not _referred(case) and not case.ended_early
    return past_due(moment(case.value(ACCEPTED, "mediation_due")), now, pending=pending)


def _has(action: str) -> Callable[[CaseMilestones, datetime], bool]:
    return lambda case, now: action in case.events


ESCALATION_TITLES = {
    "administrative": "升级至行政调解 / Escalated to administrative mediation",
    "judicial": "升级至司法调解或引导诉讼 / Escalated to judicial mediation or the court",
}


def _escalated(level: str) -> Figure:
    return Figure(
        ESCALATION_TITLES[level],
        lambda case, now: level in _escalation_levels(case),
        _escalated_at(level),
    )


_OVERDUE = Figure(
    "调解逾期 / Overdue: no outcome by the mediation deadline",
    lambda case, now: _overdue_past(case, now) is not None,
    passed(ACCEPTED),
    lambda case: False,
)

# The plan: every dispute brought to a committee is accepted.
TARGETS = {"acceptance_rate": Target("rates.acceptance_rate", 100.0, "受理率", "Acceptance rate")}

FIGURES = LineFigures(
    key="mediation",
    title="人民调解 / Mediation",
    prefix=PREFIX,
    cohort=RECEIVED,
    figures={
        "counts.received": Figure("收到纠纷 / Disputes received", _has(RECEIVED), passed(RECEIVED)),
        "counts.accepted": Figure("已受理 / Accepted", _has(ACCEPTED), passed(ACCEPTED)),
        "counts.risk_escalations": Figure(
            "风险上报 / Escalated for a risk of violence or crime",
            _has(RISK_ESCALATED),
            passed(RISK_ESCALATED),
        ),
        **{f"counts.escalations.{level}": _escalated(level) for level in LEVELS},
        "counts.agreements": Figure("达成协议 / Agreements", _has(AGREEMENT), passed(AGREEMENT)),
        "counts.withdrawn": Figure(
            "当事人撤回 / Withdrawn by the party",
            _has(WITHDRAWN_BY_APPLICANT),
            passed(WITHDRAWN_BY_APPLICANT),
        ),
        "counts.concluded": Figure(
            "已办结（协议或移送） / Concluded: agreement or referral",
            lambda case, now: _agreed(case) or _referred(case),
            _concluded_at,
        ),
        "counts.overruns": Figure("调解超期 / Overruns", _has(OVERRUN), passed(OVERRUN), lambda case: False),
        "counts.confirmations_applied": Figure(
            "申请司法确认 / Applied for judicial confirmation",
            _has(CONFIRMATION_APPLIED),
            passed(CONFIRMATION_APPLIED),
        ),
        "counts.overdue": _OVERDUE,
        "overdue": _OVERDUE,
    },
    families={
        "counts.agreements_by_level": FigureFamily(
            "按调解层级的协议 / Agreements by level",
            lambda case: (case.value(AGREEMENT, "mediation_level") or "people") if _agreed(case) else None,
            passed(AGREEMENT),
            fixed=AGREEMENT_LEVELS,
            title=lambda level: LEVEL_TITLES.get(level, level),
        ),
    },
    labels={
        "rates.acceptance_rate": "受理率（%） / Acceptance rate (%)",
        "rates.agreement_rate": "调解成功率（%） / Agreement rate (%)",
        "rates.confirmation_rate": "申请司法确认率（%） / Confirmation rate (%)",
    },
    targets=TARGETS,
)


def mediation_figures(cases: list[CaseMilestones], *, now: Any = None) -> dict[str, Any]:
    """The department's mediation figures for a cohort of cases (those received in the period).

    - acceptance rate: accepted / received (the plan's target is 100%: every dispute is accepted);
    - escalations by level: cases escalated to administrative mediation (after a failed session,
      an overrun, or at once for a risk of violence or crime) and on to judicial mediation;
    - agreement rate: agreements / concluded cases, a case being concluded by an agreement (at
      any level) or by its referral on to judicial mediation / the court;
    - confirmation rate: applications for judicial confirmation / agreements;
    - overdue: accepted cases with no agreement and no referral to the court whose
      `mediation_due` (recorded on acceptance) has passed.
    """
    now = now or timezone.now()
    n = FIGURES.tally(cases, now)
    overdue = [
        {**case.ref(), "mediation_due": due.isoformat()}
        for case in cases
        if (due := _overdue_past(case, now)) is not None
    ]
    overdue.sort(key=lambda row: row["mediation_due"])

    def count(name: str) -> int:
        return n[f"counts.{name}"]

    return FIGURES.with_targets(
        {
            "counts": {
                "received": count("received"),
                "accepted": count("accepted"),
                "risk_escalations": count("risk_escalations"),
                "escalations": {level: count(f"escalations.{level}") for level in LEVELS},
                "agreements": count("agreements"),
                "agreements_by_level": FIGURES.families["counts.agreements_by_level"].tally(cases),
                "concluded": count("concluded"),
                "overruns": count("overruns"),
                "confirmations_applied": count("confirmations_applied"),
                "withdrawn": count("withdrawn"),
                "overdue": count("overdue"),
            },
            "rates": {
                "acceptance_rate": rate(count("accepted"), count("received")),
                "agreement_rate": rate(count("agreements"), count("concluded")),
                "confirmation_rate": rate(count("confirmations_applied"), count("agreements")),
            },
            "overdue": overdue,
        }
    )
