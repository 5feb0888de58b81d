"""Reads of the processes app: what a user may see, and the task queue."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from server.accounts.models import STAFF_ROLES, Role
from server.accounts.selectors import user_grants
from server.processes.engine import package_for
from server.processes.models import HumanTask, ProcessDefinition, ProcessInstance, TaskStatus

APPLICANT_GROUP = Role.APPLICANT.value


def instances_visible_to(user: AbstractBaseUser) -> QuerySet[ProcessInstance]:
    """Applicants see their own cases; staff see the cases of their organisations and below."""
    q = Q(applicant=user) | Q(started_by=user)
    for grant in user_grants(user):
        if grant.role in STAFF_ROLES:
            q |= Q(org_path__startswith=grant.path)
    return ProcessInstance.objects.filter(q)


def _queue_q(user: AbstractBaseUser) -> Q:
    """Tasks a user may work: a candidate group matching one of their roles within that role's
    organisation scope, tasks for the applicant group on the user's own cases, and tasks
    assigned to them."""
    q = Q(assignee=user) | Q(candidates__group=APPLICANT_GROUP, instance__applicant=user)
    for grant in user_grants(user):
        if grant.role in STAFF_ROLES:
            q |= Q(candidates__group=grant.role, org_path__startswith=grant.path)
    return q


def task_queue(user: AbstractBaseUser) -> QuerySet[HumanTask]:
    ids = HumanTask.objects.filter(_queue_q(user)).values("id")
    return (
        HumanTask.objects.filter(id__in=ids)
        .select_related("instance__definition", "assignee", "organisation")
        # A queue page shows none of these, and they are the big columns (engine state, case
        # data, the process's files): leave them in the database.
        .defer("instance__state", "instance__data", "instance__definition__files")
        .order_by("-priority", "due_sort", "id")
    )


def task_is_visible_to(task: HumanTask, user: AbstractBaseUser) -> bool:
    """The same rule as `tasks_visible_to`, for one task already loaded with its instance."""
    if task_is_actionable_by(task, user):
        return True
    instance = task.instance
    if user.pk in (instance.applicant_id, instance.started_by_id):
        return True
    return user_sees_whole_case(user, instance)


def task_is_actionable_by(task: HumanTask, user: AbstractBaseUser) -> bool:
    """May `user` claim and complete `task`? The same rule as the queue (`_queue_q`)."""
    if task.assignee_id == user.pk:
        return True
    groups = set(task.candidate_groups)
    if APPLICANT_GROUP in groups and task.instance.applicant_id == user.pk:
        return True
    # Only staff roles reach tasks by organisation: the applicant group means the case's
    # own applicant, never every applicant of the county.
    return any(
        grant.role in groups and grant.role in STAFF_ROLES and task.org_path.startswith(grant.path)
        for grant in user_grants(user)
    )


def tasks_overdue_q(now: datetime | None = None) -> Q:
    return Q(status=TaskStatus.OPEN, due_at__lt=now or timezone.now())


def definitions_latest() -> QuerySet[ProcessDefinition]:
    """The latest version of every process."""
    from django.db.models import Max

    latest_ids = (
        ProcessDefinition.objects.values("key").annotate(latest=Max("id")).values_list("latest", flat=True)
    )
    return ProcessDefinition.objects.filter(id__in=list(latest_ids)).order_by("key")


# ---------------------------------------------------------------------------------------------
# What of a case's data a viewer may read

_ALWAYS_SHOWN_DETAIL = frozenset({"bpmn_id", "process", "version", "steps"})


def user_sees_whole_case(user: AbstractBaseUser | None, instance: ProcessInstance) -> bool:
    """Staff of the case's organisation (or above) see everything; an applicant sees their part."""
    if user is None or not user.is_authenticated:
        return False
    return any(
        grant.role in STAFF_ROLES and instance.org_path.startswith(grant.path) for grant in user_grants(user)
    )


def case_data_for(user: AbstractBaseUser | None, instance: ProcessInstance, data: Any) -> Any:
    """`data` as `user` may see it: whole for staff in scope, else only the applicant's fields
    (their own forms, the notices the process declares, `case`). Internal notes stay internal."""
    if not isinstance(data, dict) or user_sees_whole_case(user, instance):
        return data
    allowed = _applicant_fields(instance)
    return {key: value for key, value in data.items() if key in allowed}


def event_detail_for(user: AbstractBaseUser | None, instance: ProcessInstance, detail: Any) -> Any:
    if not isinstance(detail, dict) or user_sees_whole_case(user, instance):
        return detail
    allowed = _applicant_fields(instance) | _ALWAYS_SHOWN_DETAIL
    shown = {key: value for key, value in detail.items() if key in allowed}
    if isinstance(detail.get("submitted"), dict):
        shown["submitted"] = {k: v for k, v in detail["submitted"].items() if k in allowed}
    return shown


def _applicant_fields(instance: ProcessInstance) -> frozenset[str]:
    info = package_for(instance.definition).processes.get(instance.definition.key)
    return info.applicant_fields if info is not None else frozenset({"case"})
