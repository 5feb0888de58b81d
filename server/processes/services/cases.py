"""Case operations: cancel (撤销), the applicant's withdrawal (撤回申请), suspend and resume
(中止/恢复) with the statutory clock stopped, and an administrator's correction of case data.

Each locks the case row first (`locked_instance`), acts through the engine where its state
changes, re-syncs task and timer rows, and appends an audit event naming who, why and what
changed — one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from server.accounts.models import Role
from server.audit.services import event_build, event_record
from server.core.errors import Conflict, InvalidInput
from server.processes.deadlines import deadline_for, postpone, suspended_working_days
from server.processes.engine import engine, package_for
from server.processes.models import (
    Consultation,
    ConsultationStatus,
    Incident,
    IncidentStatus,
    InstanceStatus,
    ProcessInstance,
    Suspension,
    TaskStatus,
)
from server.processes.selectors import (
    OPERATING_ROLES,
    instance_withdrawal_refusal,
    user_has_role_over,
)
from server.processes.services.forms import engine_failure
from server.processes.services.guards import ensure_not_ended, locked_instance, required_text
from server.processes.services.sync import save_snapshot, sync_rows
from workflows import EngineError

logger = logging.getLogger("lexflow.processes")

CANCELLED_STAGE = "已撤销 / Cancelled"
WITHDRAWN_STAGE = "已撤回 / Withdrawn by the applicant"


def _ensure_operator(instance: ProcessInstance, user: AbstractBaseUser) -> None:
    if not user_has_role_over(user, instance.org_path, OPERATING_ROLES):
        raise PermissionDenied("仅管理员或负责人可操作案件 / Only an administrator or director can do this.")


def _end_open_work(instance: ProcessInstance, user: AbstractBaseUser | None, note: str) -> None:
    """What an ended case leaves behind: its suspension ends, questions close, incidents resolve."""
    now = timezone.now()
    Suspension.objects.filter(instance=instance, ended_at=None).update(ended_at=now, resumed_by=user)
    Consultation.objects.filter(task__instance=instance, status=ConsultationStatus.OPEN).update(
        status=ConsultationStatus.CLOSED
    )
    Incident.objects.filter(instance=instance, status=IncidentStatus.OPEN).update(
        status=IncidentStatus.RESOLVED, resolved_by=user, resolved_at=now, resolution=note
    )


@transaction.atomic
def instance_cancel(*, instance_id: int, user: AbstractBaseUser, reason: str) -> ProcessInstance:
    """撤销: end the case as cancelled (a duplicate, an application made in error).

    Administrators and directors over the case's organisation may; the reason is required and
    is what the applicant is shown. Open tasks are withdrawn and timers cancelled.
    """
    instance = locked_instance(instance_id, user)
    _ensure_operator(instance, user)
    ensure_not_ended(instance)
    reason = required_text(reason)
    before = instance.data
    try:
        running = engine().restore(package_for(instance.definition), instance.state)
        running.cancel()
        snapshot = running.snapshot()
    except EngineError as exc:
        raise engine_failure(exc) from exc
    _end_open_work(instance, user, f"案件已撤销 / The case was cancelled: {reason}")
    instance.end_reason = reason
    cancelled = event_build(
        action="instance.cancelled",
        actor=user,
        instance=instance,
        before=before,
        after=snapshot.data,
        reason=reason,
        was=instance.status,
    )
    sync_rows(instance, snapshot, actor=user, events=[cancelled], save_later=True, ended_as="cancelled")
    instance.stage = CANCELLED_STAGE
    save_snapshot(instance, snapshot, ended_as=InstanceStatus.CANCELLED)
    return instance


@transaction.atomic
def instance_withdraw(*, instance_id: int, user: AbstractBaseUser, reason: str) -> ProcessInstance:
    """撤回申请: the applicant withdraws their case, where the diagram allows it.

    Runs the diagram's withdrawal path if it has one (an event subprocess started by the
    message `withdrawal`), and ends everything else the case was doing; without one the case
    simply ends as withdrawn. The figures count it as withdrawn (`instance.withdrawn`), not
    refused.
    """
    instance = locked_instance(instance_id, user)
    if instance.applicant_id != user.pk:
        raise PermissionDenied("只有申请人可以撤回申请 / Only the applicant can withdraw the application.")
    ensure_not_ended(instance)
    reason = required_text(reason)
    refusal = instance_withdrawal_refusal(instance)
    if refusal is not None:
        raise Conflict(refusal)
    before = instance.data
    try:
        running = engine().restore(package_for(instance.definition), instance.state)
        path = running.withdraw({"reason": reason, "by": user.get_username()})
        snapshot = running.snapshot()
    except EngineError as exc:
        raise engine_failure(exc) from exc
    _end_open_work(instance, user, f"申请人已撤回 / Withdrawn by the applicant: {reason}")
    instance.withdrawn_at = timezone.now()
    instance.end_reason = reason
    if instance.status == InstanceStatus.SUSPENDED:
        instance.status = InstanceStatus.RUNNING  # the withdrawal path (if any) runs on
    withdrawn = event_build(
        action="instance.withdrawn",
        actor=user,
        instance=instance,
        before=before,
        after=snapshot.data,
        reason=reason,
        process=instance.definition.key,
        path=path,
    )
    sync_rows(instance, snapshot, actor=user, events=[withdrawn], save_later=True, ended_as="withdrawn")
    info = package_for(instance.definition).processes.get(instance.definition.key)
    notes = info.annotations if info is not None else {}
    if not any(notes[step].stage for step in snapshot.steps if step in notes):
        instance.stage = WITHDRAWN_STAGE  # unless the withdrawal path says what to tell them
    save_snapshot(instance, snapshot)
    return instance


# ---------------------------------------------------------------------------------------------
# 中止 / 恢复: the statutory clock stops


@transaction.atomic
def instance_suspend(
    *, instance_id: int, user: AbstractBaseUser, reason: str, until: date | None = None
) -> ProcessInstance:
    """中止: stop the case (waiting for a court, an expert opinion): nobody can claim or complete
    its tasks, its timers do not fire, and its statutory clock stands still until it resumes.

    `until` is the day it resumes by itself (the worker resumes it that morning).
    """
    instance = locked_instance(instance_id, user)
    _ensure_operator(instance, user)
    if instance.status == InstanceStatus.SUSPENDED:
        raise Conflict("案件已中止 / The case is suspended already.")
    ensure_not_ended(instance)
    reason = required_text(reason)
    if until is not None and until <= timezone.localdate():
        message = "必须晚于今天 / Must be after today."
        raise InvalidInput(f"until: {message}", {"until": [message]})
    suspension = Suspension.objects.create(instance=instance, reason=reason, until=until, suspended_by=user)
    instance.status = InstanceStatus.SUSPENDED
    instance.save(update_fields=["status", "updated_at"])
    event_record(
        action="instance.suspended",
        actor=user,
        instance=instance,
        reason=reason,
        until=until.isoformat() if until else None,
        suspension=suspension.pk,
    )
    return instance


@transaction.atomic
def instance_resume(*, instance_id: int, user: AbstractBaseUser | None) -> ProcessInstance:
    """恢复: the case goes on; every moment of a pausing deadline moves by the suspension.

    A deadline whose setting says suspension pauses it (the default) moves by the working
    days the case was suspended (by the hours, for one counted in hours): the variables
    holding it, the timers and the due dates built on it. Timers that came due meanwhile and
    do not pause fire on the next sweep, once, in the order they fell due. `user` None: the
    worker, at the end of a suspension with an `until`.
    """
    instance = locked_instance(instance_id, user)
    if user is not None:
        _ensure_operator(instance, user)
    if instance.status != InstanceStatus.SUSPENDED:
        raise Conflict("案件没有中止 / The case is not suspended.")
    suspension = instance.suspensions.filter(ended_at=None).first()
    now = timezone.now()
    started = suspension.started_at if suspension else now
    working_days = suspended_working_days(started, now)
    package = package_for(instance.definition)
    variables, timers, tasks = _paused_moments(instance, package, working_days, now - started)
    try:
        running = engine().restore(package, instance.state)
        moved = running.shift_moments(variables=variables, timers=timers)
        snapshot = running.snapshot()
    except EngineError as exc:
        raise engine_failure(exc) from exc
    if suspension is not None:
        suspension.ended_at = now
        suspension.resumed_by = user
        suspension.working_days = working_days
        suspension.save(update_fields=["ended_at", "resumed_by", "working_days"])
    instance.status = InstanceStatus.RUNNING
    resumed = event_build(
        action="instance.resumed",
        actor=user,
        instance=instance,
        suspended_at=started.isoformat(),
        working_days=working_days,
        reason=suspension.reason if suspension else "",
        moved={name: {"from": old, "to": new} for name, (old, new) in moved.items()},
    )
    sync_rows(instance, snapshot, actor=user, events=[resumed], save_later=True, refresh_due=tasks)
    save_snapshot(instance, snapshot)
    return instance


Shift = Callable[[datetime], datetime]


def _paused_moments(
    instance: ProcessInstance, package: Any, working_days: int, elapsed: timedelta
) -> tuple[dict[str, Shift], dict[str, Shift], set[str]]:
    """What a resume moves: variables and timers (bpmn id) -> how, and the tasks whose due date
    follows them, for the named deadlines whose setting pauses while suspended."""
    info = package.processes.get(instance.definition.key)
    if info is None:
        return {}, {}, set()
    shifts: dict[str, Shift | None] = {}

    def shift_for(keys: tuple[str, ...]) -> Shift | None:
        for key in keys:
            if key not in shifts:
                try:
                    rule = deadline_for(key, instance.organisation.code)
                except ValueError:  # a deadline no service line registers (any more): leave it
                    shifts[key] = None
                    continue
                if not rule.pauses_when_suspended:
                    shifts[key] = None
                elif rule.unit == "hours":
                    shifts[key] = lambda moment: moment + elapsed
                else:
                    shifts[key] = lambda moment: postpone(moment, working_days=working_days)
            if shifts[key] is not None:
                return shifts[key]
        return None

    variables = {name: s for name, keys in info.deadline_variables.items() if (s := shift_for(keys))}
    timers = {bpmn_id: s for bpmn_id, keys in info.timer_deadlines.items() if (s := shift_for(keys))}
    tasks = {bpmn_id for bpmn_id, keys in info.due_deadlines.items() if shift_for(keys)}
    return variables, timers, tasks


def instances_resume_due(*, limit: int = 50) -> list[ProcessInstance]:
    """Resume the cases whose suspension was set to end by today (the worker's sweep)."""
    today = timezone.localdate()
    due = list(
        Suspension.objects.filter(ended_at=None, until__lte=today, instance__status=InstanceStatus.SUSPENDED)
        .order_by("until", "id")
        .values_list("instance_id", flat=True)[:limit]
    )
    resumed = []
    for instance_id in due:
        try:
            resumed.append(instance_resume(instance_id=instance_id, user=None))
        except Conflict:
            continue  # another worker resumed it first
        except Exception:  # one case failing must not hold up the others
            logger.exception("case %s could not be resumed; retrying next sweep", instance_id)
    return resumed


# ---------------------------------------------------------------------------------------------
# An administrator corrects case data


@transaction.atomic
def instance_data_change(
    *, instance_id: int, user: AbstractBaseUser, changes: Mapping[str, Any], reason: str
) -> ProcessInstance:
    """Correct case variables (a mistyped ID number, a wrong date): administrators only, with
    a reason; the audit event keeps each variable before and after. The server's own `case`
    record cannot be changed. Due dates built on a changed variable follow it."""
    instance = locked_instance(instance_id, user)
    if not user_has_role_over(user, instance.org_path, frozenset({Role.ADMIN})):
        raise PermissionDenied("仅管理员可更正案件数据 / Only an administrator can correct case data.")
    ensure_not_ended(instance)
    reason = required_text(reason)
    errors: dict[str, list[str]] = {}
    if not isinstance(changes, dict) or not changes:
        errors["changes"] = ["请给出要更正的变量 / Name at least one variable to correct."]
    else:
        for name in changes:
            if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
                errors[f"changes.{name}"] = ["不是变量名 / Not a variable name."]
            elif name == "case":
                errors["changes.case"] = ["案件登记信息由系统维护 / The case record is kept by the server."]
    if errors:
        field = next(iter(errors))
        raise InvalidInput(f"{field}: {errors[field][0]}", errors)
    data = instance.data if isinstance(instance.data, dict) else {}
    before = {name: data.get(name) for name in changes}
    try:
        running = engine().restore(package_for(instance.definition), instance.state)
        running.set_data(dict(changes))
        snapshot = running.snapshot()
    except EngineError as exc:
        raise engine_failure(exc) from exc
    changed = event_build(
        action="instance.data_changed",
        actor=user,
        instance=instance,
        before=instance.data,
        after=snapshot.data,
        reason=reason,
        changes={name: {"from": before[name], "to": value} for name, value in changes.items()},
    )
    refresh = set(instance.tasks.filter(status=TaskStatus.OPEN).values_list("bpmn_id", flat=True))
    sync_rows(instance, snapshot, actor=user, events=[changed], save_later=True, refresh_due=refresh)
    save_snapshot(instance, snapshot)
    return instance
