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
    CANDIDATE_USER_PREFIX,
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    Subscription,
    SubscriptionStatus,
    TaskCandidate,
    TaskStatus,
    Timer,
    TimerStatus,
    correlation_key,
)
from workflows import FlowAnnotation, Snapshot

logger = logging.getLogger("lexflow.processes")


def _task_row_values(instance: ProcessInstance, ready: Any, now: Any) -> dict[str, Any]:
    return {
        "bpmn_id": ready.bpmn_id,
        "name": ready.name or ready.bpmn_id,
        "candidate_groups": list(ready.candidate_groups),
        "candidate_users": list(ready.candidate_users),
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
    refresh: bool = False,
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

    `refresh` (after a move to another version) also rewrites the open tasks that stay open
    with what the new version says of them (step, name, groups, forms, priority), keeping their
    claim and due date, and re-labels the timers that keep waiting.
    """
    now = timezone.now()
    events = list(events or [])
    ready_by_id = {task.task_id: task for task in snapshot.ready_tasks}
    open_tasks = []
    for row in instance.tasks.filter(status=TaskStatus.OPEN).select_related("assignee"):
        if row.engine_task_id in ready_by_id:
            if refresh:
                _refresh_task_row(row, ready_by_id[row.engine_task_id])
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
        TaskCandidate.objects.bulk_create(_candidates(row))
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
            kept = waiting.pop(row.engine_task_id)
            if refresh and row.bpmn_id != kept.bpmn_id:
                row.bpmn_id = kept.bpmn_id
                row.save(update_fields=["bpmn_id"])
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
    subscription_rows = _sync_subscriptions(instance, snapshot, actor=actor, events=events, now=now)
    annotations = _annotations(instance)
    events.extend(_milestone_events(instance, snapshot, actor))
    if snapshot.documents:
        from server.documents.services import documents_create

        documents_create(instance=instance, due=snapshot.documents, actor=actor)
    if snapshot.completed and ended_as is None and instance.withdrawn_at is None:
        events.append(event_build(action="instance.completed", actor=actor, instance=instance))
    changed = {
        "next_timer_at": min((row.due_at for row in waiting_rows), default=None),
        "stage": _stage(instance, snapshot, annotations, open_tasks, waiting_rows, subscription_rows),
        "next_deadline": min((row.due_at for row in open_tasks if row.due_at), default=None),
        "has_subscriptions": bool(subscription_rows),
    }
    changed = {name: value for name, value in changed.items() if getattr(instance, name) != value}
    for name, value in changed.items():
        setattr(instance, name, value)
    if changed and not save_later:
        ProcessInstance.objects.filter(pk=instance.pk).update(**changed)
    events_save(events)
    instance.open_tasks = open_tasks
    instance.waiting_timers = sorted(waiting_rows, key=lambda row: row.due_at)
    instance.waiting_subscriptions = subscription_rows
    instance.dispatch_actor = actor  # who threw what `save_snapshot` then delivers
    return list(changed)


def _sync_subscriptions(
    instance: ProcessInstance,
    snapshot: Snapshot,
    *,
    actor: AbstractBaseUser | None,
    events: list[Event],
    now: Any,
) -> list[Subscription]:
    """Make the subscription rows say which messages and signals the snapshot waits for.

    A row whose event the engine no longer waits for was withdrawn (another branch of a
    gateway won, the task it was attached to finished); one that was delivered was marked so
    by the delivery before this sync. Correlation values that changed make a new row.
    """
    wanted = {(s.task_id, s.kind, s.name): s for s in snapshot.subscriptions}
    kept: list[Subscription] = []
    rows = (
        instance.subscriptions.filter(status=SubscriptionStatus.WAITING) if instance.has_subscriptions else ()
    )
    for row in rows:
        found = wanted.get((row.engine_task_id, row.kind, row.name))
        if found is not None and correlation_key(found.correlation) == row.correlation_key:
            wanted.pop((row.engine_task_id, row.kind, row.name))
            kept.append(row)
            continue
        row.status = SubscriptionStatus.WITHDRAWN
        row.closed_at = now
        row.save(update_fields=["status", "closed_at", "correlation_key"])
        events.append(
            event_build(
                action=f"{row.kind}.withdrawn",
                actor=actor,
                instance=instance,
                bpmn_id=row.bpmn_id,
                name=row.name,
            )
        )
    created = [
        Subscription(
            instance=instance,
            engine_task_id=found.task_id,
            bpmn_id=found.bpmn_id,
            kind=found.kind,
            name=found.name,
            correlation=dict(found.correlation),
            correlation_key=correlation_key(found.correlation),
            org_path=instance.org_path,
        )
        for found in wanted.values()
    ]
    if created:
        kept += Subscription.objects.bulk_create(created)
    return kept


def _refresh_task_row(row: HumanTask, ready: Any) -> None:
    """An open task as the instance's (new) version describes it; claim and due date kept."""
    values = {
        "bpmn_id": ready.bpmn_id,
        "name": ready.name or ready.bpmn_id,
        "candidate_groups": list(ready.candidate_groups),
        "candidate_users": list(ready.candidate_users),
        "priority": ready.priority,
        "form": ready.form or "",
        "ui_form": ready.ui_form or "",
    }
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return
    candidates_changed = "candidate_groups" in changed or "candidate_users" in changed
    for name in changed:
        setattr(row, name, values[name])
    row.save(update_fields=changed)
    if candidates_changed:
        row.candidates.all().delete()
        TaskCandidate.objects.bulk_create(_candidates(row))


def _candidates(row: HumanTask) -> list[TaskCandidate]:
    """The queue's rows for a task: one per candidate group, one per candidate user."""
    names = list(dict.fromkeys(row.candidate_groups))
    names += [f"{CANDIDATE_USER_PREFIX}{user}" for user in dict.fromkeys(row.candidate_users)]
    return [TaskCandidate(task=row, group=name) for name in names]


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
    subscriptions: list[Subscription] = (),
) -> str:
    """What the applicant is told: the stage of the work in hand, else of the step just passed.

    Open tasks speak first (most urgent first), then timers the case waits on (e.g. the
    judicial-confirmation window), then the messages and signals it waits for (the court's
    confirmation), then the last step this operation passed that names a
    stage (an end event saying "已结案 / Closed"); otherwise the stage stays as it was.
    """

    def stage_of(bpmn_id: str) -> str | None:
        note = annotations.get(bpmn_id)
        return note.stage if note is not None else None

    if not snapshot.completed:
        waiting = [row.bpmn_id for row in open_tasks] + [row.bpmn_id for row in waiting_timers]
        for bpmn_id in waiting + [row.bpmn_id for row in subscriptions]:
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


