"""Making the task, timer and instance rows say what an engine snapshot says."""

import logging
from collections.abc import Collection, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from server.audit.models import Event
from server.audit.services import event_build, events_save
from server.processes.deadlines import resolve_moment
from server.processes.engine import package_for
from server.processes.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskCandidate,
    TaskStatus,
    Timer,
    TimerStatus,
)
from workflows import FlowAnnotation, Snapshot

logger = logging.getLogger("lexflow.processes")


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


def sync_rows(
    instance: ProcessInstance,
    snapshot: Snapshot,
    *,
    actor: AbstractBaseUser | None,
    events: list[Event] | None = None,
    save_later: bool = False,
    refresh_due: Collection[str] = (),
    ended_as: str | None = None,
) -> list[str]:
    """Make the task and timer rows say what the snapshot says, writing their audit events.

    Also works out the instance's stage, next deadline and next timer and returns the names
    of those that changed; with `save_later` they are only set on the object, for the
    caller's one UPDATE of the instance.

    Open tasks keep the due date they got when they opened, except those whose bpmn id is in
    `refresh_due` (a suspension or a data correction moved what their due date is built on).
    A timer the engine still waits on at another moment is moved, not replaced. `ended_as`
    says the case ended by an operation (cancelled, withdrawn) that records its own event,
    rather than by running to its end.

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
            if row.bpmn_id in refresh_due:
                _refresh_due(row, ready_by_id[row.engine_task_id], actor, events)
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
        if row.engine_task_id in waiting:  # the same timer, moved (a suspension stopped the clock)
            before, row.due_at = row.due_at, waiting.pop(row.engine_task_id).due_at
            row.save(update_fields=["due_at"])
            waiting_rows.append(row)
            events.append(
                event_build(
                    action="timer.moved",
                    actor=actor,
                    instance=instance,
                    bpmn_id=row.bpmn_id,
                    due_at=row.due_at.isoformat(),
                    was=before.isoformat(),
                )
            )
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
    if snapshot.completed and ended_as is None and instance.withdrawn_at is None:
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


def save_snapshot(instance: ProcessInstance, snapshot: Snapshot, *, ended_as: str | None = None) -> None:
    """Save the engine state; a case that ended is completed, or `ended_as` (cancelled), or
    withdrawn when the applicant withdrew it (its withdrawal path may run on before it ends)."""
    instance.state = snapshot.state
    instance.serializer_version = snapshot.serializer_version
    instance.data = snapshot.data
    instance.lock_version += 1  # safe: every caller holds the instance row lock
    if snapshot.completed:
        withdrawn = InstanceStatus.WITHDRAWN if instance.withdrawn_at else InstanceStatus.COMPLETED
        instance.status = ended_as or withdrawn
        instance.completed_at = timezone.now()
    instance.save(update_fields=_SNAPSHOT_FIELDS + _DERIVED_FIELDS + _OPERATION_FIELDS)


# Set by the case operations (services.cases) before they save the snapshot.
_OPERATION_FIELDS = ["end_reason", "withdrawn_at"]


def _refresh_due(row: HumanTask, ready: Any, actor: AbstractBaseUser | None, events: list[Event]) -> None:
    """The open task's due date again from its (moved) due expression; a duration still runs
    from when the task opened."""
    due_at = resolve_moment(ready.due, start=row.created_at)
    if due_at == row.due_at:
        return
    before, row.due_at = row.due_at, due_at
    row.save(update_fields=["due_at", "due_sort"])
    events.append(
        event_build(
            action="task.due_moved",
            actor=actor,
            instance=row.instance,
            task=row,
            due_at=due_at.isoformat() if due_at else None,
            was=before.isoformat() if before else None,
        )
    )
