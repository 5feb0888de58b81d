"""Celery app: runs background jobs from the outbox when LEXFLOW_JOBS=celery (see server.jobs).

`celery -A server.config worker` starts one; each writes a heartbeat like the other workers,
so /api/v1/health counts the live Celery workers. Celery's own time limits stop a job that
hangs (before its claim lapses and another worker would take it).
"""

import os

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.config.settings.local")
app = Celery("lexflow")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["server.jobs"])

_heartbeat = None


@worker_ready.connect
def _start_heartbeat(**kwargs) -> None:
    global _heartbeat
    from server.core.models import WorkerKind
    from server.core.workers import Heartbeat

    _heartbeat = Heartbeat(WorkerKind.CELERY)
    _heartbeat.start()


@worker_shutdown.connect
def _stop_heartbeat(**kwargs) -> None:
    if _heartbeat is not None:
        _heartbeat.stop()
