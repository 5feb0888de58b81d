import logging
import os
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from server.audit.models import Verification
from server.audit.services import audit_verify
from server.core.idempotency import idempotency_keys_purge
from server.core.models import WorkerKind
from server.core.workers import Worker, WorkerInterrupted
from server.documents.archives import archives_build_pending
from server.documents.services import documents_queue_unqueued
from server.jobs.services import (
    JOB_TYPES,
    job_claim,
    job_execute,
    job_release,
    jobs_next_due_in,
    jobs_relay,
    uses_celery,
)
from server.portal.services import attachments_purge_unlinked
from server.processes.selectors import timers_next_due_in
from server.processes.services import instances_resume_due, scheduled_starts_fire_due, timers_fire_due

# Timers fired per sweep; a sweep that fires this many starts the next one at once.
TIMERS_PER_SWEEP = 100
logger = logging.getLogger("lexflow.audit")

# A case archive that failed to build is tried again after this long (by this worker).
ARCHIVE_RETRY_SECONDS = 600
# Housekeeping (uploads that reached no case, expired keys, the daily audit walk) is looked at hourly.
HOUSEKEEPING_EVERY_SECONDS = 3600


class TimerSweep:
    """Fire due timers (SELECT ... FOR UPDATE SKIP LOCKED, one instance per transaction)."""

    def __init__(self, write) -> None:
        self.write = write

    def __call__(self, worker: Worker) -> bool | float:
        # Suspensions that end today first, so their cases' timers fire in this sweep.
        worker.now_on("suspensions ending")
        for resumed in instances_resume_due():
            self.write(f"resumed case {resumed.pk} at the end of its suspension")
        fired = timers_fire_due(
            limit=TIMERS_PER_SWEEP, on_instance=lambda pk: worker.now_on(f"timers of instance {pk}")
        )
        worker.done(len(fired))
        for timer in fired:
            self.write(f"fired timer {timer.bpmn_id} of instance {timer.instance_id}: {timer.status}")
        worker.now_on("scheduled starts")
        started = scheduled_starts_fire_due()
        for instance in started:
            self.write(f"started case {instance.pk} of {instance.definition.key} on its schedule")
        if len(fired) >= TIMERS_PER_SWEEP or started:
            return True
        # Sleep until the next timer falls due rather than a whole interval: it fires on time.
        next_due = timers_next_due_in()
        return False if next_due is None else next_due


def audit_verify_due() -> bool:
    """Whether the daily walk of the audit chain is due: no worker run yet, or the last one is
    older than LEXFLOW_AUDIT_VERIFY_EVERY_HOURS (so a restarted worker does not walk again)."""
    last = Verification.objects.filter(by=Verification.By.WORKER).order_by("-id").first()
    every = timedelta(hours=settings.LEXFLOW["AUDIT_VERIFY_EVERY_HOURS"])
    return last is None or timezone.now() - last.finished_at >= every


