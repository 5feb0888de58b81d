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
    Delegation,
    HumanTask,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    Substitute,
    TaskStatus,
)
from workflows import TASK_ACTIONS, ElementStates, HumanTaskSpec

APPLICANT_GROUP = Role.APPLICANT.value


def instances_visible_to(user: AbstractBaseUser) -> QuerySet[ProcessInstance]:
    """Applicants see their own cases; staff see the cases of their organisations and below."""
    q = Q(applicant=user) | Q(started_by=user)
    for grant in user_grants(user):
        if grant.role in STAFF_ROLES:
            q |= Q(org_path__startswith=grant.path)
    return ProcessInstance.objects.filter(q)


def substituted_users(user: AbstractBaseUser, today: Any = None) -> list[int]:
    """Ids of the colleagues `user` stands in for today (代理人): their tasks reach `user` too."""
    cached = getattr(user, "_lexflow_substituted", None)
    if cached is None:
        day = today or timezone.localdate()
        cached = list(
            Substitute.objects.filter(substitute=user, starts_on__lte=day, ends_on__gte=day).values_list(
                "user_id", flat=True
            )
        )
        user._lexflow_substituted = cached
    return cached


def _queue_q(user: AbstractBaseUser) -> Q:
    """Tasks a user may work: a candidate group matching one of their roles within that role's
    organisation scope, tasks for the applicant group on the user's own cases, tasks naming
    them as a candidate user, tasks assigned to them, and tasks assigned to colleagues they
    stand in for today."""
    q = (
        Q(assignee=user)
        | Q(candidates__group=APPLICANT_GROUP, instance__applicant=user)
        | Q(candidates__group=f"{CANDIDATE_USER_PREFIX}{user.get_username()}")
    )
    today = timezone.localdate()
    standing_in = Substitute.objects.filter(substitute=user, starts_on__lte=today, ends_on__gte=today)
    q |= Q(assignee_id__in=standing_in.values("user_id"))  # a subquery: the queue stays one query
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
    if task.assignee_id is not None and task.assignee_id in substituted_users(user):
        return True
    return task_group_member(task, user)


def task_group_member(task: HumanTask, user: AbstractBaseUser) -> bool:
    """Is the task for one of `user`'s roles in their organisation scope (whoever holds it now)?
    Who a task may be transferred or assigned to."""
    if user.get_username() in (task.candidate_users or ()):
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


# ---------------------------------------------------------------------------------------------
# Case and task operations: who may do what (the services enforce it, the API lists it)

# Who may put a queue task on a named person (指派): the heads of the organisation and above.
ASSIGNING_ROLES = frozenset({Role.DIRECTOR, Role.SUPERVISOR, Role.ADMIN})
# Who may cancel, suspend and resume cases and deal with incidents: administrators and directors.
OPERATING_ROLES = frozenset({Role.DIRECTOR, Role.ADMIN})
# Incidents are also listed for supervisors, who watch the organisations below them.
INCIDENT_READERS = OPERATING_ROLES | {Role.SUPERVISOR}


def user_has_role_over(user: AbstractBaseUser | None, org_path: str, roles: frozenset[str]) -> bool:
    """Does `user` hold one of `roles` in the organisation at `org_path` or one above it?"""
    if user is None or not user.is_authenticated:
        return False
    return any(grant.role in roles and org_path.startswith(grant.path) for grant in user_grants(user))


def task_works_for(task: HumanTask, user: AbstractBaseUser) -> bool:
    """May `user` do the work of `task` now: it is open, theirs or nobody's (or a colleague's they
    stand in for), for their role and organisation, and not out with a delegate?"""
    if task.status != TaskStatus.OPEN or not task_is_actionable_by(task, user):
        return False
    return task.assignee_id in (None, user.pk) or task.assignee_id in substituted_users(user)


def task_node(task: HumanTask) -> HumanTaskSpec | None:
    info = package_for(task.instance.definition).processes.get(task.instance.definition.key)
    return info.human_tasks.get(task.bpmn_id) if info is not None else None


# Applicants' own tasks (a supplement, a rating) are not passed around: no transfer, delegation,
# return, consultation or taking back, unless the diagram says so.
APPLICANT_TASK_ACTIONS = frozenset({"comment", "copy", "urge"})


