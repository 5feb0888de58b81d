"""Writes of the processes app: deploy, start, claim, unclaim, complete, fire timers.

Every write that touches a running instance follows one order, so nothing deadlocks and
a failure anywhere changes nothing: lock the instance row, restore the workflow from its
state, act, save the state with its serializer version, re-sync the task and timer rows,
append audit events — all in one transaction.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.exceptions import NotFound, PermissionDenied

from server.accounts.models import Organisation, Role
from server.accounts.selectors import (
    organisation_in_scope,
    user_has_role,
    user_is_staff_member,
    user_primary_organisation,
)
from server.audit.models import Event
from server.audit.services import event_build, event_record, events_save
from server.core.errors import Conflict, InvalidInput, WorkflowFailed
from server.processes.deadlines import resolve_moment
from server.processes.engine import engine, package_for
from server.processes.models import (
    HumanTask,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    TaskCandidate,
    TaskStatus,
    Timer,
    TimerStatus,
)
from server.processes.selectors import task_is_actionable_by, task_is_visible_to
from workflows import DeployFailed, EngineError, FlowAnnotation, ProcessPackage, Snapshot, TaskNotReady

logger = logging.getLogger("lexflow.processes")


# ---------------------------------------------------------------------------------------------
# Deploy


@dataclass(frozen=True)
class DeployOutcome:
    definition: ProcessDefinition
    created: bool


@transaction.atomic
def definitions_deploy(
    *,
    files: Mapping[str, bytes],
    user: AbstractBaseUser | None,
    is_public: bool | None = None,
    organisation: Organisation | None = None,
    dry_run: bool = False,
) -> list[DeployOutcome]:
    """Deploy a package of process files. Raises `DeployFailed` with every problem found.

    Identical files to the latest version of a process are a no-op; changed files become
    version n+1. Running instances stay on the version they started with. `dry_run` runs
    every check a deploy runs and stops there: nothing is stored, nothing is returned.
    Service tasks must call a registered service with the parameters it declares.
    """
    package = engine().compile(files, dry_run=dry_run, deploying=True)
    from server.documents.services import deploy_errors  # documents build on processes, not the reverse

    notice_errors = [
        error for process_id in package.processes for error in deploy_errors(package, process_id)
    ]
    if notice_errors:
        raise DeployFailed(notice_errors)
    if dry_run:
        return []
    outcomes = []
    texts = {name: content.decode("utf-8") for name, content in package.files.items()}
    for process_id, info in sorted(package.processes.items()):
        latest = (
            ProcessDefinition.objects.select_for_update().filter(key=process_id).order_by("-version").first()
        )
        if latest is not None and latest.digest == package.digest:
            changed = []
            if is_public is not None and latest.is_public != is_public:
                latest.is_public = is_public
                changed.append("is_public")
            if organisation is not None and latest.organisation_id != organisation.pk:
                latest.organisation = organisation
                changed.append("organisation")
            if changed:
                latest.save(update_fields=changed)
            outcomes.append(DeployOutcome(latest, created=False))
            continue
        definition = ProcessDefinition.objects.create(
            key=process_id,
            version=(latest.version + 1) if latest else 1,
            name=info.name or process_id,
            digest=package.digest,
            files=texts,
            is_public=is_public if is_public is not None else (latest.is_public if latest else False),
            organisation=organisation or (latest.organisation if latest else None),
            deployed_by=user if user is not None and user.is_authenticated else None,
        )
        event_record(
            action="process.deployed",
            actor=user,
            key=process_id,
            version=definition.version,
            digest=package.digest,
            files=sorted(texts),
        )
        outcomes.append(DeployOutcome(definition, created=True))
    return outcomes


# ---------------------------------------------------------------------------------------------
# Syncing engine snapshots into rows


def _task_row_values(instance: ProcessInstance, ready: Any, now: Any) -> dict[str, Any]:
    return {
        "bpmn_id": ready.bpmn_id,
        "name": ready.name or ready.bpmn_id,
        "candidate_groups": list(ready.candidate_groups),
        "organisation_id": instance.organisation_id,
        "org_path": instance.org_path,
        "priority": ready.priority,
        "due_at": resolve_moment(ready.due, start=now),
        "follow_up_at": resolve_moment(ready.follow_up, start=now),
        "form": ready.form or "",
        "ui_form": ready.ui_form or "",
    }


def _sync_rows(
    instance: ProcessInstance,
    snapshot: Snapshot,
    *,
    actor: AbstractBaseUser | None,
    events: list[Event] | None = None,
    save_later: bool = False,
) -> list[str]:
    """Make the task and timer rows say what the snapshot says, writing their audit events.

    Also works out the instance's stage, next deadline and next timer and returns the names
    of those that changed; with `save_later` they are only set on the object, for the
    caller's one UPDATE of the instance.

    Leaves the open tasks and waiting timers on the instance (`open_tasks`, `waiting_timers`)
    so the response needs no second look at the database.
    """
    now = timezone.now()
    events = list(events or [])
    ready_by_id = {task.task_id: task for task in snapshot.ready_tasks}
    open_tasks = []
    for row in instance.tasks.filter(status=TaskStatus.OPEN).select_related("assignee"):
        if row.engine_task_id in ready_by_id:
            open_tasks.append(row)
            continue
        # The engine moved past it (a boundary timer, a gateway elsewhere): withdraw it.
        row.status = TaskStatus.CANCELLED
        row.completed_at = now
        row.save(update_fields=["status", "completed_at", "due_sort"])
        events.append(event_build(action="task.cancelled", actor=actor, instance=instance, task=row))
    known = {row.engine_task_id for row in open_tasks}
    for engine_task_id, ready in ready_by_id.items():
        if engine_task_id in known:
            continue
        row = HumanTask(
            instance=instance, engine_task_id=engine_task_id, **_task_row_values(instance, ready, now)
        )
        if ready.assignee:
            # The diagram routes this task to a person (the assigned lawyer, say); an unknown
            # username leaves it in the group queue rather than losing it.
            row.assignee = get_user_model().objects.filter(username=ready.assignee, is_active=True).first()
            row.claimed_at = now if row.assignee else None
        row.save()
        TaskCandidate.objects.bulk_create(
            [TaskCandidate(task=row, group=group) for group in row.candidate_groups]
        )
        open_tasks.append(row)
        events.append(
            event_build(action="task.created", actor=actor, instance=instance, task=row, bpmn_id=row.bpmn_id)
        )

    waiting = {timer.task_id: timer for timer in snapshot.timers}
    waiting_rows = []
    # `next_timer_at` says whether any timer row waits, so timer-free processes skip the query.
    had_timers = instance.next_timer_at is not None
    for row in instance.timers.filter(status=TimerStatus.WAITING) if had_timers else ():
        if row.engine_task_id in waiting and waiting[row.engine_task_id].due_at == row.due_at:
            waiting.pop(row.engine_task_id)
            waiting_rows.append(row)
            continue
        # Fired only if the engine ran the timer event itself; a timer that vanished because
        # its task was completed first was withdrawn, however late it already was.
        fired = row.bpmn_id in snapshot.steps and row.engine_task_id not in waiting
        row.status = TimerStatus.FIRED if fired else TimerStatus.CANCELLED
        row.fired_at = now if fired else None
        row.save(update_fields=["status", "fired_at"])
        events.append(
            event_build(
                action="timer.fired" if fired else "timer.cancelled",
                actor=actor,
                instance=instance,
                bpmn_id=row.bpmn_id,
                due_at=row.due_at.isoformat(),
            )
        )
    if waiting:
        waiting_rows += Timer.objects.bulk_create(
            [
                Timer(
                    instance=instance,
                    engine_task_id=timer.task_id,
                    bpmn_id=timer.bpmn_id,
                    due_at=timer.due_at,
                )
                for timer in waiting.values()
            ]
        )
    open_tasks.sort(key=lambda row: (-row.priority, row.due_sort, row.pk))
    annotations = _annotations(instance)
    events.extend(_milestone_events(instance, snapshot, actor))
    if snapshot.documents:
        from server.documents.services import documents_create

        documents_create(instance=instance, due=snapshot.documents, actor=actor)
    if snapshot.completed:
        events.append(event_build(action="instance.completed", actor=actor, instance=instance))
    changed = {
        "next_timer_at": min((row.due_at for row in waiting_rows), default=None),
        "stage": _stage(instance, snapshot, annotations, open_tasks, waiting_rows),
        "next_deadline": min((row.due_at for row in open_tasks if row.due_at), default=None),
    }
    changed = {name: value for name, value in changed.items() if getattr(instance, name) != value}
    for name, value in changed.items():
        setattr(instance, name, value)
    if changed and not save_later:
        ProcessInstance.objects.filter(pk=instance.pk).update(**changed)
    events_save(events)
    instance.open_tasks = open_tasks
    instance.waiting_timers = sorted(waiting_rows, key=lambda row: row.due_at)
    return list(changed)


CLOSED_STAGE = "已办结 / Closed"
RUNNING_STAGE = "办理中 / In progress"


def _annotations(instance: ProcessInstance) -> Mapping[str, FlowAnnotation]:
    info = package_for(instance.definition).processes.get(instance.definition.key)
    return info.annotations if info is not None else {}


def _stage(
    instance: ProcessInstance,
    snapshot: Snapshot,
    annotations: Mapping[str, FlowAnnotation],
    open_tasks: list[HumanTask],
    waiting_timers: list[Timer],
) -> str:
    """What the applicant is told: the stage of the work in hand, else of the step just passed.

    Open tasks speak first (most urgent first), then timers the case waits on (e.g. the
    judicial-confirmation window), then the last step this operation passed that names a
    stage (an end event saying "已结案 / Closed"); otherwise the stage stays as it was.
    """

    def stage_of(bpmn_id: str) -> str | None:
        note = annotations.get(bpmn_id)
        return note.stage if note is not None else None

    if not snapshot.completed:
        for bpmn_id in [row.bpmn_id for row in open_tasks] + [row.bpmn_id for row in waiting_timers]:
            if stage := stage_of(bpmn_id):
                return stage
    for bpmn_id in reversed(snapshot.steps):
        if stage := stage_of(bpmn_id):
            return stage
    if snapshot.completed:
        return instance.stage if instance.stage and instance.stage != RUNNING_STAGE else CLOSED_STAGE
    return instance.stage or RUNNING_STAGE


def _milestone_events(
    instance: ProcessInstance, snapshot: Snapshot, actor: AbstractBaseUser | None
) -> list[Event]:
    """One audit event per milestone node passed, carrying the data it names as it stood there."""
    return [
        event_build(
            action=reached.milestone, actor=actor, instance=instance, bpmn_id=reached.bpmn_id, **reached.data
        )
        for reached in snapshot.milestones
    ]


_SNAPSHOT_FIELDS = [
    "state",
    "serializer_version",
    "data",
    "lock_version",
    "status",
    "completed_at",
    "updated_at",
]


_DERIVED_FIELDS = ["stage", "next_deadline", "next_timer_at"]


def _save_snapshot(instance: ProcessInstance, snapshot: Snapshot) -> None:
    instance.state = snapshot.state
    instance.serializer_version = snapshot.serializer_version
    instance.data = snapshot.data
    instance.lock_version += 1  # safe: every caller holds the instance row lock
    if snapshot.completed:
        instance.status = InstanceStatus.COMPLETED
        instance.completed_at = timezone.now()
    instance.save(update_fields=_SNAPSHOT_FIELDS + _DERIVED_FIELDS)


# ---------------------------------------------------------------------------------------------
# Instances


_VALIDATORS: dict[tuple[str, str], Any] = {}


def _form_validator(package: ProcessPackage, form: str) -> Any:
    """The JSON-schema validator of a form, built once per package version (schemas never change)."""
    key = (package.digest, form)
    validator = _VALIDATORS.get(key)
    if validator is None:
        schema = package.forms[form]
        validator_class = jsonschema.validators.validator_for(schema)
        validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
        _VALIDATORS[key] = validator
    return validator


def _validate_form(package: ProcessPackage, form: str | None, data: Any, *, prefix: str = "data") -> None:
    """Check `data` against the form's JSON schema; a 400 names every failing field by its path."""
    if not isinstance(data, dict):
        raise InvalidInput("data must be a JSON object.", {prefix: ["Must be a JSON object."]})
    if not form or not package.forms.get(form):
        return
    errors: dict[str, list[str]] = {}
    for error in _form_validator(package, form).iter_errors(data):
        path = [prefix, *(str(part) for part in error.absolute_path)]
        if error.validator == "required" and isinstance(error.instance, dict):
            # Name the missing field itself, not the object that lacks it.
            for name in error.validator_value:
                if name not in error.instance:
                    errors[".".join([*path, name])] = ["必填 / This field is required."]
        else:
            errors.setdefault(".".join(path), []).append(error.message)
    if errors:
        field = min(errors)
        raise InvalidInput(f"{field}: {errors[field][0]}", dict(sorted(errors.items())))


