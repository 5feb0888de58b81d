"""Writes of the applicant portal: registering, drafts, uploads, linking uploads to cases, ratings.

`instance_started` and `task_completed` are called by `server.processes.services` inside the
transaction of the start or completion, so a refused reference undoes the whole step.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from server.accounts.models import Membership, Organisation, Role
from server.audit.services import event_record
from server.core.errors import Conflict, InvalidInput
from server.core.identity import id_number_check
from server.portal import filetypes
from server.portal.models import ApplicantProfile, Attachment, Draft, Rating
from server.processes.models import InstanceStatus, ProcessInstance
from server.processes.selectors import instances_visible_to
from server.processes.services.locks import case_locked
from workflows import ProcessPackage

REQUIRED = "必填 / This field is required."

# ---------------------------------------------------------------------------------------------
# Registration

_USERNAME = re.compile(r"^[\w.@+-]+\Z")
_PHONE = re.compile(r"^[0-9+\- ]{7,20}$")


def _password_problems(password: str, user: AbstractBaseUser) -> list[str]:
    """Django's password validators, each message in Chinese and English."""
    messages: dict[str, list[str]] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            try:
                validate_password(password, user)
            except ValidationError as exc:
                messages[language] = exc.messages
            else:
                return []
    return [f"{zh} / {en}" for zh, en in zip(messages["zh-hans"], messages["en"], strict=False)]


def _root_organisation() -> Organisation | None:
    return Organisation.objects.filter(parent=None).order_by("path").first()