def task_offered_actions(task: HumanTask) -> frozenset[str]:
    """The operations the task's node offers: the diagram's `actions`, else the defaults."""
    node = task_node(task)
    if node is not None and node.actions is not None:
        return frozenset(node.actions)
    if APPLICANT_GROUP in (task.candidate_groups or []):
        return APPLICANT_TASK_ACTIONS
    return frozenset(TASK_ACTIONS)


def task_available_actions(task: HumanTask, user: AbstractBaseUser) -> list[str]:
    """What `user` may do to `task` now, for the buttons of the task page (the services check
    each again, with the case locked)."""
    instance = task.instance
    offered = task_offered_actions(task)
    staff = user_sees_whole_case(user, instance)
    suspended = instance.status == InstanceStatus.SUSPENDED
    running = instance.status in (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED)
    available: list[str] = []
    if task.status == TaskStatus.COMPLETED:
        if "withdraw" in offered and task.completed_by_id == user.pk and running and not suspended:
            available.append("withdraw")
        if "comment" in offered and staff:
            available.append("comment")
        return available
    if task.status != TaskStatus.OPEN or not running:
        return available
    works = task_works_for(task, user)
    delegated = task.delegation == Delegation.PENDING
    mine = task.assignee_id == user.pk or (
        task.assignee_id is not None and task.assignee_id in substituted_users(user)
    )
    if not suspended:
        if task.assignee_id is None and task_is_actionable_by(task, user):
            available.append("claim")
        if works and not delegated:
            available += ["complete"]
            available += [name for name in ("return", "consult") if name in offered]
        if mine and not delegated and "delegate" in offered:
            available.append("delegate")
        if mine and delegated:
            available.append("resolve")
    if task.assignee_id is not None and (mine or user_has_role_over(user, task.org_path, ASSIGNING_ROLES)):
        available.append("unclaim")
    if (
        "transfer" in offered
        and not delegated
        and (
            mine
            or (task.assignee_id is None and works)
            or user_has_role_over(user, task.org_path, ASSIGNING_ROLES)
        )
    ):
        available.append("transfer")
    if user_has_role_over(user, task.org_path, ASSIGNING_ROLES):
        available.append("assign")
    if staff:
        available += [name for name in ("comment", "copy") if name in offered]
        if "urge" in offered and not suspended and task.assignee_id != user.pk:
            available.append("urge")
    elif "comment" in offered and works:
        available.append("comment")  # an applicant may add a note to their own task
    return list(dict.fromkeys(available))


def instance_available_actions(instance: ProcessInstance, user: AbstractBaseUser) -> list[str]:
    """Case operations `user` may take on `instance` now (the console's buttons)."""
    available: list[str] = []
    if instance.status in (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED):
        if user_has_role_over(user, instance.org_path, OPERATING_ROLES):
            available.append("cancel")
            available.append("resume" if instance.status == InstanceStatus.SUSPENDED else "suspend")
        if user_has_role_over(user, instance.org_path, frozenset({Role.ADMIN})):
            available.append("data")
        if instance.applicant_id == user.pk and instance_withdrawal_refusal(instance) is None:
            available.append("withdraw")
    return available


def instance_withdrawal_refusal(instance: ProcessInstance) -> str | None:
    """Why the applicant may not withdraw the case now, or None when they may.

    The process must allow it (`withdrawable`), the case must not have passed one of the nodes
    it may be withdrawn until (`withdrawableUntil`), and no node the case is at may say no;
    a node saying yes allows it whatever the process says.
    """
    if instance.status not in (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED):
        return "案件已结束 / The case has ended."
    info = package_for(instance.definition).processes.get(instance.definition.key)
    if info is None:
        return "此流程不可撤回 / This process cannot be withdrawn."
    states = instance_element_states(instance)
    here = [
        info.annotations[bpmn_id].withdrawable for bpmn_id in states.current if bpmn_id in info.annotations
    ]
    if False in here:
        return "当前环节不可撤回 / The case cannot be withdrawn at this step."
    if True in here:
        return None
    if not info.withdrawable:
        return "此流程不可撤回 / This process cannot be withdrawn."
    passed = [bpmn_id for bpmn_id in info.withdrawable_until if bpmn_id in states.completed]
    if passed:
        return "已作出决定，不能再撤回 / The case is past the point where it can be withdrawn."
    return None


