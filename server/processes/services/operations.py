"""Task operations beyond claim and complete: the approval operations of Chinese BPM systems.

转办 transfer, 委派 delegate and resolve, 退回 return, 撤回 withdraw a completion, 审批意见
comments, 抄送 copy, 催办 urge, 指派 assign (also in bulk), 加签 consult, 代理人 substitutes.

Each is one transaction that locks the case first (`locks.task_locked`: the instance row, then
the task), checks that the task's node offers the operation (its `actions` property) and that
the caller may take it, acts through the engine where the case moves (return, withdraw),
re-syncs the rows from the engine's snapshot, and appends an audit event naming who, why and
what changed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import APIException, NotFound, PermissionDenied

from server.accounts.selectors import user_grants, user_is_staff_member
from server.audit.models import Event
from server.audit.services import event_build, event_record
from server.core.errors import Conflict, InvalidInput
from server.processes.engine import engine, package_for
from server.processes.models import (
    CommentKind,
    Consultation,
    ConsultationStatus,
    Delegation,
    HumanTask,
    Substitute,
    TaskComment,
    TaskCopy,
    TaskStatus,
)
from server.processes.selectors import (
    ASSIGNING_ROLES,
    substituted_users,
    task_group_member,
    task_works_for,
    user_has_role_over,
    user_sees_whole_case,
)
from server.processes.services.forms import engine_failure
from server.processes.services.guards import (
    ensure_not_ended,
    ensure_offered,
    ensure_open,
    ensure_workable,
    person,
    required_text,
)
from server.processes.services.locks import task_locked
from server.processes.services.sync import save_snapshot, sync_rows
from server.processes.services.tasks import task_claim, task_unclaim
from server.processes.signals import task_urged
from workflows import CannotReset, EngineError, TaskNotReady

logger = logging.getLogger("lexflow.processes")

COMMENT_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 500
MAX_RECIPIENTS = 20
MAX_BULK = 200


def _holds(task: HumanTask, user: AbstractBaseUser) -> bool:
    """The task is `user`'s: assigned to them, or to a colleague they stand in for today."""
    return task.assignee_id is not None and (
        task.assignee_id == user.pk or task.assignee_id in substituted_users(user)
    )


def _ensure_not_delegated(task: HumanTask) -> None:
    if task.delegation == Delegation.PENDING:
        raise Conflict(
            f"此任务已委派给 {task.assignee.get_username()}，待其交回 / "
            f"Delegated to {task.assignee.get_username()}: they hand it back first."
        )


def _ensure_works(task: HumanTask, user: AbstractBaseUser) -> None:
    """403 unless `user` may do the task's work now (theirs or unclaimed, their role)."""
    if not task_works_for(task, user):
        if task.assignee_id not in (None, user.pk):
            raise Conflict(
                f"已由 {task.assignee.get_username()} 认领 / Claimed by {task.assignee.get_username()}."
            )
        raise PermissionDenied("此任务不属于您的角色或机构 / This task is not for your role or organisation.")
    _ensure_not_delegated(task)


def _ensure_staff_in_scope(task: HumanTask, user: AbstractBaseUser) -> None:
    if not user_sees_whole_case(user, task.instance):
        raise PermissionDenied("仅本案件所属机构的工作人员可用 / For staff of the case's organisation only.")


def _colleague(task: HumanTask, username: str, field: str, *, who: AbstractBaseUser) -> AbstractBaseUser:
    """A member of staff who sees the whole case (a delegate, a recipient, a consultant)."""
    found = person(username, field)
    if found.pk == who.pk:
        raise InvalidInput(
            f"{field}: 不能是您自己 / Not yourself.", {field: ["不能是您自己 / Not yourself."]}
        )
    if not user_sees_whole_case(found, task.instance):
        message = (
            f"{found.get_username()} 不是本案件所属机构的工作人员 / is not staff of the case's organisation."
        )
        raise InvalidInput(f"{field}: {message}", {field: [message]})
    return found


def _may_take_over(task: HumanTask, username: str) -> AbstractBaseUser:
    """Someone the task may go to (transfer, assign): its role, in the case's organisation scope."""
    found = person(username)
    if not task_group_member(task, found):
        message = (
            f"{found.get_username()} 不能办理此任务（角色或机构不符）/ "
            f"{found.get_username()} cannot do this task (not its role or organisation)."
        )
        raise InvalidInput(f"to: {message}", {"to": [message]})
    return found


def _name(user: AbstractBaseUser | None) -> str | None:
    return user.get_username() if user is not None else None