@transaction.atomic
def applicant_register(
    *,
    username: str,
    password: str,
    full_name: str,
    phone: str,
    id_number: str = "",
    organisation_id: int | None = None,
) -> AbstractBaseUser:
    """Create an applicant account, an applicant of `organisation` (default: the top of the tree).

    Every problem is reported at once, each under its field, so the form can mark them all.
    """
    errors: dict[str, list[str]] = {}
    username = username.strip()
    full_name = " ".join(full_name.split())
    phone = phone.strip()
    id_number = id_number.strip().upper()
    users = get_user_model().objects
    if not _USERNAME.match(username):
        errors["username"] = ["用户名只能包含字母、数字和 @ . + - _ / Use only letters, digits and @ . + - _"]
    elif users.filter(username__iexact=username).exists():
        errors["username"] = ["该用户名已被注册 / This username is taken."]
    if not full_name:
        errors["full_name"] = [REQUIRED]
    if not _PHONE.match(phone):
        errors["phone"] = ["请填写有效的电话号码 / Enter a valid phone number."]
    if id_number:
        check = id_number_check(id_number)
        if not check.valid:
            errors["id_number"] = [check.message]
    if organisation_id is None:
        organisation = _root_organisation()
        if organisation is None:
            errors["organisation"] = ["尚未设置任何机构 / No organisation has been set up yet."]
    else:
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is None:
            errors["organisation"] = ["无此机构 / No such organisation."]
    user = users.model(username=username, first_name=full_name[:150])
    if problems := _password_problems(password, user):
        errors["password"] = problems
    if errors:
        field = next(iter(errors))
        raise InvalidInput(f"{field}: {errors[field][0]}", errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same name registered a moment ago
        raise InvalidInput(
            "该用户名已被注册 / This username is taken.",
            {"username": ["该用户名已被注册 / This username is taken."]},
        ) from exc
    Membership.objects.create(user=user, organisation=organisation, role=Role.APPLICANT)
    ApplicantProfile.objects.create(user=user, phone=phone, id_number=id_number)
    event_record(action="user.registered", actor=user, organisation=organisation.code)
    return user


# ---------------------------------------------------------------------------------------------
# Drafts


def draft_save(*, user: AbstractBaseUser, process_key: str, data: Any, step: int) -> tuple[Draft, bool]:
    """Keep the form as it stands; returns the draft and whether it is new."""
    if not isinstance(data, dict):
        message = "须为 JSON 对象 / Must be a JSON object."
        raise InvalidInput(message, {"data": [message]})
    limit = settings.LEXFLOW["MAX_DRAFT_BYTES"]
    size = len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > limit:
        kib = limit // 1024
        message = f"草稿过大（上限 {kib} KiB）/ The draft is too large ({kib} KiB at most)."
        raise InvalidInput(message, {"data": [message]})
    draft, created = Draft.objects.update_or_create(
        user=user, process_key=process_key, defaults={"data": data, "step": step}
    )
    return draft, created


def draft_delete(*, user: AbstractBaseUser, process_key: str) -> bool:
    deleted, _ = Draft.objects.filter(user=user, process_key=process_key).delete()
    return bool(deleted)


# ---------------------------------------------------------------------------------------------
# Attachments


def _clean_name(name: str, kind: filetypes.FileKind) -> str:
    """The base name only, without control characters, at most 200 characters, suffix kept."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable()).strip() or f"attachment{kind.suffixes[0]}"
    if len(name) > 200:
        stem, suffix = os.path.splitext(name)
        name = stem[: 200 - len(suffix)] + suffix
    return name


def _file_error(message: str) -> InvalidInput:
    return InvalidInput(message, {"file": [message]})


def attachment_create(
    *, user: AbstractBaseUser, upload: UploadedFile | None, instance: ProcessInstance | None = None
) -> Attachment:
    """Store an uploaded file after checking its size and that its content is what its name says."""
    if upload is None:
        raise _file_error("请选择要上传的文件 / Choose a file to upload.")
    limit = settings.LEXFLOW["MAX_ATTACHMENT_BYTES"]
    if upload.size > limit:
        mib = f"{limit / 1048576:g} MiB"
        raise _file_error(f"文件不能超过 {mib} / A file may be at most {mib}.")
    if upload.size == 0:
        raise _file_error("文件为空 / The file is empty.")
    allowed = "PDF、JPG、PNG、DOC、DOCX / PDF, JPG, PNG, DOC or DOCX"
    named = filetypes.kind_for_suffix(upload.name or "")
    if named is None:
        raise _file_error(f"只能上传 {allowed} 文件 / Only these files can be uploaded: {allowed}.")
    found = filetypes.sniff(upload)
    if found != named:
        raise _file_error(
            f"文件内容不是 {named.label} 文件，与扩展名不符 / "
            f"The file's content is not {named.label}, as its name says."
        )
    if found.zip_based:
        problem = filetypes.zip_problem(
            upload,
            max_bytes=settings.LEXFLOW["MAX_UNZIPPED_BYTES"],
            max_members=settings.LEXFLOW["MAX_ZIP_MEMBERS"],
            max_ratio=settings.LEXFLOW["MAX_ZIP_RATIO"],
        )
        if problem:
            raise _file_error(problem)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        id=uuid.uuid4(),
        uploader=user,
        instance=instance,
        name=_clean_name(upload.name or "", found),
        size=upload.size,
        content_type=found.content_type,
        sha256=digest.hexdigest(),
    )
    attachment.file.save(attachment.pk.hex, upload, save=False)
    try:
        attachment.save(force_insert=True)
    except Exception:
        attachment.file.delete(save=False)  # no row, no file
        raise
    return attachment


def _upload_field(schema: Any) -> bool:
    """A form field of uploads: {"type": "array", "items": {"type": "string", "format": "uuid"}}."""
    if not isinstance(schema, dict) or schema.get("type") != "array":
        return False
    items = schema.get("items")
    return isinstance(items, dict) and items.get("type") == "string" and items.get("format") == "uuid"


def attachment_references(schema: Any, data: Any, path: str = "data") -> Iterator[tuple[str, list[str]]]:
    """(field path, ids) for every upload field of `schema` that `data` fills in, nested objects
    and list items included. Only the schema says what an upload is: a string that merely looks
    like an attachment id elsewhere in the data is not one."""
    if not isinstance(schema, dict):
        return
    if _upload_field(schema):
        if isinstance(data, list):
            yield path, [value for value in data if isinstance(value, str)]
        return
    properties = schema.get("properties")
    if isinstance(properties, dict) and isinstance(data, dict):
        for name, field in properties.items():
            if name in data:
                yield from attachment_references(field, data[name], f"{path}.{name}")
    items = schema.get("items")
    if isinstance(items, dict) and isinstance(data, list):
        for index, item in enumerate(data):
            yield from attachment_references(items, item, f"{path}.{index}")


def attachments_link(
    *, user: AbstractBaseUser, instance: ProcessInstance, schema: Any, data: Any
) -> list[Attachment]:
    """Link the uploads a form references to `instance`. Each must be the caller's own upload and
    belong to no other case; otherwise a 400 names the field and nothing is linked."""
    errors: dict[str, list[str]] = {}
    wanted: dict[uuid.UUID, str] = {}
    for path, values in attachment_references(schema, data):
        for value in values:
            try:
                wanted.setdefault(uuid.UUID(value), path)
            except ValueError:
                errors.setdefault(path, []).append(f"无效的附件编号 / Not an attachment id: {value}")
    if not wanted and not errors:
        return []
    found = {
        attachment.pk: attachment
        for attachment in Attachment.objects.select_for_update().filter(pk__in=list(wanted), uploader=user)
    }
    for pk, path in wanted.items():
        attachment = found.get(pk)
        if attachment is None:
            errors.setdefault(path, []).append(f"未找到您上传的该附件 / No file of yours has the id {pk}.")
        elif attachment.instance_id not in (None, instance.pk):
            errors.setdefault(path, []).append(
                f"附件 {attachment.name} 已属于另一案件 / {attachment.name} belongs to another case."
            )
    if errors:
        field = min(errors)
        raise InvalidInput(f"{field}: {errors[field][0]}", dict(sorted(errors.items())))
    Attachment.objects.filter(pk__in=list(wanted), instance__isnull=True).update(instance=instance)
    return list(found.values())


def attachments_purge_unlinked(*, older_than: timedelta) -> int:
    """Delete uploads that never reached a case: older than `older_than`, on no case and named
    by none of their uploader's drafts (a half-filled application keeps its files however old).
    Returns how many were deleted. Rows being linked right now are locked and skipped."""
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        stale = list(
            Attachment.objects.select_for_update(skip_locked=True)
            .filter(instance__isnull=True, uploaded_at__lt=cutoff)
            .only("id", "uploader_id", "file")
        )
        drafts: dict[int, str] = {}
        for draft in Draft.objects.filter(user_id__in={a.uploader_id for a in stale}):
            drafts[draft.user_id] = drafts.get(draft.user_id, "") + json.dumps(draft.data)
        doomed = [a for a in stale if str(a.pk) not in drafts.get(a.uploader_id, "")]
        Attachment.objects.filter(pk__in=[a.pk for a in doomed], instance__isnull=True).delete()
        names = [a.file.name for a in doomed if a.file]
        storage = Attachment._meta.get_field("file").storage
        # The files go only once the rows are gone for good.
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return len(doomed)


# ---------------------------------------------------------------------------------------------
# Hooks of the processes app


def _form(package: ProcessPackage, form: str | None) -> Any:
    return package.forms.get(form) if form else None


def _check_related_case(*, user: AbstractBaseUser, instance: ProcessInstance, schema: Any, data: Any) -> None:
    """A start form field `related_case` (a complaint about a case, say) must name, by its case
    number, a case the person starting can see: for an applicant, one of their own."""
    if not isinstance(schema, dict) or "related_case" not in (schema.get("properties") or {}):
        return
    value = data.get("related_case") if isinstance(data, dict) else None
    if not value:
        return
    own = instances_visible_to(user).filter(business_key=str(value).strip()).exclude(pk=instance.pk)
    if not own.exists():
        message = f"未找到您的案件 {value} / You have no case numbered {value}."
        raise InvalidInput(message, {"data.related_case": [message]})


def instance_started(
    *, instance: ProcessInstance, user: AbstractBaseUser, package: ProcessPackage, form: str | None, data: Any
) -> None:
    """After a start: check the related case, link the uploads, and drop the person's draft."""
    schema = _form(package, form)
    _check_related_case(user=user, instance=instance, schema=schema, data=data)
    attachments_link(user=user, instance=instance, schema=schema, data=data)
    Draft.objects.filter(user=user, process_key=instance.definition.key).delete()


def task_completed(
    *, instance: ProcessInstance, user: AbstractBaseUser, package: ProcessPackage, form: str | None, data: Any
) -> None:
    """After a completion: link the uploads the task's form references (staff may attach too)."""
    attachments_link(user=user, instance=instance, schema=_form(package, form), data=data)


# ---------------------------------------------------------------------------------------------
# Ratings


@transaction.atomic
def rating_create(*, instance: ProcessInstance, user: AbstractBaseUser, score: int, comment: str) -> Rating:
    """The applicant rates their finished case, once."""
    instance = case_locked(instance.pk)  # the lock order (processes.services.locks); a fresh status
    if instance.status != InstanceStatus.COMPLETED:
        message = "案件办结后才能评价 / You can rate a case once it is completed."
        raise InvalidInput(message, {"instance": [message]})
    if Rating.objects.filter(instance=instance).exists():
        raise Conflict("您已评价过该案件 / You have already rated this case.")
    try:
        with transaction.atomic():
            rating = Rating.objects.create(instance=instance, score=score, comment=comment, by=user)
    except IntegrityError as exc:  # rated a moment ago from another tab
        raise Conflict("您已评价过该案件 / You have already rated this case.") from exc
    event_record(action="instance.rated", actor=user, instance=instance, score=score, comment=comment)
    return rating
