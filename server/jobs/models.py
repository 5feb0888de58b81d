"""The outbox of background work: one row per job, written in the transaction that asks for it.

A job is queued only if that transaction commits, and it stays here until it has run: a
broker (Redis) that is down or flushed loses nothing, because the row is the job. Jobs name
a registered handler and carry ids, never objects; handlers are idempotent, so a job run
twice (a worker killed after its work but before saying so) does no harm.
"""

from django.db import models
from django.utils import timezone


class JobState(models.TextChoices):
    QUEUED = "queued", "排队 / Queued"
    RUNNING = "running", "执行中 / Running"
    DONE = "done", "完成 / Done"
    FAILED = "failed", "失败 / Failed"


class Job(models.Model):
    name = models.CharField(max_length=100, help_text="the registered handler, e.g. documents.render")
    key = models.CharField(max_length=200, unique=True, help_text="one job per key: asking twice is a no-op")
    args = models.JSONField(default=dict, help_text="ids and plain values for the handler")
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    run_after = models.DateTimeField(default=timezone.now, help_text="not before (back-off after a failure)")
    lease_until = models.DateTimeField(null=True, blank=True, help_text="a running job's claim lapses then")
    claimed_by = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, help_text="last handed to Celery")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["run_after", "id"],
                name="job_waiting_idx",
                condition=models.Q(state__in=["queued", "running"]),
            )
        ]
        verbose_name = "后台任务 / background job"
        verbose_name_plural = "后台任务 / background jobs"

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