# ---------------------------------------------------------------------------------------------
# 转办, 指派: the task goes to someone else of its role


@transaction.atomic
def task_transfer(*, task_id: int, user: AbstractBaseUser, to: str, reason: str) -> HumanTask:
    """转办: hand the task to a colleague who may do it; it is theirs at once, with the reason.

    The holder may (or, for an unclaimed task, anyone who could claim it), and so may a
    director or supervisor over the organisation.
    """
    instance, task = task_locked(task_id, user)
    ensure_open(task)
    ensure_not_ended(instance)
    ensure_offered(task, "transfer")
    _ensure_not_delegated(task)
    supervising = user_has_role_over(user, task.org_path, ASSIGNING_ROLES)
    unclaimed_mine = task.assignee_id is None and task_works_for(task, user)
    if not (_holds(task, user) or unclaimed_mine or supervising):
        raise PermissionDenied("只有任务的办理人可以转办 / Only the task's holder can transfer it.")
    reason = required_text(reason)
    target = _may_take_over(task, to)
    if target.pk == task.assignee_id:
        message = f"任务已由 {target.get_username()} 办理 / The task is already {target.get_username()}'s."
        raise InvalidInput(f"to: {message}", {"to": [message]})
    previous = task.assignee
    _put_on(task, target)
    event_record(
        action="task.transferred",
        actor=user,
        instance=instance,
        task=task,
        **{"from": _name(previous)},
        to=target.get_username(),
        reason=reason,
    )
    return task


@transaction.atomic
def task_assign(*, task_id: int, user: AbstractBaseUser, to: str) -> HumanTask:
    """指派: a director or supervisor over the organisation puts a task on a named person."""
    instance, task = task_locked(task_id, user)
    return _assign(instance, task, user, to)


def _assign(instance: Any, task: HumanTask, user: AbstractBaseUser, to: str) -> HumanTask:
    ensure_open(task)
    ensure_not_ended(instance)
    if not user_has_role_over(user, task.org_path, ASSIGNING_ROLES):
        raise PermissionDenied("仅负责人或监督人员可指派 / Only a director or supervisor can assign tasks.")
    _ensure_not_delegated(task)
    target = _may_take_over(task, to)
    previous = task.assignee
    if previous is not None and previous.pk == target.pk:
        return task
    _put_on(task, target)
    event_record(
        action="task.assigned",
        actor=user,
        instance=instance,
        task=task,
        **{"from": _name(previous)},
        to=target.get_username(),
    )
    return task


def _put_on(task: HumanTask, target: AbstractBaseUser) -> None:
    task.assignee = target
    task.claimed_by = target
    task.claimed_at = timezone.now()
    task.owner = None
    task.delegation = Delegation.NONE
    task.save(update_fields=["assignee", "claimed_by", "claimed_at", "owner", "delegation", "due_sort"])


# ---------------------------------------------------------------------------------------------
# 委派: the delegate does the work and hands it back; the owner completes it


@transaction.atomic
def task_delegate(*, task_id: int, user: AbstractBaseUser, to: str, reason: str) -> HumanTask:
    """委派: the holder asks a colleague to do the work; it comes back to them to complete."""
    instance, task = task_locked(task_id, user)
    ensure_open(task)
    ensure_workable(instance)
    ensure_offered(task, "delegate")
    _ensure_not_delegated(task)
    if not _holds(task, user):
        raise PermissionDenied("请先认领此任务 / Claim the task first: only its holder can delegate it.")
    reason = required_text(reason)
    delegate = _colleague(task, to, "to", who=user)
    owner = task.assignee
    task.owner = owner
    task.assignee = delegate
    task.delegation = Delegation.PENDING
    task.draft = None
    task.save(update_fields=["owner", "assignee", "delegation", "draft", "due_sort"])
    event_record(
        action="task.delegated",
        actor=user,
        instance=instance,
        task=task,
        owner=owner.get_username(),
        to=delegate.get_username(),
        reason=reason,
    )
    return task


