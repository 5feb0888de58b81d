"""What the applicant portal keeps beside the cases: profiles, drafts, uploaded files, ratings."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from server.processes.models import ProcessInstance


class ApplicantProfile(models.Model):
    """What a person gives when they register: how to reach them and, if they wish, their ID number."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applicant_profile"
    )
    phone = models.CharField(max_length=20)
    id_number = models.CharField(max_length=18, blank=True, help_text="GB 11643 resident ID number")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} {self.phone}"


class Draft(models.Model):
    """An application form half filled in: one per person per process, gone once they start it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    process_key = models.CharField(max_length=128)
    data = models.JSONField(default=dict)
    step = models.PositiveIntegerField(default=0, help_text="the page of the form the person was on")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "process_key"], name="draft_unique_user_process"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.process_key}"


def attachment_path(attachment: Attachment, filename: str) -> str:  # noqa: ARG001 - Django's signature
    """Stored under its id, never under the name the uploader gave: no path tricks, no clashes."""
    return f"attachments/{timezone.localdate():%Y/%m}/{attachment.pk.hex}"


class Attachment(models.Model):
    """A file someone uploaded for a form. It belongs to no case until a start or a task completion
    that references it links it to that case; after that it stays with the case."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    uploader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    instance = models.ForeignKey(
        ProcessInstance, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    name = models.CharField(max_length=255, help_text="the file name as uploaded")
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, help_text="from the file's content, not the client")
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=attachment_path, max_length=255)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["uploader", "-uploaded_at"], name="attachment_uploader_idx")]

    def __str__(self) -> str:
        return self.name


class Rating(models.Model):
    """The applicant's rating of a finished case: once, from 1 to 5."""

    instance = models.OneToOneField(ProcessInstance, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=2000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.instance} {self.score}/5"
