"""Checks every case and task operation shares: the lock, the case's state, reasons, people.

One lock order for a case, everywhere: the instance row first, then its tasks and timers
(see `locks.task_locked`, `locked_instance` here).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from rest_framework.exceptions import NotFound, PermissionDenied

from server.core.errors import Conflict, InvalidInput
from server.processes.models import ENDED_STATUSES, HumanTask, InstanceStatus, ProcessInstance
from server.processes.selectors import instances_visible_to, task_offered_actions

REASON_MAX_LENGTH = 2000

ACTION_TITLES = {
    "transfer": "转办 / transfer",
    "delegate": "委派 / delegation",
    "return": "退回 / return",
    "withdraw": "撤回 / taking back",
    "consult": "加签 / consultation",
    "copy": "抄送 / copy",
    "comment": "审批意见 / opinions",
    "urge": "催办 / reminders",
}


def locked_instance(instance_id: int, user: AbstractBaseUser | None) -> ProcessInstance:
    """The case, its row locked; 404 when there is none or `user` may not see it (None: the worker)."""
    cases = ProcessInstance.objects.all() if user is None else instances_visible_to(user)
    instance = (
        cases.select_for_update(of=("self",))
        .select_related("definition", "organisation", "applicant")
        .defer("definition__files")
        .filter(pk=instance_id)
        .first()
    )
    if instance is None:
        raise NotFound("没有这个案件 / No such case.")
    return instance


def ensure_workable(instance: ProcessInstance) -> None:
    """409 unless the case is running: a suspended case's tasks wait, an ended case has none."""
    if instance.status == InstanceStatus.SUSPENDED:
        suspension = instance.suspensions.filter(ended_at=None).first()
        reason = suspension.reason if suspension else ""
        raise Conflict(
            f"案件已中止，恢复前不能办理（{reason}）/ The case is suspended until it is resumed: {reason}"
        )
    if instance.status in ENDED_STATUSES:
        raise Conflict(f"案件已结束 / The case has ended ({instance.status}).")


def ensure_not_ended(instance: ProcessInstance) -> None:
    if instance.status in ENDED_STATUSES:
        raise Conflict(f"案件已结束 / The case has ended ({instance.status}).")


def ensure_offered(task: HumanTask, action: str) -> None:
    """403 when the task's node does not offer the operation (its `actions` property)."""
    if action not in task_offered_actions(task):
        title = ACTION_TITLES.get(action, action)
        raise PermissionDenied(
            f"此环节不提供{title.split(' / ')[0]} / This step does not offer {title.split(' / ')[1]}."
        )


def ensure_open(task: HumanTask) -> None:
    if task.status != "open":
        raise Conflict(
            f"此任务已{task.get_status_display().split(' / ')[0]} / This task is already {task.status}."
        )


def required_text(value: str | None, field: str = "reason", *, max_length: int = REASON_MAX_LENGTH) -> str:
    """A reason or note the law or the office expects: 400 naming the field when it is missing."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput(
            f"{field}: 请说明理由 / A reason is required.", {field: ["必填 / This field is required."]}
        )
    if len(text) > max_length:
        message = f"最多 {max_length} 个字符 / At most {max_length} characters."
        raise InvalidInput(f"{field}: {message}", {field: [message]})
    return text


def person(username: str | None, field: str = "to") -> AbstractBaseUser:
    """The active user named `username`; 400 naming the field when there is none."""
    name = (username or "").strip()
    found = get_user_model().objects.filter(username=name, is_active=True).first() if name else None
    if found is None:
        message = f"没有用户 {name!r} / No user {name!r}." if name else "必填 / This field is required."
        raise InvalidInput(f"{field}: {message}", {field: [message]})
    return found