@transaction.atomic
def task_resolve(*, task_id: int, user: AbstractBaseUser, comment: str, data: Any = None) -> HumanTask:
    """The delegate hands the task back to its owner, with what they found and (optionally) the
    form as they filled it in, for the owner to check and complete."""
    instance, task = task_locked(task_id, user)
    ensure_open(task)
    ensure_workable(instance)
    if task.delegation != Delegation.PENDING or task.assignee_id != user.pk:
        raise PermissionDenied("此任务没有委派给您 / This task was not delegated to you.")
    comment = required_text(comment, "comment", max_length=COMMENT_MAX_LENGTH)
    if data is not None and not isinstance(data, dict):
        raise InvalidInput("data must be a JSON object.", {"data": ["Must be a JSON object."]})
    TaskComment.objects.create(
        instance=instance, task=task, author=user, kind=CommentKind.RESOLUTION, text=comment
    )
    task.assignee = task.owner
    task.delegation = Delegation.RESOLVED
    task.draft = data
    task.save(update_fields=["assignee", "delegation", "draft", "due_sort"])
    event_record(
        action="task.resolved",
        actor=user,
        instance=instance,
        task=task,
        owner=_name(task.owner),
        comment=comment,
        filled_in=sorted(data) if isinstance(data, dict) else [],
    )
    return task


# ---------------------------------------------------------------------------------------------
# 退回 and 撤回: the case goes back through the engine


@transaction.atomic
def task_return(*, task_id: int, user: AbstractBaseUser, to: str, reason: str) -> HumanTask:
    """退回: send the case back to an earlier step it passed (see `Instance.return_targets`).

    The step opens again for the person who did it, with the reason; whatever the case did
    after it is undone through the engine, and the step's deadlines and timers are set again.
    Returns the reopened task.
    """
    instance, task = task_locked(task_id, user)
    ensure_open(task)
    ensure_workable(instance)
    ensure_offered(task, "return")
    _ensure_works(task, user)
    reason = required_text(reason)
    package = package_for(instance.definition)
    try:
        running = engine().restore(package, instance.state)
        targets = running.return_targets(task.engine_task_id)
    except TaskNotReady as exc:
        raise Conflict("流程已推进，此任务已不再待办 / The process has moved on.") from exc
    except EngineError as exc:
        raise engine_failure(exc) from exc
    target = next((t for t in targets if t.bpmn_id == (to or "").strip()), None)
    if target is None:
        choices = ", ".join(t.bpmn_id for t in targets) or "无 / none"
        message = (
            f"不能退回到 {to!r}；可退回到：{choices} / Cannot return to {to!r}; it can go back to: {choices}."
        )
        raise InvalidInput(f"to: {message}", {"to": [message]})
    did_it = (
        HumanTask.objects.filter(
            instance=instance, engine_task_id=target.task_id, status=TaskStatus.COMPLETED
        )
        .select_related("completed_by")
        .order_by("-completed_at", "-id")
        .first()
    )
    before = instance.data
    try:
        undone = running.reset_to(target.task_id)
        snapshot = running.snapshot()
    except (CannotReset, EngineError) as exc:
        if isinstance(exc, EngineError):
            raise engine_failure(exc) from exc
        raise Conflict("流程已推进，不能退回 / The process has moved on.") from exc
    now = timezone.now()
    task.status = TaskStatus.RETURNED
    task.completed_by = user
    task.completed_at = now
    task.save(update_fields=["status", "completed_by", "completed_at", "due_sort"])
    TaskComment.objects.create(
        instance=instance, task=task, author=user, kind=CommentKind.RETURN, text=reason
    )
    _close_consultations(task)
    returned = event_build(
        action="task.returned",
        actor=user,
        instance=instance,
        task=task,
        before=before,
        after=snapshot.data,
        to=target.bpmn_id,
        to_name=target.name,
        reason=reason,
        undone=list(undone),
        returned_to=_name(did_it.completed_by) if did_it else None,
    )
    sync_rows(instance, snapshot, actor=user, events=[returned], save_later=True)
    reopened = next(row for row in instance.open_tasks if row.engine_task_id == target.task_id)
    reopened.returned_by = user
    reopened.return_reason = reason
    fields = ["returned_by", "return_reason"]
    previous = did_it.completed_by if did_it else None
    if previous is not None and previous.is_active and reopened.assignee_id is None:
        reopened.instance = instance
        if task_group_member(reopened, previous) or previous.pk == instance.applicant_id:
            reopened.assignee = previous
            reopened.claimed_by = previous
            reopened.claimed_at = now
            fields += ["assignee", "claimed_by", "claimed_at"]
    reopened.save(update_fields=[*fields, "due_sort"])
    save_snapshot(instance, snapshot)
    return reopened


