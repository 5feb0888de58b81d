"""Reads of the applicant portal: the services on offer, drafts, who may fetch which upload."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from server.accounts.selectors import user_is_staff_member
from server.portal.models import Attachment, Draft
from server.processes.engine import package_for
from server.processes.models import ProcessDefinition, ProcessInstance
from server.processes.selectors import definition_for_new_cases, definitions_startable, instances_visible_to

# The plain-language guide of a service, deployed and versioned with its process:
# bpmn/<folder>/guide.json = {"zh": {summary, who, bring: [...], time, fee}, "en": {...}}.
GUIDE_FILE = "guide.json"
GUIDE_LANGUAGES = ("zh", "en")
GUIDE_TEXTS = ("summary", "who", "time", "fee")

# ---------------------------------------------------------------------------------------------
# Services: the public processes an applicant may start


def services_offered() -> QuerySet[ProcessDefinition]:
    """The version new cases start on of every process open to applicants."""
    return definitions_startable().filter(is_public=True)


def service_offered(key: str) -> ProcessDefinition | None:
    return services_offered().filter(key=key).first()


def _guide_part(part: Any) -> dict[str, Any] | None:
    if not isinstance(part, dict):
        return None
    shown: dict[str, Any] = {name: str(part.get(name) or "") for name in GUIDE_TEXTS}
    bring = part.get("bring")
    shown["bring"] = [str(item) for item in bring if isinstance(item, str)] if isinstance(bring, list) else []
    return shown


def service_guide(files: dict[str, Any]) -> dict[str, Any] | None:
    """The guide as the web app shows it: each language with every key present; None if none."""
    raw = files.get(GUIDE_FILE)
    if not isinstance(raw, dict):
        return None
    guide = {language: _guide_part(raw.get(language)) for language in GUIDE_LANGUAGES}
    return guide if any(guide.values()) else None


def service_describe(definition: ProcessDefinition) -> dict[str, Any]:
    """What the portal needs to offer a service: its guide and its application form."""
    package = package_for(definition)
    info = package.processes.get(definition.key)
    start_form = info.start_form if info is not None else None
    start_ui_form = info.start_ui_form if info is not None else None
    return {
        "key": definition.key,
        "name": definition.name,
        "version": definition.version,
        "guide": service_guide(package.forms),
        "start_form": package.forms.get(start_form) if start_form else None,
        "start_ui_form": package.forms.get(start_ui_form) if start_ui_form else None,
    }


def service_startable_by(key: str, user: AbstractBaseUser) -> bool:
    """Could `user` start `key`? Anyone a public process; staff any deployed process."""
    latest = definition_for_new_cases(key)
    return latest is not None and (latest.is_public or user_is_staff_member(user))


# ---------------------------------------------------------------------------------------------
# Drafts


def drafts_of(user: AbstractBaseUser) -> QuerySet[Draft]:
    return Draft.objects.filter(user=user)


def draft_of(user: AbstractBaseUser, process_key: str) -> Draft | None:
    return Draft.objects.filter(user=user, process_key=process_key).first()


# ---------------------------------------------------------------------------------------------
# Attachments


def _sees_case_files(user: AbstractBaseUser, instance_id: int) -> bool:
    """Staff who can see the case see every file on it; others only what they uploaded."""
    return user_is_staff_member(user) and instances_visible_to(user).filter(pk=instance_id).exists()


def attachment_for(user: AbstractBaseUser, attachment_id: uuid.UUID) -> Attachment | None:
    """The upload, if `user` may fetch it: their own, or one on a case they see as staff."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        return None
    if attachment.uploader_id == user.pk:
        return attachment
    if attachment.instance_id is not None and _sees_case_files(user, attachment.instance_id):
        return attachment
    return None


def attachments_uploaded_by(user: AbstractBaseUser) -> QuerySet[Attachment]:
    return Attachment.objects.filter(uploader=user).select_related("uploader").order_by("-uploaded_at", "id")


def attachments_of_case(user: AbstractBaseUser, instance: ProcessInstance) -> QuerySet[Attachment]:
    """The files on a case `user` can see (checked by the caller), as `user` may fetch them."""
    files = Attachment.objects.filter(instance=instance).select_related("uploader")
    if not _sees_case_files(user, instance.pk):
        files = files.filter(uploader=user)
    return files


def instance_visible(user: AbstractBaseUser, pk: int) -> ProcessInstance | None:
    return (
        instances_visible_to(user)
        .filter(pk=pk)
        .select_related("definition")
        .defer("state", "data", "definition__files")
        .first()
    )
