"""The audit trail: append-only and hash-chained. Rows are written once, never updated or deleted.

Every event carries its place in one chain (`seq`, `prev_hash`, `hash`; see `server.audit.chain`),
written in the transaction of the change it records. The Python guards stop the ORM; database
triggers (migrations 0002, 0003) refuse UPDATE, DELETE and TRUNCATE on PostgreSQL and UPDATE and
DELETE on SQLite, and refuse an INSERT that does not extend the chain at its head. Whoever
gets past them (dropping the triggers with the owner's password) leaves a broken chain, which
`manage.py audit_verify` and `GET /api/v1/audit/verify` find.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    pass


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")


class Event(models.Model):
    action = models.CharField(max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    instance = models.ForeignKey(
        "processes.ProcessInstance", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    task = models.ForeignKey(
        "processes.HumanTask", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    # Set when the event takes its place in the chain (under the chain lock), so chain order
    # and time order agree.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    data_before = models.JSONField(null=True, blank=True)
    data_after = models.JSONField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    seq = models.BigIntegerField(unique=True, help_text="place in the chain, from 1, without gaps")
    prev_hash = models.CharField(max_length=64, unique=True, help_text="hash of event seq-1")
    hash = models.CharField(max_length=64, help_text="sha256 of the canonical content and prev_hash")

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["instance", "id"], name="event_instance_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit events cannot be changed.")
        from server.audit.services import events_save  # the chain is assigned there

        events_save([self])

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")


class Verification(models.Model):
    """One walk of the chain and what it found: the daily proof that the log is whole.

    `head_seq`/`head_hash` anchor the chain as it stood: a later walk checks the events up
    to each recorded head still hash to it, so history cannot be rewritten behind a verified
    point even by someone recomputing every hash after it. Append-only like the events; the
    worker also prints the head to its log, a copy outside the database.
    """

    class By(models.TextChoices):
        WORKER = "worker", "后台任务 / Daily worker run"
        COMMAND = "command", "命令行 / manage.py audit_verify"
        API = "api", "接口 / API"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    by = models.CharField(max_length=16, choices=By.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ok = models.BooleanField()
    checked = models.PositiveBigIntegerField()
    head_seq = models.BigIntegerField(null=True, help_text="the last event checked, when the chain was whole")
    head_hash = models.CharField(max_length=64, blank=True)
    first_bad = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'BROKEN'} ({self.checked})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Verification records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Verification records cannot be deleted.")