@transaction.atomic
def task_withdraw(*, task_id: int, user: AbstractBaseUser) -> HumanTask:
    """撤回: take back a task you just completed, while the step after it is untouched.

    Refused once anyone has claimed or acted on the next step, once a later step has been
    done, or once the completion issued an official notice (notices are never withdrawn).
    Returns the reopened task, yours again.
    """
    instance, task = task_locked(task_id, user)
    if task.status != TaskStatus.COMPLETED:
        raise Conflict("只能撤回已完成的任务 / Only a completed task can be taken back.")
    if task.completed_by_id != user.pk:
        raise PermissionDenied("只能撤回自己完成的任务 / Only the one who completed a task can take it back.")
    ensure_workable(instance)
    ensure_offered(task, "withdraw")
    from server.documents.models import Document  # documents build on processes

    if Document.objects.filter(instance=instance, created_at__gte=task.completed_at).exists():
        raise Conflict(
            "已出具文书，不能撤回 / A notice has been issued since: the task cannot be taken back."
        )
    open_before = list(instance.tasks.filter(status=TaskStatus.OPEN).select_related("claimed_by"))
    package = package_for(instance.definition)
    before = instance.data
    try:
        running = engine().restore(package, instance.state)
        undone = running.reset_to(task.engine_task_id)
        snapshot = running.snapshot()
    except CannotReset as exc:
        raise Conflict(
            "流程已推进，不能撤回 / The process has moved on: the task cannot be taken back."
        ) from exc
    except EngineError as exc:
        raise engine_failure(exc) from exc
    if undone:
        raise Conflict(
            "后续环节已办理，不能撤回 / A later step has been done: the task cannot be taken back."
        )
    still_open = {ready.task_id for ready in snapshot.ready_tasks}
    dropped = [row for row in open_before if row.engine_task_id not in still_open]
    if not dropped:
        raise Conflict("流程已推进，不能撤回 / The process has moved on: the task cannot be taken back.")
    touched = [row for row in dropped if row.claimed_by_id or _acted_on(row)]
    if touched:
        raise Conflict(
            "下一环节已被认领或处理，不能撤回 / The next step has been claimed or acted on: "
            "the task cannot be taken back."
        )
    withdrawn = event_build(
        action="task.withdrawn",
        actor=user,
        instance=instance,
        task=task,
        before=before,
        after=snapshot.data,
        next_steps=[row.bpmn_id for row in dropped],
    )
    sync_rows(instance, snapshot, actor=user, events=[withdrawn], save_later=True)
    reopened = next(row for row in instance.open_tasks if row.engine_task_id == task.engine_task_id)
    if reopened.assignee_id is None:
        reopened.assignee = user
        reopened.claimed_by = user
        reopened.claimed_at = timezone.now()
        reopened.save(update_fields=["assignee", "claimed_by", "claimed_at", "due_sort"])
    save_snapshot(instance, snapshot)
    return reopened


# What leaves a task as it was for its holder: being created, copied to someone, urged.
_UNTOUCHING_ACTIONS = ("task.created", "task.copied", "task.urged")


def _acted_on(row: HumanTask) -> bool:
    return Event.objects.filter(task=row).exclude(action__in=_UNTOUCHING_ACTIONS).exists()


# ---------------------------------------------------------------------------------------------
# 审批意见, 加签, 抄送, 催办: around the task, the case does not move


@transaction.atomic
def task_comment_add(*, task_id: int, user: AbstractBaseUser, text: str) -> TaskComment:
    """审批意见: an opinion on the task, kept with the case and shown in its history.

    A colleague asked for their opinion (加签) answers this way; their answer lets the task
    be completed once every opinion asked for is in.
    """
    instance, task = task_locked(task_id, user)
    consultation = (
        Consultation.objects.select_for_update()
        .filter(task=task, consultant=user, status=ConsultationStatus.OPEN)
        .first()
    )
    if consultation is None:
        ensure_offered(task, "comment")
        if not (user_sees_whole_case(user, instance) or task_works_for(task, user)):
            raise PermissionDenied("您不能对此任务发表意见 / You cannot comment on this task.")
    text = required_text(text, "text", max_length=COMMENT_MAX_LENGTH)
    comment = TaskComment.objects.create(
        instance=instance,
        task=task,
        author=user,
        kind=CommentKind.ANSWER if consultation else CommentKind.OPINION,
        text=text,
    )
    if consultation is not None:
        consultation.status = ConsultationStatus.ANSWERED
        consultation.answer = comment
        consultation.answered_at = comment.created_at
        consultation.save(update_fields=["status", "answer", "answered_at"])
    event_record(
        action="task.commented",
        actor=user,
        instance=instance,
        task=task,
        comment=comment.pk,
        kind=comment.kind,
        text=text,
        **({"question": consultation.question} if consultation else {}),
    )
    return comment


