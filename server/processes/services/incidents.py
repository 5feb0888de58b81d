"""Incidents: failures where no user is waiting, kept open until an operator deals with them.

A timer path whose script or service fails (and, later, a background service task or a BPMN
error nobody catches) must not leave a case in a dead `error` status, nor retry every second.
`incident_open` records the failure; the case keeps the state it had before the failed step
and the timer sweep leaves it alone while the incident is open. An operator then either
retries the step (`incident_retry`, after fixing the cause: a new version of the service,
corrected data) — the engine runs it again exactly once — or resolves it by hand with a note
(`incident_resolve`), after which the sweep takes the case's timers up again.

Other kinds of failure register how their step is retried with `register_incident_retry`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import NotFound, PermissionDenied

from server.audit.services import event_build, event_record
from server.core.errors import Conflict
from server.processes.engine import engine, package_for
from server.processes.models import (
    Incident,
    IncidentStatus,
    InstanceStatus,
    ProcessInstance,
    Timer,
    TimerStatus,
)
from server.processes.selectors import OPERATING_ROLES, user_has_role_over
from server.processes.services.guards import required_text
from server.processes.services.sync import save_snapshot, sync_rows
from workflows import EngineError, Instance

logger = logging.getLogger("lexflow.processes")

# kind -> how a retry re-runs the failed step on the restored case
_RETRIES: dict[str, Callable[[Instance], None]] = {}


def register_incident_retry(kind: str, retry: Callable[[Instance], None]) -> None:
    """Say how an incident of `kind` is retried: `retry(running)` re-runs the failed step."""
    _RETRIES[kind] = retry


register_incident_retry("timer", lambda running: running.fire_due_timers())


@transaction.atomic
def incident_open(
    *,
    instance: ProcessInstance,
    error: str,
    kind: str = "timer",
    bpmn_id: str = "",
    element_name: str = "",
    timers: Iterable[Timer] = (),
) -> Incident:
    """Record a failure of `instance` where no user was waiting. Call with the case row locked.

    A failure of a step that already has an open incident adds an attempt to it rather than a
    second incident. `timers` are the timer rows whose firing failed: they are marked failed
    until the incident is retried or resolved.
    """
    incident = (
        Incident.objects.select_for_update()
        .filter(instance=instance, kind=kind, bpmn_id=bpmn_id or "", status=IncidentStatus.OPEN)
        .first()
    )
    now = timezone.now()
    if incident is None:
        incident = Incident.objects.create(
            instance=instance, kind=kind, bpmn_id=bpmn_id or "", element_name=element_name or "", error=error
        )
    else:
        incident.attempts += 1
        incident.error = error
        incident.last_attempt_at = now
        incident.save(update_fields=["attempts", "error", "last_attempt_at"])
    for timer in timers:
        timer.status = TimerStatus.FAILED
        timer.error = error
        timer.save(update_fields=["status", "error"])
    event_record(
        action="incident.opened",
        instance=instance,
        incident=incident.pk,
        kind=kind,
        bpmn_id=bpmn_id or None,
        message=error,
        attempts=incident.attempts,
    )
    logger.error("incident %s on instance %s at %s: %s", incident.pk, instance.pk, bpmn_id or "-", error)
    return incident


def _locked_incident(incident_id: int, user: AbstractBaseUser) -> tuple[ProcessInstance, Incident]:
    """The incident's case locked first, then the incident; 404 outside the user's scope."""
    instance = (
        ProcessInstance.objects.select_for_update(of=("self",))
        .select_related("definition", "organisation")
        .defer("definition__files")
        .filter(incidents__id=incident_id)
        .first()
    )
    if instance is None or not user_has_role_over(user, instance.org_path, OPERATING_ROLES):
        if instance is not None and user_has_role_over(user, instance.org_path, frozenset({"supervisor"})):
            raise PermissionDenied(
                "仅管理员或负责人可处理故障 / Only an administrator or director can do this."
            )
        raise NotFound("没有这个故障 / No such incident.")
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    if incident.status != IncidentStatus.OPEN:
        raise Conflict("此故障已解决 / This incident is resolved already.")
    return instance, incident


@transaction.atomic
def incident_retry(*, incident_id: int, user: AbstractBaseUser) -> Incident:
    """Run the failed step again, once. On success the incident is resolved and the case moves
    on; on failure it stays open with one more attempt and the new error."""
    instance, incident = _locked_incident(incident_id, user)
    if instance.status == InstanceStatus.SUSPENDED:
        raise Conflict("案件已中止，请先恢复 / The case is suspended: resume it first.")
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"案件已结束 / The case has ended ({instance.status}).")
    retry = _RETRIES.get(incident.kind)
    if retry is None:
        raise Conflict(
            f"此类故障不能在此重试，请处理后标记解决 / Incidents of kind {incident.kind!r} cannot be retried "
            "here; deal with them and resolve them."
        )
    now = timezone.now()
    incident.attempts += 1
    incident.last_attempt_at = now
    before = instance.data
    try:
        running = engine().restore(package_for(instance.definition), instance.state)
        retry(running)
        snapshot = running.snapshot()
    except EngineError as exc:
        incident.error = str(exc)
        incident.save(update_fields=["attempts", "last_attempt_at", "error"])
        event_record(
            action="incident.retry_failed",
            actor=user,
            instance=instance,
            incident=incident.pk,
            bpmn_id=exc.element_id,
            message=str(exc),
            attempts=incident.attempts,
        )
        return incident
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_by = user
    incident.resolved_at = now
    incident.resolution = "重试成功 / Retried successfully"
    incident.save(
        update_fields=["attempts", "last_attempt_at", "status", "resolved_by", "resolved_at", "resolution"]
    )
    # The failed timers wait again, so the sync sees which of them the retry fired.
    instance.timers.filter(status=TimerStatus.FAILED).update(status=TimerStatus.WAITING, error="")
    if instance.next_timer_at is None:
        instance.next_timer_at = now  # makes the sync look at the timer rows
    retried = event_build(
        action="incident.retried",
        actor=user,
        instance=instance,
        before=before,
        after=snapshot.data,
        incident=incident.pk,
        bpmn_id=incident.bpmn_id or None,
        steps=list(snapshot.steps),
        attempts=incident.attempts,
    )
    sync_rows(instance, snapshot, actor=user, events=[retried], save_later=True)
    save_snapshot(instance, snapshot)
    return incident


@transaction.atomic
def incident_resolve(*, incident_id: int, user: AbstractBaseUser, note: str) -> Incident:
    """Mark the incident dealt with by hand (the case was corrected or cancelled), with a note.
    The case's failed timers wait again; the sweep fires them when due."""
    instance, incident = _locked_incident(incident_id, user)
    note = required_text(note, "note")
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_by = user
    incident.resolved_at = timezone.now()
    incident.resolution = note
    incident.save(update_fields=["status", "resolved_by", "resolved_at", "resolution"])
    instance.timers.filter(status=TimerStatus.FAILED).update(status=TimerStatus.WAITING, error="")
    event_record(
        action="incident.resolved",
        actor=user,
        instance=instance,
        incident=incident.pk,
        bpmn_id=incident.bpmn_id or None,
        note=note,
    )
    return incident