def _engine_failure(exc: EngineError) -> WorkflowFailed:
    where = exc.element_name or exc.element_id or "the process"
    return WorkflowFailed(f"{where}: {exc}", errors={exc.element_id or "process": [str(exc)]})


@transaction.atomic
def instance_start(
    *,
    process: str,
    user: AbstractBaseUser,
    data: Any,
    business_key: str = "",
    organisation: Organisation | None = None,
) -> ProcessInstance:
    """Start the latest version of `process` for `user` and run it until it waits."""
    definition = ProcessDefinition.objects.filter(key=process).order_by("-version").first()
    if definition is None:
        raise InvalidInput(f"No process named {process!r} is deployed.", {"process": ["Unknown process."]})
    is_staff = user_is_staff_member(user)
    if not definition.is_public and not is_staff:
        raise InvalidInput(
            f"Process {process!r} is not open to applicants.", {"process": ["Not open to applicants."]}
        )
    organisation = organisation or definition.organisation or user_primary_organisation(user)
    if organisation is None:
        raise InvalidInput(
            "Choose the organisation to apply to.", {"organisation": ["This field is required."]}
        )
    if not definition.is_public and not organisation_in_scope(user, organisation):
        raise InvalidInput(
            "You cannot start cases for that organisation.", {"organisation": ["Out of scope."]}
        )
    package = package_for(definition)
    info = package.processes.get(definition.key)
    _validate_form(package, info.start_form if info else None, data)
    # What every diagram may rely on; set last so a form field called `case` cannot forge it.
    data = {
        **data,
        "case": {
            "process": definition.key,
            "organisation": organisation.code,
            "organisation_name": organisation.name,
            "started_at": timezone.localtime().isoformat(),
            "business_key": business_key or "",
        },
    }
    try:
        running = engine().start(package, definition.key, data)
        snapshot = running.snapshot()
    except EngineError as exc:
        raise _engine_failure(exc) from exc
    instance = ProcessInstance.objects.create(
        definition=definition,
        business_key=business_key or "",
        organisation=organisation,
        org_path=organisation.path,
        applicant=user if not is_staff or user_has_role(user, Role.APPLICANT) else None,
        started_by=user,
        status=InstanceStatus.COMPLETED if snapshot.completed else InstanceStatus.RUNNING,
        completed_at=timezone.now() if snapshot.completed else None,
        state=snapshot.state,
        serializer_version=snapshot.serializer_version,
        data=snapshot.data,
    )
    numbered = not instance.business_key
    if numbered:
        # A case number people can read out on the phone: the day it was opened and its id.
        instance.business_key = f"{timezone.localdate():%Y%m%d}-{instance.pk:06d}"
    started = event_build(
        action="instance.started",
        actor=user,
        instance=instance,
        after=snapshot.data,
        process=definition.key,
        version=definition.version,
        steps=list(snapshot.steps),
    )
    derived = _sync_rows(instance, snapshot, actor=user, events=[started], save_later=True)
    # One UPDATE for the case number and what the sync derived (stage, deadlines, timers).
    fields = {name: getattr(instance, name) for name in derived + (["business_key"] if numbered else [])}
    if fields:
        ProcessInstance.objects.filter(pk=instance.pk).update(**fields)
    from server.portal.services import instance_started  # the portal builds on processes, not the reverse

    # Links the uploads the form names (400 if one is not the caller's) and drops their draft.
    instance_started(
        instance=instance, user=user, package=package, form=info.start_form if info else None, data=data
    )
    return instance


