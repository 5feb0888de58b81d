"""Firing due timers."""

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from server.audit.services import event_build
from server.processes.engine import engine, package_for
from server.processes.models import (
    IncidentStatus,
    InstanceStatus,
    ProcessInstance,
    Timer,
    TimerStatus,
)
from server.processes.services.incidents import incident_open
from server.processes.services.sync import save_snapshot, sync_rows
from workflows import EngineError

logger = logging.getLogger("lexflow.processes")


def timers_fire_due(*, limit: int = 100, on_instance: Callable[[int], None] | None = None) -> list[Timer]:
    """Fire every due timer once, one instance per transaction. Safe with many workers at once.

    The worker locks like everyone else (`locks`), instance row first, so it never deadlocks
    with a person claiming or completing a task. `SKIP LOCKED` on the instance lets concurrent
    workers take different instances and leaves an instance someone is working on for the next
    sweep; re-reading the timers under that lock makes a timer another worker just fired a no-op.

    A timer counts as fired (returned, logged) only once its transaction has committed.
    `on_instance(id)` is told before each instance is worked on, so a worker can say what
    it is doing however long the sweep takes.
    """
    fired: list[Timer] = []
    seen: set[int] = set()
    while len(fired) < limit:
        picked: int | None = None
        outcome: list[Timer] = []
        now = timezone.now()
        try:
            with transaction.atomic():
                now = timezone.now()
                instance = (
                    ProcessInstance.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("definition")
                    .defer("definition__files")
                    .filter(
                        status=InstanceStatus.RUNNING,  # a suspended case's timers wait for its resumption
                        timers__status=TimerStatus.WAITING,
                        timers__due_at__lte=now,
                    )
                    .exclude(pk__in=seen)
                    .exclude(incidents__status=IncidentStatus.OPEN)  # waits for an operator's retry
                    .order_by("next_timer_at", "id")
                    .first()
                )
                if instance is None:
                    break
                seen.add(instance.pk)
                picked = instance.pk
                if on_instance is not None:
                    on_instance(instance.pk)
                outcome = _fire_instance_timers(instance, now)
        except (KeyboardInterrupt, SystemExit):
            raise  # the worker is being stopped: the timers stay due and fire after the restart
        except BaseException as exc:  # one case's failure, whatever it is, stays that case's
            if picked is None:
                raise  # no instance could even be picked (database down): the worker loop reports it
            if isinstance(exc, OperationalError | InterfaceError):
                # The database went away or gave up on a lock (a deadlock, a restart): nothing is
                # wrong with the case, so its timers stay due and the next sweep tries again.
                logger.warning(
                    "timers of instance %s could not be fired (%s); retrying next sweep", picked, exc
                )
                continue
            # Anything else (a bug, a value the database refuses) would fail the same way on every
            # sweep: open an incident on this case, as an engine error does, and go on with the others.
            logger.exception("timers of instance %s failed unexpectedly; an incident is opened", picked)
            outcome = _timers_failed_apart(picked, now, exc)
        # Committed: only now is anything reported.
        for timer in outcome:
            failed = timer.status == TimerStatus.FAILED
            logger.log(
                logging.ERROR if failed else logging.INFO,
                "timer %s (%s) of instance %s: %s%s",
                timer.pk,
                timer.bpmn_id,
                picked,
                timer.status,
                f" ({timer.error})" if failed else "",
            )
        fired += outcome
    return fired


def _fire_instance_timers(instance: ProcessInstance, now: datetime) -> list[Timer]:
    """Fire the due timers of a locked instance; the timers that fired or failed."""
    due = list(instance.timers.filter(status=TimerStatus.WAITING, due_at__lte=now))
    if not due:
        return []  # another worker fired them between our look and our lock
    before = instance.data
    try:
        running = engine().restore(package_for(instance.definition), instance.state)
        running.fire_due_timers()
        snapshot = running.snapshot()
    except EngineError as exc:
        _timer_failed(due, instance, exc)
        return due
    timer_event = event_build(
        action="instance.timer",
        instance=instance,
        before=before,
        after=snapshot.data,
        bpmn_ids=[timer.bpmn_id for timer in due],
        steps=list(snapshot.steps),
    )
    sync_rows(instance, snapshot, actor=None, events=[timer_event], save_later=True)
    save_snapshot(instance, snapshot)
    fired = []
    for timer in due:
        timer.refresh_from_db()
        if timer.status == TimerStatus.FIRED:
            fired.append(timer)
    return fired


def _timers_failed_apart(instance_id: int, now: datetime, exc: BaseException) -> list[Timer]:
    """Mark a case's due timers failed after its own transaction rolled back, in a new one, with an
    incident at the timer that could not be fired (the earliest due, when several were)."""
    try:
        with transaction.atomic():
            instance = (
                ProcessInstance.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=instance_id, status=InstanceStatus.RUNNING)
                .first()
            )
            if instance is None:
                return []  # someone else holds it or has moved it on; the next sweep sees
            timers = list(
                instance.timers.filter(status=TimerStatus.WAITING, due_at__lte=now).order_by("due_at", "id")
            )
            if timers:
                names = ", ".join(timer.bpmn_id for timer in timers)
                error = EngineError(
                    f"the timer {names} could not be fired: {type(exc).__name__}: {exc}"[:2000],
                    element_id=timers[0].bpmn_id,
                )
                _timer_failed(timers, instance, error)
            return timers
    except Exception:
        logger.exception("instance %s could not be marked failed; retrying next sweep", instance_id)
        return []


def _timer_failed(timers: list[Timer], instance: ProcessInstance, exc: EngineError) -> None:
    """A timer whose path fails opens an incident instead of retrying forever; the case keeps
    its state from before the timer and waits for an operator (services.incidents)."""
    incident_open(
        instance=instance,
        kind="timer",
        bpmn_id=exc.element_id or "",
        element_name=exc.element_name or "",
        error=str(exc),
        timers=timers,
    )