class JobSweep:
    """Background jobs from the outbox (`server.jobs`): run them here one at a time, or, when jobs
    go to Celery, hand over again what Celery never got or lost. When no job waits, one closed
    case's archive. Hourly housekeeping too: uploads that reached no case are deleted, notices
    missing their render job get one, and, daily, the audit chain is verified. Never in the
    timer worker's loop: slow work must not delay a timer."""

    def __init__(self, write) -> None:
        self.write = write
        self.next_housekeeping = 0.0
        self.archive_failed: dict[int, float] = {}  # case id -> when to try its archive again

    def __call__(self, worker: Worker) -> bool | float:
        if time.monotonic() >= self.next_housekeeping:
            self.next_housekeeping = time.monotonic() + HOUSEKEEPING_EVERY_SECONDS
            self.housekeeping(worker)
        if uses_celery():
            with worker.working_on("handing jobs to Celery"):
                jobs_relay()
            return self.build_archive(worker)
        job = job_claim(runner=worker.name)
        if job is None:
            if self.build_archive(worker):
                return True
            next_due = jobs_next_due_in()
            return False if next_due is None else next_due
        job_type = JOB_TYPES.get(job.name)
        interruptible = bool(job_type and job_type.interruptible)
        try:
            with worker.working_on(f"{job.name} {job.key}", interruptible=interruptible):
                outcome = job_execute(job)
        except WorkerInterrupted:
            job_release(job)  # stopping mid-job: it runs again at once, here or elsewhere
            raise
        worker.done()
        self.write(f"job {job.key}: {outcome}")
        return True

    def housekeeping(self, worker: Worker) -> None:
        days = settings.LEXFLOW["UNLINKED_UPLOAD_DAYS"]
        with worker.working_on("purging unlinked uploads"):
            purged = attachments_purge_unlinked(older_than=timedelta(days=days))
        if purged:
            self.write(f"deleted {purged} upload(s) on no case for {days} days")
        with worker.working_on("purging expired idempotency keys"):
            idempotency_keys_purge()
        with worker.working_on("queueing renders of notices without one"):
            queued = documents_queue_unqueued()
        if queued:
            self.write(f"queued the render of {queued} notice(s) that had none")
        if audit_verify_due():
            self.verify_audit_chain(worker)

    def verify_audit_chain(self, worker: Worker) -> None:
        """The daily walk; its head goes to the log too, a copy of the anchor outside the database."""
        worker.now_on("verifying the audit chain")
        verification = audit_verify(
            by=Verification.By.WORKER,
            on_progress=lambda checked: worker.now_on(f"verifying the audit chain ({checked} events)"),
        )
        worker.idle()
        if verification.ok:
            self.write(
                f"audit chain whole: {verification.checked} events, head seq {verification.head_seq} "
                f"{verification.head_hash}"
            )
            return
        bad = verification.first_bad
        logger.error(
            "audit chain BROKEN at event %s (seq %s, %s): %s",
            bad["id"],
            bad["seq"],
            bad["at"],
            bad["message"],
        )
        self.write(
            f"audit chain BROKEN at event {bad['id']} (seq {bad['seq']}, {bad['at']}): {bad['problem']}"
        )

    def build_archive(self, worker: Worker) -> bool:
        """One closed case's archive, when no job waits (notices come first: people wait for
        those). Like a render, it holds no transaction until its one insert: interruptible."""
        now = time.monotonic()
        self.archive_failed = {pk: when for pk, when in self.archive_failed.items() if when > now}
        with worker.working_on("building a case archive", interruptible=True):
            tried = archives_build_pending(limit=1, skip=self.archive_failed)
        if tried.failed:
            self.archive_failed.update(dict.fromkeys(tried.failed, now + ARCHIVE_RETRY_SECONDS))
        if tried.built:
            worker.done(len(tried.built))
            self.write(f"built the archive of case {', '.join(map(str, tried.built))}")
        return bool(tried.built)


class Command(BaseCommand):
    help = (
        "Run a background worker until stopped (SIGTERM or Ctrl-C). --kind timers (the default) "
        "fires due timers and scheduled starts (resuming first the suspended cases whose suspension "
        "ends today); --kind jobs runs background jobs (official notices' "
        "PDFs and the like; with LEXFLOW_JOBS=celery it hands them to Celery instead), builds closed "
        "cases' archives, hourly deletes uploads that reached no case within "
        "LEXFLOW_UNLINKED_UPLOAD_DAYS and daily verifies the audit chain. Run at least one of each; "
        "more of either kind share the work safely."
    )

    def add_arguments(self, parser) -> None:
        kinds = [WorkerKind.TIMERS.value, WorkerKind.JOBS.value]  # Celery workers are `celery worker`
        parser.add_argument("--kind", choices=kinds, default=WorkerKind.TIMERS)
        parser.add_argument("--once", action="store_true", help="do what is due now and exit")
        parser.add_argument("--interval", type=float, default=None, help="seconds between idle sweeps")

    def handle(self, *args, kind: str, once: bool, interval: float | None, **options) -> None:
        write = self.stdout.write
        if kind == WorkerKind.JOBS:
            # Rendering is CPU-heavy and never urgent: on a small machine it must not take the
            # cores the timers and the web server need. (A timer worker never waits on it.)
            os.nice(settings.LEXFLOW["JOB_WORKER_NICE"])
        interval = interval or settings.LEXFLOW["WORKER_INTERVAL"]
        worker = Worker(WorkerKind(kind), interval=interval, write=write)
        sweep = TimerSweep(write) if kind == WorkerKind.TIMERS else JobSweep(write)
        worker.run(sweep, once=once)