# ---------------------------------------------------------------------------------------------
# Tasks


def _locked_task(task_id: int, user: AbstractBaseUser) -> tuple[ProcessInstance, HumanTask]:
    """Lock the instance, then the task: the one lock order every writer uses.

    Raises NotFound when there is no such task or the user may not see it, so a stranger
    learns nothing about it.
    """
    instance = (
        ProcessInstance.objects.select_for_update(of=("self",))
        .select_related("definition", "organisation", "applicant")
        .defer("definition__files")  # the files are only read to compile, once per version
        .filter(tasks__id=task_id)
        .first()
    )
    if instance is None:
        raise NotFound("No such task.")
    task = HumanTask.objects.select_for_update().get(pk=task_id)
    task.instance = instance
    if not task_is_visible_to(task, user):
        raise NotFound("No such task.")
    return instance, task


def task_claim(*, task: HumanTask, user: AbstractBaseUser) -> HumanTask:
    """Take an open task. Exactly one of several people claiming at once wins; the rest get 409."""
    if not task_is_actionable_by(task, user):
        raise PermissionDenied("This task is not for your role or organisation.")
    now = timezone.now()
    with transaction.atomic():
        won = HumanTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN, assignee__isnull=True).update(
            assignee=user, claimed_by=user, claimed_at=now
        )
        task.refresh_from_db()
        if not won:
            if task.status != TaskStatus.OPEN:
                raise Conflict(f"This task is already {task.status}.")
            if task.assignee_id == user.pk:
                return task  # claiming one's own task again changes nothing
            raise Conflict(f"Already claimed by {task.assignee.get_username()}.")
        event_record(action="task.claimed", actor=user, instance=task.instance, task=task)
    return task


