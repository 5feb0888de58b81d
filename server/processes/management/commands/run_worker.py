import logging
import os
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from server.audit.models import Verification
from server.audit.services import audit_verify
from server.core.models import WorkerKind
from server.core.workers import Worker
from server.documents.archives import archives_build_pending
from server.documents.services import documents_render_pending
from server.portal.services import attachments_purge_unlinked
from server.processes.selectors import timers_next_due_in
from server.processes.services import timers_fire_due

# Timers fired per sweep; a sweep that fires this many starts the next one at once.
TIMERS_PER_SWEEP = 100
logger = logging.getLogger("lexflow.audit")

# A case archive that failed to build is tried again after this long (by this worker).
ARCHIVE_RETRY_SECONDS = 600
# Uploads that never reached a case are looked for hourly: they are only deleted after days.
PURGE_EVERY_SECONDS = 3600


class TimerSweep:
    """Fire due timers (SELECT ... FOR UPDATE SKIP LOCKED, one instance per transaction)."""

    def __init__(self, write) -> None:
        self.write = write

    def __call__(self, worker: Worker) -> bool | float:
        fired = timers_fire_due(
            limit=TIMERS_PER_SWEEP, on_instance=lambda pk: worker.now_on(f"timers of instance {pk}")
        )
        worker.done(len(fired))
        for timer in fired:
            self.write(f"fired timer {timer.bpmn_id} of instance {timer.instance_id}: {timer.status}")
        if len(fired) >= TIMERS_PER_SWEEP:
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


class DocumentSweep:
    """Render the PDFs of official notices not rendered yet, one at a time; hourly, purge uploads
    that reached no case; daily, verify the audit chain. Never in the timer worker's loop: a
    slow render must not delay a timer."""

    def __init__(self, write) -> None:
        self.write = write
        self.backlog_rendered = 0  # reported once a backlog has drained, not every document
        self.next_purge = 0.0
        self.next_verify_check = 0.0
        self.archive_failed: dict[int, float] = {}  # case id -> when to try its archive again

    def verify_audit_chain(self, worker: Worker) -> None:
        """The daily walk; its head goes to the log too, a copy of the anchor outside the database."""
        self.next_verify_check = time.monotonic() + PURGE_EVERY_SECONDS
        if not audit_verify_due():
            return
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
        else:
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

    def __call__(self, worker: Worker) -> bool:
        if time.monotonic() >= self.next_verify_check:
            self.verify_audit_chain(worker)
        if time.monotonic() >= self.next_purge:
            self.next_purge = time.monotonic() + PURGE_EVERY_SECONDS
            days = settings.LEXFLOW["UNLINKED_UPLOAD_DAYS"]
            with worker.working_on("purging unlinked uploads"):
                purged = attachments_purge_unlinked(older_than=timedelta(days=days))
            if purged:
                self.write(f"deleted {purged} upload(s) on no case for {days} days")
        # A render holds no transaction: stopping the worker abandons it, and the document
        # stays pending for the next worker.
        with worker.working_on("rendering an official document", interruptible=True):
            rendered = documents_render_pending(limit=1)
        worker.done(rendered)
        self.backlog_rendered += rendered
        if self.backlog_rendered and not rendered:
            self.write(f"rendered {self.backlog_rendered} document(s)")
            self.backlog_rendered = 0
        if rendered:
            return True
        return self.build_archive(worker)

    def build_archive(self, worker: Worker) -> bool:
        """One closed case's archive, when no notice is waiting (notices come first: people wait
        for those). Like a render, it holds no transaction until its one insert: interruptible."""
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
        "fires due timers every second; --kind documents renders the PDFs of official notices, builds "
        "closed cases' archives, hourly deletes uploads that reached no case within "
        "LEXFLOW_UNLINKED_UPLOAD_DAYS and daily verifies the audit chain. Run at least one of each; "
        "more of either kind share the work safely."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--kind", choices=[kind.value for kind in WorkerKind], default=WorkerKind.TIMERS)
        parser.add_argument("--once", action="store_true", help="do what is due now and exit")
        parser.add_argument("--interval", type=float, default=None, help="seconds between idle sweeps")

    def handle(self, *args, kind: str, once: bool, interval: float | None, **options) -> None:
        write = self.stdout.write
        if kind == WorkerKind.DOCUMENTS:
            # Rendering is CPU-heavy and never urgent: on a small machine it must not take the
            # cores the timers and the web server need. (A timer worker never waits on it.)
            os.nice(settings.LEXFLOW["DOCUMENT_WORKER_NICE"])
        interval = interval or settings.LEXFLOW["WORKER_INTERVAL"]
        worker = Worker(WorkerKind(kind), interval=interval, write=write)
        sweep = TimerSweep(write) if kind == WorkerKind.TIMERS else DocumentSweep(write)
        worker.run(sweep, once=once)
