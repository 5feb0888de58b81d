import os
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from server.core.models import WorkerKind
from server.core.workers import Worker
from server.documents.services import documents_render_pending
from server.portal.services import attachments_purge_unlinked
from server.processes.selectors import timers_next_due_in
from server.processes.services import timers_fire_due

# Timers fired per sweep; a sweep that fires this many starts the next one at once.
TIMERS_PER_SWEEP = 100
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


class DocumentSweep:
    """Render the PDFs of official notices not rendered yet, one at a time; hourly, purge uploads
    that reached no case. Never in the timer worker's loop: a slow render must not delay a timer."""

    def __init__(self, write) -> None:
        self.write = write
        self.backlog_rendered = 0  # reported once a backlog has drained, not every document
        self.next_purge = 0.0

    def __call__(self, worker: Worker) -> bool:
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
        return bool(rendered)


class Command(BaseCommand):
    help = (
        "Run a background worker until stopped (SIGTERM or Ctrl-C). --kind timers (the default) "
        "fires due timers every second; --kind documents renders the PDFs of official notices and, "
        "hourly, deletes uploads that reached no case within LEXFLOW_UNLINKED_UPLOAD_DAYS. Run at "
        "least one of each; more of either kind share the work safely."
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
