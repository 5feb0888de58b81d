import logging
import os
import signal
import socket
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone

from server.core.models import WorkerHeartbeat
from server.documents.services import documents_render_pending
from server.portal.services import attachments_purge_unlinked
from server.processes.services import instances_resume_due, timers_fire_due

logger = logging.getLogger("lexflow.worker")

# PDFs rendered per sweep (~0.25 s each): a backlog drains steadily without delaying timers
# by more than a few seconds.
DOCUMENTS_PER_SWEEP = 10
# Uploads that never reached a case are looked for hourly: they are only deleted after days.
PURGE_EVERY_SECONDS = 3600


class Command(BaseCommand):
    help = (
        "Fire due timers: sweep every second (SELECT ... FOR UPDATE SKIP LOCKED) until stopped, "
        "resuming first the suspended cases whose suspension ends today. "
        "Each sweep also renders the PDFs of official documents not downloaded yet; hourly, "
        "uploads that reached no case within LEXFLOW_UNLINKED_UPLOAD_DAYS are deleted."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="sweep once and exit")
        parser.add_argument("--interval", type=float, default=None)

    def handle(self, *args, once: bool, interval: float | None, **options) -> None:
        interval = interval or settings.LEXFLOW["WORKER_INTERVAL"]
        name = f"{socket.gethostname()}:{os.getpid()}"
        stopping = False

        def stop(signum, frame) -> None:  # noqa: ARG001
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"timer worker {name} started (every {interval:g}s)")
        backlog_rendered = 0  # reported once a backlog has drained, not every sweep
        next_purge = 0.0
        while not stopping:
            close_old_connections()
            try:
                # Suspensions that end today first, so their cases' timers fire in this sweep.
                for resumed in instances_resume_due():
                    self.stdout.write(f"resumed case {resumed.pk} at the end of its suspension")
                fired = timers_fire_due()
                beat, _ = WorkerHeartbeat.objects.get_or_create(
                    name=name, defaults={"last_seen": timezone.now()}
                )
                WorkerHeartbeat.objects.filter(pk=beat.pk).update(
                    last_seen=timezone.now(), fired_total=F("fired_total") + len(fired)
                )
                for timer in fired:
                    self.stdout.write(
                        f"fired timer {timer.bpmn_id} of instance {timer.instance_id}: {timer.status}"
                    )
            except Exception:  # a bad sweep must not kill the worker; the next one retries
                logger.exception("timer sweep failed")
            try:
                # After the timers, so a slow or failing render never holds them up.
                rendered = documents_render_pending(limit=DOCUMENTS_PER_SWEEP)
                backlog_rendered += rendered
                if backlog_rendered and (rendered < DOCUMENTS_PER_SWEEP or once):
                    self.stdout.write(f"rendered {backlog_rendered} document(s)")
                    backlog_rendered = 0
            except Exception:  # never let documents stop the timers
                logger.exception("document rendering sweep failed")
            if time.monotonic() >= next_purge:
                next_purge = time.monotonic() + PURGE_EVERY_SECONDS
                try:
                    days = settings.LEXFLOW["UNLINKED_UPLOAD_DAYS"]
                    if purged := attachments_purge_unlinked(older_than=timedelta(days=days)):
                        self.stdout.write(f"deleted {purged} upload(s) on no case for {days} days")
                except Exception:  # nor uploads
                    logger.exception("upload purge failed")
            if once:
                break
            time.sleep(interval)
        WorkerHeartbeat.objects.filter(name=name).delete()
        self.stdout.write(f"timer worker {name} stopped")
