"""Service-task handlers and statutory deadlines of the 人民调解 / People's mediation service line."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from server.accounts.models import Organisation
from server.accounts.selectors import ancestor_paths, organisation_from_code
from server.core.db import lock_in_order
from server.mediation.models import MAX_GRADE, MIN_GRADE, Mediator
from server.processes.deadlines import register_deadline
from server.processes.engine import register_service
from server.processes.models import TaskStatus

# People's Mediation Law art. 33: the parties may jointly apply to the court for judicial
# confirmation within 30 days of the agreement taking effect.
register_deadline(
    "mediation.confirmation",
    30,
    "days",
    "司法确认申请期 / Window to apply for judicial confirmation",
    basis="《人民调解法》第三十三条 / People's Mediation Law art. 33",
    warn_before=5,
)
# A people's mediation should end within 30 days of acceptance (the department's rule of
# practice, 人民调解工作若干规定); past it, the dispute escalates to the judicial office.
register_deadline(
    "mediation.duration",
    30,
    "days",
    "人民调解期限 / Time for people's mediation",
    basis="《人民调解工作若干规定》：一般一个月内调结 / Rules on mediation work: settle within a month",
    warn_before=5,
)
# Administrative mediation at the township judicial office runs on the same 30-day figure;
# past it the parties are guided to judicial mediation or the court.
register_deadline(
    "mediation.administrative",
    30,
    "days",
    "行政调解期限 / Time for administrative mediation",
    basis="参照人民调解期限 / By analogy with the people's mediation period",
    warn_before=5,
)
# Disputes that may turn into public-order or criminal cases must be reported promptly
# (People's Mediation Law art. 25); the justice bureau hears of them within a day.
register_deadline(
    "mediation.risk_report",
    24,
    "hours",
    "民转刑风险通报期限 / Time to report a risk of violence or crime",
    basis="《人民调解法》第二十五条 / People's Mediation Law art. 25",
    warn_before=4,
)


# A mediator's load: the mediation sessions open in their name (other work, such as an
# acceptance they are completing right now, does not make them busier as a mediator).
PROCESS = "mediation"
SESSION_TASK = "session"


class AssignmentError(ValueError):
    """The diagram passed parameters the assignment cannot work with (a modelling error)."""


def _grade(value: Any) -> int:
    problem = f"min_grade must be a whole number from {MIN_GRADE} to {MAX_GRADE}, not {value!r}"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise AssignmentError(problem)
    try:
        number = float(value)
    except ValueError:
        raise AssignmentError(problem) from None
    if not number.is_integer() or not MIN_GRADE <= number <= MAX_GRADE:
        raise AssignmentError(problem)
    return int(number)


def mediators_for(organisation: Organisation, min_grade: int) -> list[Mediator]:
    """Active mediators of `organisation` or an organisation above it holding at least
    `min_grade`, least loaded (fewest open mediation sessions) first; on equal load the lower
    grade first (senior mediators stay free for the disputes only they may take), then by
    username for a stable order."""
    return list(
        Mediator.objects.filter(
            active=True,
            user__is_active=True,
            grade__gte=min_grade,
            organisation__path__in=ancestor_paths(organisation.path),
        )
        .select_related("user", "organisation")
        .annotate(
            load=Count(
                "user__assigned_tasks",
                filter=Q(
                    user__assigned_tasks__status=TaskStatus.OPEN,
                    user__assigned_tasks__bpmn_id=SESSION_TASK,
                    user__assigned_tasks__instance__definition__key=PROCESS,
                ),
                distinct=True,
            )
        )
        .order_by("load", "grade", "user__username")
    )


@register_service("mediation.assign_mediator", params=("organisation", "min_grade"))
def assign_mediator(params: dict[str, Any]) -> dict[str, Any]:
    """指派负担最轻的调解员 / Assign the least-loaded mediator of at least the given grade.

    Params: `organisation` (the case's organisation code), `min_grade` (1-4).

    Result: `username` of the least-loaded active mediator of that organisation or above it
    with at least that grade (None when nobody qualifies: the session task then waits in the
    mediator queue), with their `grade`, `name`, open-task `load`, and a bilingual `message`.
    Raises `AssignmentError` (the case stops with a clear incident) on bad parameters.
    """
    min_grade = _grade(params.get("min_grade"))
    try:
        organisation = organisation_from_code(params.get("organisation"))
    except ValueError as exc:
        raise AssignmentError(str(exc)) from None
    # Two disputes assigned at once must not both see the same mediator as least loaded.
    lock_in_order(
        Mediator.objects.filter(organisation__path__in=ancestor_paths(organisation.path), active=True)
    )
    candidates = mediators_for(organisation, min_grade)
    if not candidates:
        return {
            "username": None,
            "name": None,
            "grade": None,
            "load": None,
            "min_grade": min_grade,
            "message": (
                f"无 {min_grade} 级及以上在岗调解员，案件进入调解员队列 / "
                f"No active mediator of grade {min_grade} or above: the case waits in the mediator queue"
            ),
        }
    chosen = candidates[0]
    user = chosen.user
    return {
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
        "grade": chosen.grade,
        "load": chosen.load,
        "min_grade": min_grade,
        "message": f"已指派 {chosen.grade} 级调解员 / Assigned to a grade {chosen.grade} mediator",
    }