_DERIVED_FIELDS = ["stage", "next_deadline", "next_timer_at", "has_subscriptions"]


def save_snapshot(
    instance: ProcessInstance,
    snapshot: Snapshot,
    *,
    fields: list[str] | None = None,
    ended_as: str | None = None,
) -> None:
    """Save the engine state and what derives from it, then deliver what the step threw (see
    `dispatch_sent`); `fields` names other columns set on the instance that go in the same
    UPDATE (a migration's new definition). A case that ended is completed, or `ended_as`
    (cancelled), or withdrawn when the applicant withdrew it (its withdrawal path may run on
    before it ends)."""
    instance.state = snapshot.state
    instance.serializer_version = snapshot.serializer_version
    instance.data = snapshot.data
    instance.lock_version += 1  # safe: every caller holds the instance row lock
    if snapshot.completed:
        withdrawn = InstanceStatus.WITHDRAWN if instance.withdrawn_at else InstanceStatus.COMPLETED
        instance.status = ended_as or withdrawn
        instance.completed_at = timezone.now()
    instance.save(update_fields=_SNAPSHOT_FIELDS + _DERIVED_FIELDS + _OPERATION_FIELDS + list(fields or ()))
    dispatch_sent(instance, snapshot)


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


def dispatch_sent(instance: ProcessInstance, snapshot: Snapshot) -> None:
    """Deliver the messages and signals a step threw, in its transaction, once its state is saved.

    After the save, so that a case answering at once finds this one as it now stands. A
    message nobody waits for fails the step (422, nothing saved), as a correlation miss does in
    Camunda.
    """
    if snapshot.sent:
        from server.processes.services.messages import events_dispatch

        events_dispatch(
            instance=instance, sent=snapshot.sent, actor=getattr(instance, "dispatch_actor", None)
        )


def instances_resync(*, limit: int | None = None) -> int:
    """Write the rows the engine implies for running cases that predate them: the subscriptions
    of cases that reached a message or signal wait, the timer of an event-based gateway.

    Each case in its own transaction, under its lock; nothing in the case moves. Returns how
    many cases had rows to add or withdraw.
    """
    from django.db import transaction

    from server.processes.engine import engine

    changed = 0
    ids = (
        ProcessInstance.objects.filter(status=InstanceStatus.RUNNING)
        .order_by("id")
        .values_list("id", flat=True)
    )
    for instance_id in list(ids[:limit] if limit else ids):
        with transaction.atomic():
            instance = (
                ProcessInstance.objects.select_for_update(of=("self",))
                .select_related("definition", "organisation")
                .defer("definition__files")
                .filter(pk=instance_id, status=InstanceStatus.RUNNING)
                .first()
            )
            if instance is None:
                continue
            snapshot = engine().restore(package_for(instance.definition), instance.state).snapshot()
            timers_before = set(
                instance.timers.filter(status=TimerStatus.WAITING).values_list("id", flat=True)
            )
            subscribed_before = instance.has_subscriptions
            derived = sync_rows(instance, snapshot, actor=None, save_later=True)
            if (
                derived
                or subscribed_before != instance.has_subscriptions
                or timers_before != {row.pk for row in instance.waiting_timers}
            ):
                changed += 1
            if derived:
                ProcessInstance.objects.filter(pk=instance.pk).update(
                    **{name: getattr(instance, name) for name in derived}
                )
    return changed
