from django.conf import settings
from django.db import models


class WorkerKind(models.TextChoices):
    """The kinds of background process; /api/v1/health wants a live one of each in use."""

    TIMERS = "timers", "定时器 / Timers"
    JOBS = "jobs", "后台任务与清理 / Background jobs and housekeeping"
    CELERY = "celery", "Celery 任务进程 / Celery workers"


class WorkerHeartbeat(models.Model):
    """One row per running worker process, written by its heartbeat thread every second.

    The heartbeat runs beside the work, so a long sweep does not make a worker look dead;
    `busy_since` and `doing` say what the worker has been working on, so one stuck on a
    single unit of work shows as stuck. A worker that stops cleanly deletes its row; the
    rows of dead ones are deleted by the others after LEXFLOW_WORKER_FORGET_AFTER.
    """

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=WorkerKind.choices, default=WorkerKind.TIMERS)
    host = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(null=True)
    started_at = models.DateTimeField(null=True)
    last_seen = models.DateTimeField()
    busy_since = models.DateTimeField(null=True, help_text="when the unit of work in hand began")
    doing = models.CharField(max_length=200, blank=True)
    done_total = models.PositiveBigIntegerField(default=0, help_text="timers fired / jobs run")

    def __str__(self) -> str:
        return f"{self.kind} {self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class CalendarOverride(models.Model):
    """A day whose working status differs from (or is missing in) the official calendar package.

    Takes precedence over the `holidays` package, so the next year's arrangement can be
    entered the day the State Council announces it.
    """

    day = models.DateField(unique=True)
    is_working_day = models.BooleanField(help_text="工作日 / working day (unticked: a day off)")
    name = models.CharField(max_length=120, blank=True, help_text="e.g. 春节 / Spring Festival")

    class Meta:
        ordering = ["day"]
        verbose_name = "日历调整 / calendar override"
        verbose_name_plural = "日历调整 / calendar overrides"

    def __str__(self) -> str:
        kind = "工作日 / working day" if self.is_working_day else "休息日 / day off"
        return f"{self.day} {kind} {self.name}".strip()


class IdempotencyKey(models.Model):
    """The first successful answer to a start or a completion sent with an `Idempotency-Key`,
    so that a retry gets it again instead of acting twice (see `server.core.idempotency`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of the method, path and body")
    status = models.PositiveSmallIntegerField(null=True, help_text="the HTTP status first answered")
    response = models.TextField(blank=True, help_text="the JSON body first answered, as sent")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")]
        verbose_name = "幂等键 / idempotency key"
        verbose_name_plural = "幂等键 / idempotency keys"

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