@transaction.atomic
def task_consult(
    *, task_id: int, user: AbstractBaseUser, to: Sequence[str], question: str
) -> list[Consultation]:
    """加签 (before): ask colleagues for an opinion that must be in before the task is completed."""
    instance, task = task_locked(task_id, user)
    ensure_open(task)
    ensure_workable(instance)
    ensure_offered(task, "consult")
    _ensure_works(task, user)
    question = required_text(question, "question", max_length=COMMENT_MAX_LENGTH)
    consultants = _people(task, to, user)
    asked = set(
        Consultation.objects.filter(task=task, status=ConsultationStatus.OPEN).values_list(
            "consultant_id", flat=True
        )
    )
    errors = {
        f"to.{index}": [f"已在征询 {found.get_username()} / {found.get_username()} has been asked already."]
        for index, found in enumerate(consultants)
        if found.pk in asked
    }
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors)
    rows = Consultation.objects.bulk_create(
        [Consultation(task=task, asked_by=user, consultant=found, question=question) for found in consultants]
    )
    event_record(
        action="task.consulted",
        actor=user,
        instance=instance,
        task=task,
        to=[found.get_username() for found in consultants],
        question=question,
    )
    return rows


def _people(task: HumanTask, usernames: Sequence[str], user: AbstractBaseUser) -> list[AbstractBaseUser]:
    """Colleagues named in a list (`to.0`, `to.1`, ... in the errors)."""
    if not isinstance(usernames, list | tuple) or not usernames:
        raise InvalidInput(
            "to: 请选择人员 / Name at least one person.", {"to": ["必填 / This field is required."]}
        )
    if len(usernames) > MAX_RECIPIENTS:
        message = f"最多 {MAX_RECIPIENTS} 人 / At most {MAX_RECIPIENTS} people."
        raise InvalidInput(f"to: {message}", {"to": [message]})
    found: list[AbstractBaseUser] = []
    errors: dict[str, list[str]] = {}
    for index, username in enumerate(dict.fromkeys(str(name) for name in usernames)):
        try:
            found.append(_colleague(task, username, f"to.{index}", who=user))
        except InvalidInput as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors)
    return found


def _close_consultations(task: HumanTask) -> None:
    """Questions nobody needs answered any more (the task was returned or completed)."""
    Consultation.objects.filter(task=task, status=ConsultationStatus.OPEN).update(
        status=ConsultationStatus.CLOSED
    )


@transaction.atomic
def task_copy(*, task_id: int, user: AbstractBaseUser, to: Sequence[str], note: str = "") -> list[TaskCopy]:
    """抄送: let colleagues know of a task without giving it to them ("抄送我的")."""
    instance, task = task_locked(task_id, user)
    ensure_offered(task, "copy")
    _ensure_staff_in_scope(task, user)
    note = (note or "").strip()[:NOTE_MAX_LENGTH]
    recipients = _people(task, to, user)
    rows = TaskCopy.objects.bulk_create(
        [
            TaskCopy(instance=instance, task=task, sender=user, recipient=found, note=note)
            for found in recipients
        ]
    )
    event_record(
        action="task.copied",
        actor=user,
        instance=instance,
        task=task,
        to=[found.get_username() for found in recipients],
        note=note,
    )
    return rows


@transaction.atomic
def task_urge(*, task_id: int, user: AbstractBaseUser, note: str = "") -> HumanTask:
    """催办: remind the holder (or the queue) of the task, at most once a day per task.

    Recorded on the task (the queue shows the flag) and in the history; `task_urged` is sent
    once the urge is committed, for the notifications to pick up.
    """
    instance, task = task_locked(task_id, user)
    ensure_open(task)
    ensure_workable(instance)
    ensure_offered(task, "urge")
    _ensure_staff_in_scope(task, user)
    if task.assignee_id == user.pk:
        raise InvalidInput(
            "不能催办自己的任务 / You cannot urge your own task.", {"task": ["Your own task."]}
        )
    now = timezone.now()
    if task.urged_at is not None and timezone.localdate(task.urged_at) == timezone.localdate(now):
        raise Conflict(
            f"今天已催办过（{timezone.localtime(task.urged_at):%H:%M}）/ Already urged today "
            f"(at {timezone.localtime(task.urged_at):%H:%M}); once a day is enough."
        )
    note = (note or "").strip()[:NOTE_MAX_LENGTH]
    task.urged_at = now
    task.urged_by = user
    task.urge_note = note
    task.save(update_fields=["urged_at", "urged_by", "urge_note", "due_sort"])
    event_record(
        action="task.urged",
        actor=user,
        instance=instance,
        task=task,
        note=note,
        to=_name(task.assignee) or list(task.candidate_groups),
    )
    task_pk, user_pk = task.pk, user.pk
    transaction.on_commit(
        lambda: task_urged.send(sender=HumanTask, task_id=task_pk, urged_by=user_pk, note=note)
    )
    return task