def task_unclaim(*, task: HumanTask, user: AbstractBaseUser) -> HumanTask:
    """Give a claimed task back to the queue: its assignee may, and so may a supervisor in scope."""

    with transaction.atomic():
        if task.assignee_id is None:
            raise Conflict("This task is not claimed.")
        if task.assignee_id != user.pk and not user_has_role(user, Role.SUPERVISOR, Role.ADMIN):
            raise PermissionDenied("Only the assignee or a supervisor can return this task to the queue.")
        released = HumanTask.objects.filter(
            pk=task.pk, status=TaskStatus.OPEN, assignee=task.assignee_id
        ).update(assignee=None, claimed_by=None, claimed_at=None)
        if not released:
            raise Conflict("The task was changed by someone else; reload it.")
        previous = task.assignee_id
        task.refresh_from_db()
        event_record(
            action="task.unclaimed", actor=user, instance=task.instance, task=task, previous=previous
        )
    return task


@transaction.atomic
def task_complete(*, task_id: int, user: AbstractBaseUser, data: Any) -> HumanTask:
    """Complete a human task with form data and run the process on until it waits again."""
    instance, task = _locked_task(task_id, user)
    if task.status != TaskStatus.OPEN:
        raise Conflict(f"This task is already {task.status}.")
    if not task_is_actionable_by(task, user):
        raise PermissionDenied("This task is not for your role or organisation.")
    if task.assignee_id not in (None, user.pk):
        raise Conflict(f"Claimed by {task.assignee.get_username()}; ask them or a supervisor to release it.")
    package = package_for(instance.definition)
    _validate_form(package, task.form or None, data)
    before = instance.data
    try:
        running = engine().restore(package, instance.state)
        running.complete(task.engine_task_id, data)
        snapshot = running.snapshot()
    except TaskNotReady as exc:
        raise Conflict("The process has moved on; this task is no longer open.") from exc
    except EngineError as exc:
        raise _engine_failure(exc) from exc
    now = timezone.now()
    if task.assignee_id is None:
        task.assignee = user
        task.claimed_by = user
        task.claimed_at = now
    task.status = TaskStatus.COMPLETED
    task.completed_by = user
    task.completed_at = now
    task.save(update_fields=_COMPLETION_FIELDS)
    completed = event_build(
        action="task.completed",
        actor=user,
        instance=instance,
        task=task,
        before=before,
        after=snapshot.data,
        submitted=data,
        steps=list(snapshot.steps),
    )
    _sync_rows(instance, snapshot, actor=user, events=[completed], save_later=True)
    _save_snapshot(instance, snapshot)
    from server.portal.services import task_completed

    task_completed(instance=instance, user=user, package=package, form=task.form or None, data=data)
    return task


