"""Official documents (官方文书): one row per notice a case was issued, append-only.

What a notice says is fixed when it is issued: the template, the title, the case data it
is rendered from and its verification code never change, and the row is never deleted.
The PDF is rendered later, outside the transaction that issued it (a render takes about a
quarter of a second), so the row has exactly one way to change: `record_rendering` fills in
the PDF, its sha256 and the moment, once, while the PDF is still empty. Until then
`record_failure` may note a failed render (count, message, time) so the worker can back off
and an administrator can see why; after rendering nothing moves.

The Python guards stop the ORM; migration 0002 adds database triggers that enforce the
same rule for raw SQL (PostgreSQL: no UPDATE after rendering, no DELETE; SQLite: no UPDATE
after rendering, DELETE kept for the test runner's table flush, as for the audit log).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone

from server.audit.models import AppendOnlyError

# The only columns that may change, and only while `pdf` is NULL.
RENDER_FIELDS = frozenset(
    {"pdf", "sha256", "rendered_at", "render_failures", "render_error", "render_failed_at"}
)


class DocumentQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise AppendOnlyError("Official documents cannot be changed (use record_rendering).")

    def delete(self):
        raise AppendOnlyError("Official documents cannot be deleted.")

    def _pending(self, pk: int) -> models.QuerySet:
        return self.filter(pk=pk, pdf__isnull=True)

    def record_rendering(self, pk: int, *, pdf: bytes, sha256: str, rendered_at: datetime) -> bool:
        """Fill in the PDF of a document not rendered yet. False if it already had one (someone
        else rendered it first): the stored PDF stands, so its sha256 never changes."""
        updated = models.QuerySet.update(
            self._pending(pk), pdf=pdf, sha256=sha256, rendered_at=rendered_at, render_error=""
        )
        return updated == 1

    def record_failure(self, pk: int, *, error: str, failed_at: datetime) -> None:
        """Note a failed render of a document not rendered yet (for back-off and the admin)."""
        models.QuerySet.update(
            self._pending(pk),
            render_failures=F("render_failures") + 1,
            render_error=error[:2000],
            render_failed_at=failed_at,
        )


class Document(models.Model):
    instance = models.ForeignKey(
        "processes.ProcessInstance", on_delete=models.PROTECT, related_name="documents"
    )
    template = models.CharField(max_length=100, help_text="catalogue key, e.g. complaint/ineligible")
    title = models.CharField(max_length=200, help_text="中文 / English")
    bpmn_id = models.CharField(max_length=255, help_text="the flow node that issued it")
    verification_code = models.CharField(max_length=20, unique=True)
    data = models.JSONField(default=dict, help_text="the case data at the issuing node, rendered as is")
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True, help_text="of the PDF, once rendered")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    render_failures = models.PositiveIntegerField(default=0)
    render_error = models.TextField(blank=True)
    render_failed_at = models.DateTimeField(null=True, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["instance", "id"], name="document_instance_idx"),
            # The worker's look for work: only unrendered rows are in this index.
            models.Index(
                fields=["render_failures", "id"],
                name="document_pending_idx",
                condition=models.Q(rendered_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verification_code} {self.title}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Official documents cannot be changed (use record_rendering).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Official documents cannot be deleted.")

    @property
    def is_rendered(self) -> bool:
        return self.rendered_at is not None


class ArchiveQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise AppendOnlyError("Case archives cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Case archives cannot be deleted.")


class Archive(models.Model):
    """The archive (卷宗) of a closed case: one ZIP holding the archive PDF, every notice's PDF,
    the attachments and a manifest of sha256 sums. Written once, whole, by the document worker
    (or the first download) after the case closed; never changed or deleted (triggers as for
    documents; the application's database role may only insert and read it)."""

    instance = models.OneToOneField(
        "processes.ProcessInstance", on_delete=models.PROTECT, related_name="archive"
    )
    verification_code = models.CharField(max_length=20, unique=True, help_text="printed on the archive PDF")
    zip = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64, help_text="of the ZIP")
    pdf_sha256 = models.CharField(max_length=64, help_text="of the archive PDF inside it")
    size = models.PositiveBigIntegerField()
    manifest = models.JSONField(default=list, help_text="[{path, sha256, size}] of every file in the ZIP")
    events_head = models.CharField(max_length=64, help_text="hash of the case's last audit event archived")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ArchiveQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.verification_code} 卷宗 {self.instance_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Case archives cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Case archives cannot be deleted.")