# ---------------------------------------------------------------------------------------------
# Bulk: claim, unclaim or assign many tasks, each on its own

BULK_ACTIONS = ("claim", "unclaim", "assign")


def tasks_bulk(
    *, user: AbstractBaseUser, action: str, ids: Sequence[int], to: str | None = None
) -> list[dict]:
    """The same operation on many tasks, each checked and committed on its own: one refused
    task does not stop the others. One result per id: `{id, ok, status, detail}`."""
    if action not in BULK_ACTIONS:
        message = f"必须是 {', '.join(BULK_ACTIONS)} 之一 / Must be one of {', '.join(BULK_ACTIONS)}."
        raise InvalidInput(f"action: {message}", {"action": [message]})
    unique = list(dict.fromkeys(ids))
    if not unique or len(unique) > MAX_BULK:
        message = f"1 到 {MAX_BULK} 个任务 / Between 1 and {MAX_BULK} tasks."
        raise InvalidInput(f"ids: {message}", {"ids": [message]})
    if action == "assign":
        person(to)  # a missing or unknown person fails the whole request, not each task
    results = []
    for task_id in unique:
        try:
            with transaction.atomic():
                if action == "assign":
                    instance, task = task_locked(task_id, user)
                    _assign(instance, task, user, to or "")
                else:
                    (task_claim if action == "claim" else task_unclaim)(task_id=task_id, user=user)
            results.append({"id": task_id, "ok": True, "status": 200, "detail": ""})
        except APIException as exc:
            detail = getattr(exc, "summary", None) or str(exc.detail)
            results.append({"id": task_id, "ok": False, "status": exc.status_code, "detail": detail})
    return results


# ---------------------------------------------------------------------------------------------
# 代理人: a colleague stands in for a period


@transaction.atomic
def substitute_create(
    *, user: AbstractBaseUser, substitute: str, starts_on: date, ends_on: date, note: str = ""
) -> Substitute:
    """Name a colleague (same role, organisations that overlap) to stand in from `starts_on` to
    `ends_on`: tasks assigned to `user` in that period reach them too."""
    if not user_is_staff_member(user):
        raise PermissionDenied("仅工作人员可指定代理人 / Only staff name substitutes.")
    found = person(substitute, "substitute")
    errors: dict[str, list[str]] = {}
    if found.pk == user.pk:
        errors["substitute"] = ["不能是您自己 / Not yourself."]
    elif not _colleagues(user, found):
        errors["substitute"] = [
            f"{found.get_username()} 与您不是同一角色的同事 / {found.get_username()} does not share a role "
            "with you in your organisations."
        ]
    if ends_on < starts_on:
        errors["ends_on"] = ["必须不早于开始日期 / Must not be before the start."]
    elif ends_on < timezone.localdate():
        errors["ends_on"] = ["已经过去 / This date has passed."]
    if errors:
        field = next(iter(errors))
        raise InvalidInput(f"{field}: {errors[field][0]}", errors)
    row = Substitute.objects.create(
        user=user, substitute=found, starts_on=starts_on, ends_on=ends_on, note=(note or "").strip()[:200]
    )
    event_record(
        action="substitute.named",
        actor=user,
        substitute=found.get_username(),
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
    )
    return row


def _colleagues(user: AbstractBaseUser, other: AbstractBaseUser) -> bool:
    mine, theirs = user_grants(user), user_grants(other)
    return any(
        a.role == b.role and (a.path.startswith(b.path) or b.path.startswith(a.path))
        for a in mine
        for b in theirs
        if a.role != "applicant"
    )


@transaction.atomic
def substitute_delete(*, user: AbstractBaseUser, substitute_id: int) -> None:
    row = Substitute.objects.filter(pk=substitute_id, user=user).select_related("substitute").first()
    if row is None:
        raise NotFound("没有这个代理人 / No such substitute.")
    event_record(action="substitute.removed", actor=user, substitute=row.substitute.get_username())
    row.delete()
