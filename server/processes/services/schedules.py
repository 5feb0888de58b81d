"""Scheduled starts: timer start events (`timeDate`, ISO repeats, cron) start one case per occurrence.

Each timer start event of a process is a `ScheduledStart` row holding its next occurrence.
`scheduled_starts_fire_due` locks due rows with `SKIP LOCKED` and, in one transaction per
occurrence, starts the case and moves the row to the following occurrence: with two workers
sweeping at once, each occurrence starts exactly one case. Occurrences missed while no worker
ran are caught up one by one, in order (as Camunda does), each a case of its own.

The case starts from the latest version of the process that is not retired, as long as that
version still has the start event; otherwise the schedule stops until a deploy (or a retire
or restore: call `schedules_sync`) brings one back.
"""

import logging
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import APIException

from server.accounts.selectors import user_primary_organisation
from server.audit.services import event_record
from server.processes.engine import package_for
from server.processes.models import ProcessDefinition, ProcessInstance, ScheduledStart
from workflows import StartEventInfo, schedule

logger = logging.getLogger("lexflow.processes")


def _eligible(key: str) -> ProcessDefinition | None:
    return ProcessDefinition.objects.filter(key=key, retired=False).order_by("-version").first()


def _timer_starts(definition: ProcessDefinition | None) -> dict[str, StartEventInfo]:
    if definition is None:
        return {}
    info = package_for(definition).processes.get(definition.key)
    return {start.bpmn_id: start for start in (info.start_events if info else ()) if start.kind == "timer"}


def _parse(start: StartEventInfo) -> schedule.Schedule:
    return schedule.parse(start.timer or "", start.expression or "", tz=timezone.get_current_timezone())


@transaction.atomic
def schedules_sync(*, key: str, user: AbstractBaseUser | None = None) -> list[ScheduledStart]:
    """Make the process's schedule rows follow the timer start events of its eligible version.

    A start event whose timer is unchanged keeps its place (a re-deploy starts nothing twice);
    a new or changed one counts from now; one the version no longer has is stopped.
    """
    now = timezone.now()
    tz = timezone.get_current_timezone()
    starts = _timer_starts(_eligible(key))
    rows = {row.bpmn_id: row for row in ScheduledStart.objects.select_for_update().filter(key=key)}
    kept = []
    for bpmn_id, start in starts.items():
        row = rows.pop(bpmn_id, None)
        if row is not None and (row.timer, row.expression) == (start.timer, start.expression):
            if row.next_at is None and row.last_at is not None:
                row.next_at = _parse(start).after(row.last_at, anchor=row.anchor, tz=tz)
                row.save(update_fields=["next_at", "updated_at"])
            kept.append(row)
            continue
        parsed = _parse(start)
        row = row or ScheduledStart(key=key, bpmn_id=bpmn_id)
        row.timer, row.expression, row.anchor = start.timer, start.expression, now
        row.next_at, row.error = parsed.first(now, anchor=now, tz=tz), ""
        row.save()
        event_record(
            action="schedule.set",
            actor=user,
            key=key,
            bpmn_id=bpmn_id,
            expression=row.expression,
            next_at=row.next_at.isoformat() if row.next_at else None,
        )
        kept.append(row)
    for row in rows.values():
        if row.next_at is not None:
            row.next_at = None
            row.save(update_fields=["next_at", "updated_at"])
            event_record(action="schedule.stopped", actor=user, key=key, bpmn_id=row.bpmn_id)
    return kept


def scheduled_starts_fire_due(*, limit: int = 50) -> list[ProcessInstance]:
    """Start one case for each due occurrence of a timer start event; safe with many workers.

    For the worker's loop, beside `timers_fire_due`. Returns the cases started.
    """
    started: list[ProcessInstance] = []
    failed: set[int] = set()  # rows that failed unexpectedly this sweep: left for the next one
    for _ in range(limit):
        picked = None
        try:
            with transaction.atomic():
                now = timezone.now()
                row = (
                    ScheduledStart.objects.select_for_update(skip_locked=True)
                    .filter(next_at__lte=now)
                    .exclude(pk__in=failed)
                    .order_by("next_at", "id")
                    .first()
                )
                if row is None:
                    break
                picked = row.pk
                instance = _fire(row)
                if instance is not None:
                    started.append(instance)
        except Exception:
            if picked is None:
                raise  # the database is not there: the worker loop reports it
            failed.add(picked)
            logger.exception("scheduled start %s could not be handled; retrying next sweep", picked)
    return started


def _fire(row: ScheduledStart) -> ProcessInstance | None:
    """Start the case of the row's occurrence and move the row on (under the row's lock)."""
    from server.processes.services.instances import instance_create

    tz = timezone.get_current_timezone()
    occurrence: datetime = row.next_at
    definition = _eligible(row.key)
    start = _timer_starts(definition).get(row.bpmn_id)
    if start is None or (start.timer, start.expression) != (row.timer, row.expression):
        # Retired, or the eligible version has another timer: its own schedule takes over.
        row.next_at = None
        row.save(update_fields=["next_at", "updated_at"])
        event_record(
            action="schedule.stopped", key=row.key, bpmn_id=row.bpmn_id, occurrence=occurrence.isoformat()
        )
        schedules_sync(key=row.key)
        return None
    instance = None
    # The version's default organisation, else the designer's who deployed it.
    organisation = definition.organisation or (
        user_primary_organisation(definition.deployed_by) if definition.deployed_by_id else None
    )
    try:
        if organisation is None:
            raise ValueError(
                f"流程 {row.key} 没有默认机构，定时启动的案件无处归属 / process {row.key!r} has no default "
                "organisation for the cases its timer starts; set one on the deployed version"
            )
        with transaction.atomic():
            instance = instance_create(
                definition=definition,
                organisation=organisation,
                data={},
                user=None,
                start_event=row.bpmn_id,
                trigger={
                    "timer": row.bpmn_id,
                    "expression": row.expression,
                    "occurrence": occurrence.isoformat(),
                },
            )
        row.started += 1
        row.error = ""
    except (APIException, ValueError) as exc:
        # No person waits for this start: the failure is recorded on the schedule and in the
        # audit log, and the schedule goes on to its next occurrence. (Not an Incident: those
        # belong to a case, and no case was made.)
        row.error = str(getattr(exc, "detail", exc))
        event_record(
            action="schedule.failed",
            key=row.key,
            bpmn_id=row.bpmn_id,
            occurrence=occurrence.isoformat(),
            message=row.error,
        )
        logger.error("scheduled start %s:%s at %s failed: %s", row.key, row.bpmn_id, occurrence, row.error)
    row.last_at = occurrence
    row.next_at = _parse(start).after(occurrence, anchor=row.anchor, tz=tz)
    row.save(update_fields=["last_at", "next_at", "started", "error", "updated_at"])
    if instance is not None:
        logger.info("scheduled start %s:%s at %s: case %s", row.key, row.bpmn_id, occurrence, instance.pk)
    return instance
