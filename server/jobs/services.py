"""Background jobs: queue in the caller's transaction, run at least once, idempotent handlers.

Where jobs run is a setting, not a code path (`LEXFLOW_JOBS`):

- `database` (the embedded default, `make run`): `run_worker --kind jobs` claims due jobs
  from the table and runs them itself. No broker needed.
- `celery` (docker-compose, a province): each job is handed to Celery (Redis) once its
  transaction commits; Celery workers run it (`server.jobs.tasks.run_job`). The jobs worker
  then only relays: it hands again to Celery what was never handed over (broker down at
  commit) or whose claim lapsed (a Celery worker killed mid-job).

Either way a job is claimed by one runner at a time (a lease, `LEXFLOW_JOB_LEASE_SECONDS`),
so two deliveries of one job run it once; a runner that dies mid-job lets the lease lapse
and another runs it. A failing job is retried with back-off, up to its handler's
`max_attempts`; then it is marked failed and the handler's `on_give_up` says what that means
(an incident, for an asynchronous service task).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from server.jobs.models import Job, JobState

logger = logging.getLogger("lexflow.jobs")


@dataclass(frozen=True)
class JobType:
    name: str
    handler: Callable[..., Any]
    max_attempts: int = 5
    backoff_seconds: float = 30.0  # doubled after each failed attempt, at most an hour
    interruptible: bool = False  # holds no transaction: a stopping worker may abandon it
    on_give_up: Callable[[Job, str], None] | None = None


JOB_TYPES: dict[str, JobType] = {}


def job_handler(
    name: str,
    *,
    max_attempts: int = 5,
    backoff_seconds: float = 30.0,
    interruptible: bool = False,
    on_give_up: Callable[[Job, str], None] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `handler(**job.args)` as the job `name`. It must be idempotent."""

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        JOB_TYPES[name] = JobType(name, handler, max_attempts, backoff_seconds, interruptible, on_give_up)
        return handler

    return register


def uses_celery() -> bool:
    return settings.LEXFLOW["JOBS"] == "celery"


def job_enqueue(name: str, *, key: str, delay: timedelta | None = None, **args: Any) -> Job:
    """Queue job `name` in the current transaction; it exists only if that transaction commits.

    `key` makes it idempotent: a second request with the same key is the same job.
    """
    if name not in JOB_TYPES:
        raise LookupError(f"no background job is registered as {name!r}")
    job, created = Job.objects.get_or_create(
        key=key, defaults={"name": name, "args": args, "run_after": timezone.now() + (delay or timedelta())}
    )
    if created and uses_celery():
        transaction.on_commit(lambda: _publish(job.pk))
    return job


def _publish(job_id: int) -> bool:
    """Hand a job to Celery. A broker that is down is logged, not raised: the relay retries."""
    from server.jobs.tasks import run_job

    try:
        run_job.apply_async(args=[job_id], retry=False)
    except Exception:  # noqa: BLE001 - any broker failure: the job stays queued for the relay
        logger.warning(
            "job %s could not be handed to the broker; the relay will retry", job_id, exc_info=True
        )
        return False
    Job.objects.filter(pk=job_id).update(published_at=timezone.now())
    return True


def _runnable(now: datetime) -> Q:
    return Q(state=JobState.QUEUED, run_after__lte=now) | Q(state=JobState.RUNNING, lease_until__lt=now)


def job_claim(*, runner: str, job_id: int | None = None) -> Job | None:
    """Claim one runnable job (the given one, or the next due): exactly one runner gets it."""
    now = timezone.now()
    lease = timedelta(seconds=settings.LEXFLOW["JOB_LEASE_SECONDS"])
    with transaction.atomic():
        jobs = Job.objects.select_for_update(skip_locked=True).filter(_runnable(now))
        job = (
            jobs.filter(pk=job_id).first() if job_id is not None else jobs.order_by("run_after", "id").first()
        )
        if job is None:
            return None
        job.state = JobState.RUNNING
        job.attempts += 1
        job.lease_until = now + lease
        job.claimed_by = runner[:200]
        job.save(update_fields=["state", "attempts", "lease_until", "claimed_by"])
    return job


def job_execute(job: Job) -> str:
    """Run a claimed job's handler and record the outcome: done, retry (with back-off) or failed."""
    job_type = JOB_TYPES.get(job.name)
    try:
        if job_type is None:
            raise LookupError(f"no background job is registered as {job.name!r}")
        job_type.handler(**job.args)
    except Exception as exc:  # a handler's failure is the job's, never the worker's
        error = f"{type(exc).__name__}: {exc}"[:4000]
        if job_type is not None and job.attempts < job_type.max_attempts:
            backoff = min(job_type.backoff_seconds * 2 ** (job.attempts - 1), 3600.0)
            _finish(job, JobState.QUEUED, error=error, run_after=timezone.now() + timedelta(seconds=backoff))
            logger.warning(
                "job %s failed (attempt %s), retrying in %.0f s: %s", job.key, job.attempts, backoff, error
            )
            return "retry"
        with transaction.atomic():
            _finish(job, JobState.FAILED, error=error)
            if job_type is not None and job_type.on_give_up is not None:
                job_type.on_give_up(job, error)
        logger.error("job %s failed for good after %s attempts: %s", job.key, job.attempts, error)
        return "failed"
    _finish(job, JobState.DONE)
    return "done"


def job_release(job: Job) -> None:
    """Give back a claimed job untouched (its runner is stopping): it runs again at once."""
    Job.objects.filter(pk=job.pk, state=JobState.RUNNING, claimed_by=job.claimed_by).update(
        state=JobState.QUEUED, attempts=max(0, job.attempts - 1), lease_until=None, claimed_by=""
    )


def _finish(job: Job, state: str, *, error: str = "", run_after: datetime | None = None) -> None:
    changes: dict[str, Any] = {"state": state, "lease_until": None, "last_error": error}
    if state in (JobState.DONE, JobState.FAILED):
        changes["finished_at"] = timezone.now()
    if run_after is not None:
        changes["run_after"] = run_after
        changes["published_at"] = None  # the relay hands it to Celery again when due
    # Only while the claim is ours: a runner whose lease lapsed must not undo its successor.
    Job.objects.filter(pk=job.pk, state=JobState.RUNNING, claimed_by=job.claimed_by).update(**changes)


def job_run(job_id: int, *, runner: str) -> str:
    """Claim and run one job (a Celery delivery): `skipped` if it is not runnable or taken."""
    job = job_claim(runner=runner, job_id=job_id)
    return "skipped" if job is None else job_execute(job)


def jobs_next_due_in() -> float | None:
    """Seconds until the next queued job may run (0 if one may now), or None."""
    now = timezone.now()
    run_after = (
        Job.objects.filter(state=JobState.QUEUED)
        .order_by("run_after")
        .values_list("run_after", flat=True)
        .first()
    )
    return None if run_after is None else max(0.0, (run_after - now).total_seconds())


def jobs_relay(*, limit: int = 500) -> int:
    """Celery mode: hand over again what Celery never got or lost. Returns how many were handed."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.LEXFLOW["JOB_REPUBLISH_AFTER"])
    ids = list(
        Job.objects.filter(_runnable(now))
        .filter(Q(published_at__isnull=True) | Q(published_at__lt=stale) | Q(state=JobState.RUNNING))
        .order_by("run_after", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(_publish(job_id) for job_id in ids)
