"""Claiming, releasing and completing human tasks: each locks the case, then the task (`locks`)."""

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from server.accounts.models import Role
from server.accounts.selectors import (
    user_has_role,
)
from server.audit.services import event_build, event_record
from server.core.errors import Conflict, InvalidInput
from server.processes.engine import engine, package_for
from server.processes.models import (
    CommentKind,
    ConsultationStatus,
    Delegation,
    HumanTask,
    TaskComment,
    TaskStatus,
)
from server.processes.selectors import substituted_users, task_is_actionable_by, task_node
from server.processes.services.forms import engine_failure, validate_form
from server.processes.services.locks import task_locked
from server.processes.services.sync import save_snapshot, sync_rows
from workflows import EngineError, TaskNotReady

logger = logging.getLogger("lexflow.processes")


def task_claim(*, task_id: int, user: AbstractBaseUser) -> HumanTask:
    """Take an open task. Exactly one of several people claiming at once wins; the rest get 409.

    Locks the case first, like every writer (`locks`): a claim arriving while a completion
    or a timer is at work on the case waits for it, then answers 409 if the task has gone.
    """
    from server.processes.services.guards import ensure_workable  # guards read the selectors

    with transaction.atomic():
        instance, task = task_locked(task_id, user)
        if not task_is_actionable_by(task, user):
            raise PermissionDenied("This task is not for your role or organisation.")
        if task.status != TaskStatus.OPEN:
            raise Conflict(f"This task is already {task.status}.")
        ensure_workable(instance)  # a suspended case's tasks wait (409 saying why)
        if task.assignee_id == user.pk:
            return task  # claiming one's own task again changes nothing
        if task.assignee_id is not None:
            raise Conflict(f"Already claimed by {task.assignee.get_username()}.")
        task.assignee = task.claimed_by = user
        task.claimed_at = timezone.now()
        task.save(update_fields=["assignee", "claimed_by", "claimed_at"])
        event_record(action="task.claimed", actor=user, instance=instance, task=task)
    return task


def task_unclaim(*, task_id: int, user: AbstractBaseUser) -> HumanTask:
    """Give a claimed task back to the queue: its assignee may, and so may a supervisor in scope."""
    with transaction.atomic():
        instance, task = task_locked(task_id, user)
        if task.status != TaskStatus.OPEN:
            raise Conflict(f"This task is already {task.status}.")
        if task.assignee_id is None:
            raise Conflict("This task is not claimed.")
        if task.assignee_id != user.pk and not user_has_role(user, Role.SUPERVISOR, Role.ADMIN):
            raise PermissionDenied("Only the assignee or a supervisor can return this task to the queue.")
        previous = task.assignee_id
        task.assignee = task.claimed_by = task.claimed_at = None
        task.save(update_fields=["assignee", "claimed_by", "claimed_at"])
        event_record(action="task.unclaimed", actor=user, instance=instance, task=task, previous=previous)
    return task


@transaction.atomic
def task_complete(*, task_id: int, user: AbstractBaseUser, data: Any, comment: str = "") -> HumanTask:
    """Complete a human task with form data and run the process on until it waits again.

    `comment` is the opinion (审批意见) given with it; a node with `opinionRequired` needs one
    (given now or before), and a node with `opinionField` hands its opinions on in the data.
    Not while the case is suspended, the task is out with a delegate, or opinions asked for
    (加签) are still awaited.
    """
    from server.processes.services.guards import ensure_workable

    instance, task = task_locked(task_id, user)
    if task.status != TaskStatus.OPEN:
        raise Conflict(f"This task is already {task.status}.")
    ensure_workable(instance)
    if not task_is_actionable_by(task, user):
        raise PermissionDenied("This task is not for your role or organisation.")
    if task.assignee_id not in (None, user.pk) and task.assignee_id not in substituted_users(user):
        raise Conflict(f"Claimed by {task.assignee.get_username()}; ask them or a supervisor to release it.")
    if task.delegation == Delegation.PENDING:
        raise Conflict(
            "委派中，待受托人交回后由您办结 / With the delegate: they hand it back, then you complete it."
        )
    waiting = list(
        task.consultations.filter(status=ConsultationStatus.OPEN).values_list(
            "consultant__username", flat=True
        )
    )
    if waiting:
        names = ", ".join(waiting)
        raise Conflict(f"尚待以下人员的意见：{names} / Waiting for the opinions of {names}.")
    package = package_for(instance.definition)
    validate_form(package, task.form or None, data)
    node = task_node(task)
    comment = (comment or "").strip()
    if node is not None and node.opinion_required and not comment and not task.comments.exists():
        message = "此环节须填写审批意见 / This step needs an opinion."
        raise InvalidInput(f"comment: {message}", {"comment": [message]})
    if comment:
        TaskComment.objects.create(
            instance=instance, task=task, author=user, kind=CommentKind.OPINION, text=comment
        )
    if node is not None and node.opinion_field:
        opinions = [c.text for c in task.comments.filter(kind__in=(CommentKind.OPINION, CommentKind.ANSWER))]
        data = {**data, node.opinion_field: "\n".join(opinions)}
    before = instance.data
    try:
        running = engine().restore(package, instance.state)
        running.complete(task.engine_task_id, data)
        snapshot = running.snapshot()
    except TaskNotReady as exc:
        raise Conflict("The process has moved on; this task is no longer open.") from exc
    except EngineError as exc:
        raise engine_failure(exc) from exc
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
        **({"comment": comment} if comment else {}),
    )
    sync_rows(instance, snapshot, actor=user, events=[completed], save_later=True)
    save_snapshot(instance, snapshot)
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