def task_return_targets(task: HumanTask) -> list[dict[str, Any]]:
    """The steps an open task can send the case back to, nearest first, each with who did it."""
    from workflows import TaskNotReady

    instance = task.instance
    running = engine().restore(package_for(instance.definition), instance.state)
    try:
        targets = running.return_targets(task.engine_task_id)
    except TaskNotReady:
        return []
    done = {
        row.engine_task_id: row
        for row in HumanTask.objects.filter(
            instance=instance,
            status=TaskStatus.COMPLETED,
            engine_task_id__in=[target.task_id for target in targets],
        )
        .select_related("completed_by")
        .order_by("completed_at", "id")
    }
    return [
        {
            "bpmn_id": target.bpmn_id,
            "name": target.name,
            "done_by": done[target.task_id].completed_by if target.task_id in done else None,
            "done_at": done[target.task_id].completed_at if target.task_id in done else None,
        }
        for target in targets
    ]


def copies_for(user: AbstractBaseUser) -> QuerySet[Any]:
    """抄送我的: tasks copied to `user`, newest first, of cases they still see."""
    from server.processes.models import TaskCopy

    return (
        TaskCopy.objects.filter(recipient=user, instance__in=instances_visible_to(user))
        .select_related("sender", "task", "instance__definition")
        .defer("instance__state", "instance__data", "instance__definition__files")
        .order_by("-id")
    )


def incidents_visible_to(user: AbstractBaseUser) -> QuerySet[Any]:
    """Incidents of the cases in the organisations where `user` operates or supervises."""
    from server.processes.models import Incident

    q = Q(pk__in=[])
    for grant in user_grants(user):
        if grant.role in INCIDENT_READERS:
            q |= Q(instance__org_path__startswith=grant.path)
    return (
        Incident.objects.filter(q)
        .select_related("instance__definition", "instance__organisation", "resolved_by")
        .defer("instance__state", "instance__data", "instance__definition__files")
        .order_by("-id")
    )


def with_incident_flag(cases: QuerySet[ProcessInstance]) -> QuerySet[ProcessInstance]:
    """`open_incidents` on each case: an open incident waits for an operator."""
    from django.db.models import Exists, OuterRef

    from server.processes.models import Incident, IncidentStatus

    return cases.annotate(
        open_incidents=Exists(Incident.objects.filter(instance=OuterRef("pk"), status=IncidentStatus.OPEN))
    )


def instance_open_incident(instance: ProcessInstance) -> Any:
    from server.processes.models import IncidentStatus

    return instance.incidents.filter(status=IncidentStatus.OPEN).order_by("-id").first()


def people_in_scope(
    user: AbstractBaseUser, *, query: str = "", role: str = "", organisation: str = ""
) -> Any:
    """Staff `user` may name (transfer, assign, copy, consult, a substitute): active users holding a
    staff role in an organisation within the user's scope or above the user's own (a supervisor
    at the city is named from the county). Searched by username or name."""
    from django.contrib.auth import get_user_model

    from server.accounts.models import Membership

    paths = [grant.path for grant in user_grants(user) if grant.role in STAFF_ROLES]
    if not paths:
        return get_user_model().objects.none()
    reach = Q(pk__in=[])
    for path in paths:
        reach |= Q(organisation__path__startswith=path)
        for ancestor in path.strip("/").split("/")[:-1]:
            reach |= Q(organisation_id=int(ancestor))
    memberships = Membership.objects.filter(reach, role__in=STAFF_ROLES)
    if role:
        memberships = memberships.filter(role=role)
    if organisation:
        memberships = memberships.filter(organisation__code=organisation)
    users = get_user_model().objects.filter(is_active=True, pk__in=memberships.values("user_id"))
    query = query.strip()
    if query:
        users = users.filter(
            Q(username__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
        )
    return users.order_by("username")


def timers_next_due_in(now: datetime | None = None) -> float | None:
    """Seconds until the next waiting timer of a running case falls due (0 if one is due), or None."""
    now = now or timezone.now()
    due_at = (
        ProcessInstance.objects.filter(status=InstanceStatus.RUNNING, next_timer_at__isnull=False)
        .exclude(incidents__status="open")  # waits for an operator, not for the sweep
        .order_by("next_timer_at")
        .values_list("next_timer_at", flat=True)
        .first()
    )
    return None if due_at is None else max(0.0, (due_at - now).total_seconds())
