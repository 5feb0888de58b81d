"""Reads of the processes app: what a user may see, and the task queue."""

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from server.accounts.models import STAFF_ROLES, Role
from server.accounts.selectors import user_grants
from server.core import calendar
from server.processes.deadlines import process_working_days_left
from server.processes.engine import engine, package_for
from server.processes.models import (
    CANDIDATE_USER_PREFIX,
    HumanTask,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    TaskStatus,
)
from workflows import ElementStates

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
    organisation scope, tasks for the applicant group on the user's own cases, tasks naming
    them as a candidate user, and tasks assigned to them."""
    q = (
        Q(assignee=user)
        | Q(candidates__group=APPLICANT_GROUP, instance__applicant=user)
        | Q(candidates__group=f"{CANDIDATE_USER_PREFIX}{user.get_username()}")
    )
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
        # The database reads the one flag out of the case data, so the data stays there too.
        .annotate(green_channel=Case(When(GREEN_CHANNEL_Q, then=Value(True)), default=Value(False)))
        .order_by("-priority", "due_sort", "id")
    )


# ---------------------------------------------------------------------------------------------
# The workbench: green channel, today, counts, working days left

# The notary green channel (elderly, disabled, seriously ill, low-income, legal-aid
# recipients, military families) is decided once per case, by the `notary_green_channel`
# decision table, into the case data as `green_channel` (true/false); every task of such a
# case then gets priority 95. The case flag is the definition: priorities are a diagram's
# choice and other processes use high ones for other reasons (advance legal aid, a risk of
# violence), while the flag means exactly "this case is in the green channel".
GREEN_CHANNEL_Q = Q(instance__data__green_channel=True)


def local_today_bounds(now: datetime | None = None) -> tuple[datetime, datetime]:
    """Start of today and of tomorrow on the service's clock (Asia/Shanghai), as aware datetimes."""
    today = timezone.localtime(now or timezone.now(), calendar.local_zone()).date()
    start = datetime.combine(today, time.min, tzinfo=calendar.local_zone())
    return start, start + timedelta(days=1)


def tasks_due_today_q(now: datetime | None = None) -> Q:
    """Due before the end of today, Shanghai time: today's work and whatever is already late."""
    return Q(due_at__lt=local_today_bounds(now)[1])


def task_counts(user: AbstractBaseUser) -> dict[str, int]:
    """How much open work the caller's queue holds, by the workbench's tabs (one query)."""
    now = timezone.now()
    open_work = task_queue(user).filter(status=TaskStatus.OPEN).order_by()
    return open_work.aggregate(
        mine=Count("id", filter=Q(assignee=user)),
        groups=Count("id", filter=~Q(assignee=user)),  # NOT on a nullable key keeps NULLs
        unassigned=Count("id", filter=Q(assignee__isnull=True)),
        due_today=Count("id", filter=tasks_due_today_q(now)),
        overdue=Count("id", filter=Q(due_at__lt=now)),
        green_channel=Count("id", filter=GREEN_CHANNEL_Q),
    )


def task_in_green_channel(task: HumanTask) -> bool:
    """The flag the queue annotates; for a task loaded another way, read from its case."""
    flagged = getattr(task, "green_channel", None)
    if flagged is not None:
        return bool(flagged)
    instance = task.instance
    if "data" not in instance.get_deferred_fields():
        return isinstance(instance.data, dict) and instance.data.get("green_channel") is True
    return ProcessInstance.objects.filter(pk=instance.pk, data__green_channel=True).exists()


def task_working_days_left(task: HumanTask, now: datetime | None = None) -> int | None:
    """Working days from today to the due day on the official calendar; None without a due date.

    0 means due today. Once the moment has passed the answer is negative, at least -1 even
    on the due day itself or over a weekend, so "overdue" and "negative" always agree.
    """
    if task.due_at is None:
        return None
    left = process_working_days_left({}, task.due_at)
    if task.status == TaskStatus.OPEN and task.due_at < (now or timezone.now()):
        return min(left, -1)
    return left


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
    if task.assignee_id == user.pk or user.get_username() in (task.candidate_users or ()):
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


def definition_main_bpmn(definition: ProcessDefinition) -> tuple[str, str]:
    """(file name, XML) of the BPMN file that holds the process itself, of a package's files."""
    bpmn = [name for name in sorted(definition.files) if name.endswith(".bpmn")]
    main = next((name for name in bpmn if f'id="{definition.key}"' in definition.files[name]), bpmn[0])
    return main, definition.files[main]


def instance_element_states(instance: ProcessInstance) -> ElementStates:
    """Completed, current and waiting diagram elements of a case, read from its engine state."""
    return engine().element_states(package_for(instance.definition), instance.state)


def definition_for_new_cases(key: str) -> ProcessDefinition | None:
    """The version a new case of `key` starts on: the latest one that is not retired."""
    return ProcessDefinition.objects.filter(key=key, retired=False).order_by("-version").first()


def definitions_startable() -> QuerySet[ProcessDefinition]:
    """For every process, the version new cases start on (processes with every version retired
    are left out)."""
    from django.db.models import Max

    latest_ids = (
        ProcessDefinition.objects.filter(retired=False)
        .values("key")
        .annotate(latest=Max("id"))
        .values_list("latest", flat=True)
    )
    return ProcessDefinition.objects.filter(id__in=list(latest_ids)).order_by("key")


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


def timers_next_due_in(now: datetime | None = None) -> float | None:
    """Seconds until the next waiting timer of a running case falls due (0 if one is due), or None."""
    now = now or timezone.now()
    due_at = (
        ProcessInstance.objects.filter(status=InstanceStatus.RUNNING, next_timer_at__isnull=False)
        .order_by("next_timer_at")
        .values_list("next_timer_at", flat=True)
        .first()
    )
    return None if due_at is None else max(0.0, (due_at - now).total_seconds())
