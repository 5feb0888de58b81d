"""Background worker processes: one loop of work, a heartbeat beside it, a prompt stop.

Each kind of work (timers, background jobs) runs in its own process so that no kind can hold
up another: a slow PDF never delays a statutory timer. A worker is a loop calling one `step`
function until asked to stop; a heartbeat thread writes its row every second whatever the
loop is doing, so /api/v1/health tells a busy worker from a dead one (stale row) and from a
stuck one (one unit of work running too long). Celery workers write the same heartbeat
(`server.config.celery`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from server.core.models import WorkerHeartbeat, WorkerKind

logger = logging.getLogger("lexflow.worker")


class WorkerInterrupted(BaseException):
    """Raised inside interruptible work (a PDF render) when the worker is told to stop.

    A BaseException so that the work's own `except Exception` handlers do not swallow it;
    interruptible work holds no transaction, so abandoning it loses nothing: the document
    stays pending and the next worker renders it.
    """


@dataclass
class _Progress:
    busy_since: datetime | None = None
    doing: str = ""
    done_total: int = 0


class Heartbeat:
    """A worker process's row in WorkerHeartbeat, rewritten every second by a thread of its own.

    The process says what it is doing (`now_on`, `idle`, `done`); the thread writes it, so a
    long piece of work never makes the process look dead. Also forgets long-dead workers.
    """

    def __init__(self, kind: WorkerKind, *, name: str | None = None):
        self.kind = WorkerKind(kind)
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.name = name or f"{self.host}:{self.pid}:{self.kind}"
        self.started_at = timezone.now()
        self._progress = _Progress()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def now_on(self, what: str) -> None:
        with self._lock:
            self._progress.busy_since = timezone.now()
            self._progress.doing = what[:200]

    def idle(self) -> None:
        with self._lock:
            self._progress.busy_since = None
            self._progress.doing = ""

    def done(self, count: int = 1) -> None:
        with self._lock:
            self._progress.done_total += count

    def start(self) -> None:
        self.beat()  # seen before the first piece of work ends
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{self.kind}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and remove the row: a worker that stops cleanly is forgotten at once."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with contextlib.suppress(Exception):  # the database may be what is failing
            WorkerHeartbeat.objects.filter(name=self.name).delete()

    def _loop(self) -> None:
        period = settings.LEXFLOW["WORKER_HEARTBEAT"]
        try:
            while not self._stopped.wait(period):
                try:
                    self.beat()
                except Exception:  # noqa: BLE001 - the database is down: the row goes stale, as it should
                    logger.warning("%s worker heartbeat could not be written", self.kind, exc_info=True)
                    close_old_connections()
        finally:
            connection.close()  # this thread's own connection

    def beat(self) -> None:
        with self._lock:
            progress = _Progress(**vars(self._progress))
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            name=self.name,
            defaults={
                "kind": self.kind,
                "host": self.host,
                "pid": self.pid,
                "started_at": self.started_at,
                "last_seen": now,
                "busy_since": progress.busy_since,
                "doing": progress.doing,
                "done_total": progress.done_total,
            },
        )
        forget_before = now - timedelta(seconds=settings.LEXFLOW["WORKER_FORGET_AFTER"])
        WorkerHeartbeat.objects.filter(last_seen__lt=forget_before).delete()


class Worker:
    """One worker process of a kind. `run(step)` loops until SIGTERM/SIGINT or `stop()`."""

    def __init__(self, kind: WorkerKind, *, interval: float, write: Callable[[str], None] = print):
        self.heartbeat = Heartbeat(kind)
        self.kind = self.heartbeat.kind
        self.name = self.heartbeat.name
        self.interval = interval
        self.write = write
        self._stopping = threading.Event()
        self._interruptible = False

    # -- what the work tells the worker

    @contextlib.contextmanager
    def working_on(self, what: str, *, interruptible: bool = False) -> Iterator[None]:
        """Mark one unit of work: health shows it as busy, and as stuck past its time."""
        self.heartbeat.now_on(what)
        self._interruptible = interruptible
        if interruptible and self._stopping.is_set():
            raise WorkerInterrupted
        try:
            yield
        finally:
            self._interruptible = False
            self.heartbeat.idle()

    def now_on(self, what: str) -> None:
        """The next unit of work has begun (for work reported one unit after another)."""
        self.heartbeat.now_on(what)

    def idle(self) -> None:
        self.heartbeat.idle()

    def done(self, count: int = 1) -> None:
        self.heartbeat.done(count)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self, signum: int | None = None, frame: Any = None) -> None:  # noqa: ARG002
        """Ask the loop to stop; work marked interruptible is abandoned at once."""
        self._stopping.set()
        if self._interruptible and threading.current_thread() is threading.main_thread():
            raise WorkerInterrupted

    # -- the loop

    def run(self, step: Callable[[Worker], bool | float], *, once: bool = False) -> None:
        """Call `step` until stopped. It returns True when there is more to do at once, False to
        wait `interval`, or the seconds until its next piece of work falls due (if sooner).

        An unexpected failure of a step is logged and the loop goes on: one bad sweep must
        never stop the worker. Nothing short of a signal or `stop()` ends it. With `once`,
        it does what is due now and returns, without a heartbeat (it is no standing worker).
        """
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        if not once:
            self.heartbeat.start()
            self.write(f"{self.kind} worker {self.name} started (every {self.interval:g}s)")
        try:
            while not self.stopping:
                close_old_connections()
                busy: bool | float = False
                try:
                    busy = step(self)
                except WorkerInterrupted:
                    break
                except Exception:  # a bad sweep must not kill the worker; the next one retries
                    logger.exception("%s sweep failed", self.kind)
                finally:
                    self.idle()
                if busy is True:
                    continue
                if once:
                    break
                wait = self.interval if busy is False else min(self.interval, max(0.0, busy))
                self._stopping.wait(wait)
        except WorkerInterrupted:
            pass
        finally:
            self._stopping.set()
            if not once:
                self.heartbeat.stop()
                self.write(f"{self.kind} worker {self.name} stopped")


# ---------------------------------------------------------------------------------------------
# What /api/v1/health says about them


def _worker_state(beat: WorkerHeartbeat, now: datetime) -> str:
    if now - beat.last_seen > timedelta(seconds=settings.LEXFLOW["WORKER_STALE_AFTER"]):
        return "dead"
    if beat.busy_since is None:
        return "idle"
    stuck_after = settings.LEXFLOW["WORKER_STUCK_AFTER"].get(beat.kind, 60.0)
    return "stuck" if now - beat.busy_since > timedelta(seconds=stuck_after) else "busy"


def kinds_in_use() -> list[WorkerKind]:
    """Timer and jobs workers always; Celery workers when jobs are handed to Celery."""
    kinds = [WorkerKind.TIMERS, WorkerKind.JOBS]
    return [*kinds, WorkerKind.CELERY] if settings.LEXFLOW["JOBS"] == "celery" else kinds


def workers_health() -> dict[str, Any]:
    """Every worker's state and, per kind, whether the work of that kind is being done.

    `ok` only when every kind has a live worker and none is dead or stuck: one of two
    timer workers dying is reported (degraded), not hidden behind the survivor.
    """
    now = timezone.now()
    workers = [
        {
            "name": beat.name,
            "kind": beat.kind,
            "state": (state := _worker_state(beat, now)),
            "alive": state in ("idle", "busy"),
            "last_seen": beat.last_seen,
            "busy_since": beat.busy_since,
            "doing": beat.doing,
            "done_total": beat.done_total,
        }
        for beat in WorkerHeartbeat.objects.order_by("kind", "name")
    ]
    kinds = {}
    for kind in kinds_in_use():
        mine = [worker for worker in workers if worker["kind"] == kind]
        alive = sum(worker["alive"] for worker in mine)
        troubled = [worker["name"] for worker in mine if not worker["alive"]]
        kinds[kind.value] = {
            "status": "not running" if not alive else ("degraded" if troubled else "ok"),
            "alive": alive,
            "dead_or_stuck": troubled,
        }
    status = "ok" if all(kind["status"] == "ok" for kind in kinds.values()) else "degraded"
    return {"status": status, "kinds": kinds, "workers": workers}