_COMPLETION_FIELDS = [
    "assignee",
    "claimed_by",
    "claimed_at",
    "status",
    "completed_by",
    "completed_at",
    "due_sort",
]


# ---------------------------------------------------------------------------------------------
# Timers


def timers_fire_due(*, limit: int = 100) -> list[Timer]:
    """Fire every due timer once, one instance per transaction. Safe with many workers at once.

    The worker locks like everyone else, instance row first, so it never deadlocks with a
    person completing a task. `SKIP LOCKED` on the instance lets concurrent workers take
    different instances and leaves an instance someone is working on for the next sweep;
    re-reading the timers under that lock makes a timer another worker just fired a no-op.
    """
    fired: list[Timer] = []
    seen: set[int] = set()
    while len(fired) < limit:
        picked: int | None = None
        try:
            with transaction.atomic():
                now = timezone.now()
                instance = (
                    ProcessInstance.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("definition")
                    .defer("definition__files")
                    .filter(
                        status=InstanceStatus.RUNNING,
                        timers__status=TimerStatus.WAITING,
                        timers__due_at__lte=now,
                    )
                    .exclude(pk__in=seen)
                    .order_by("next_timer_at", "id")
                    .first()
                )
                if instance is None:
                    break
                seen.add(instance.pk)
                picked = instance.pk
                due = list(instance.timers.filter(status=TimerStatus.WAITING, due_at__lte=now))
                if not due:
                    continue  # another worker fired them between our look and our lock
                before = instance.data
                try:
                    running = engine().restore(package_for(instance.definition), instance.state)
                    running.fire_due_timers()
                    snapshot = running.snapshot()
                except EngineError as exc:
                    _timer_failed(due, instance, exc)
                    fired += due
                    continue
                timer_event = event_build(
                    action="instance.timer",
                    instance=instance,
                    before=before,
                    after=snapshot.data,
                    bpmn_ids=[timer.bpmn_id for timer in due],
                    steps=list(snapshot.steps),
                )
                _sync_rows(instance, snapshot, actor=None, events=[timer_event], save_later=True)
                _save_snapshot(instance, snapshot)
                for timer in due:
                    timer.refresh_from_db()
                    logger.info(
                        "timer %s (%s) of instance %s: %s", timer.pk, timer.bpmn_id, instance.pk, timer.status
                    )
                    if timer.status == TimerStatus.FIRED:
                        fired.append(timer)
        except Exception:
            if picked is None:
                raise  # no instance could even be picked (database down): the worker loop reports it
            # One instance failing in an unexpected way (a database error, a bug) must not hold
            # up every other instance's timers: log it, leave it for the next sweep, go on.
            logger.exception("timers of instance %s could not be fired; retrying next sweep", picked)
    return fired


def _timer_failed(timers: list[Timer], instance: ProcessInstance, exc: EngineError) -> None:
    """A timer whose path fails stops the instance with an incident instead of retrying forever."""
    for timer in timers:
        timer.status = TimerStatus.FAILED
        timer.error = str(exc)
        timer.save(update_fields=["status", "error"])
    ProcessInstance.objects.filter(pk=instance.pk).update(
        status=InstanceStatus.ERROR,
        error=f"{exc.element_id or ''}: {exc}",
        lock_version=F("lock_version") + 1,
    )
    event_record(action="instance.error", instance=instance, bpmn_id=exc.element_id, message=str(exc))
    logger.error("timers %s of instance %s failed: %s", [t.pk for t in timers], instance.pk, exc)


__all__ = [
    "DeployFailed",
    "DeployOutcome",
    "definitions_deploy",
    "instance_start",
    "task_claim",
    "task_complete",
    "task_unclaim",
    "timers_fire_due",
]
