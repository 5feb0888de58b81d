"""The archive (卷宗归档) of a closed case: one PDF and the case's files in one ZIP, built once.

When a case closes (completed, withdrawn — which completes it — or cancelled) the document
worker builds its archive, one at a time, beside rendering notices (`archives_build_pending`);
a download before that builds it at once (`archive_for`). What goes in:

- `卷宗.pdf`: a cover sheet (case number, process, organisation, applicant, dates, the
  archive's verification code and QR code); every form as filled in, with who and when; every
  official notice, as issued; the attachments with their sha256; the history with each
  step's opinion; the case's audit events with their chain hashes.
- `notices/`: the stored PDF of each notice (their sha256 match the public verify endpoint);
- `attachments/`: the files uploaded for the case;
- `SHA256SUMS`: `sha256sum -c` checks every file above.

The row is inserted whole and never changes; its verification code works with
`GET /api/v1/documents/verify/{code}` like a notice's. Building holds no transaction until
that insert, so stopping the worker mid-build loses nothing.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from server.audit.models import Event
from server.audit.services import event_record
from server.documents.models import Archive, Document
from server.documents.services import (
    _context,
    _notice,
    _unused_code,
    document_render,
    verify_path,
    verify_qr,
    verify_url,
)
from server.processes.models import InstanceStatus, ProcessInstance

logger = logging.getLogger("lexflow.documents")

CLOSED_STATUSES = (InstanceStatus.COMPLETED, InstanceStatus.WITHDRAWN, InstanceStatus.CANCELLED)
ARCHIVE_TITLE = "案件卷宗 / Case archive"
# Submitted fields that carry someone's opinion on the case, shown in the history.
OPINION_FIELD = re.compile(r"opinion|comment|reason|note|instruction|finding|conclusion|意见", re.IGNORECASE)


class ArchiveUnavailable(Exception):
    """The archive could not be built just now; nothing was stored. Try again later."""


def closed_cases_without_archive() -> Any:
    return ProcessInstance.objects.filter(status__in=CLOSED_STATUSES, archive__isnull=True)


@dataclass
class _File:
    path: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", name).strip(". ") or "file"
    return cleaned[:120]


def _actor(user: Any) -> str:
    if user is None:
        return "系统 / System"
    return f"{user.get_full_name() or user.username} ({user.username})"


def _fields(data: Any) -> list[tuple[str, str]]:
    """A form's data as (field, value) rows, nested values flattened with dots."""
    rows: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key in sorted(value):
                walk(f"{prefix}.{key}" if prefix else str(key), value[key])
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            for index, item in enumerate(value, start=1):
                walk(f"{prefix}[{index}]", item)
        else:
            text = (
                "、".join(map(str, value))
                if isinstance(value, list)
                else ("—" if value in (None, "") else str(value))
            )
            rows.append((prefix, text))

    walk("", data if isinstance(data, dict) else {})
    return rows


def _forms(instance: ProcessInstance, events: list[Event]) -> list[dict[str, Any]]:
    task_names = dict(instance.tasks.values_list("pk", "name"))
    forms = []
    for event in events:
        if event.action == "instance.started":
            data = {key: value for key, value in (event.data_after or {}).items() if key != "case"}
            forms.append(
                {
                    "title": "申请 / Application",
                    "who": _actor(event.actor),
                    "at": event.created_at,
                    "fields": _fields(data),
                }
            )
        elif event.action == "task.completed":
            forms.append(
                {
                    "title": task_names.get(event.task_id, "任务 / Task"),
                    "who": _actor(event.actor),
                    "at": event.created_at,
                    "fields": _fields(event.detail.get("submitted")),
                }
            )
    return forms


def _history(instance: ProcessInstance, events: list[Event]) -> list[dict[str, Any]]:
    task_names = dict(instance.tasks.values_list("pk", "name"))
    rows = []
    for event in events:
        if event.action not in ("instance.started", "task.completed", "instance.timer", "instance.completed"):
            continue
        submitted = event.detail.get("submitted") if event.action == "task.completed" else None
        opinions = [
            f"{key}: {value}"
            for key, value in _fields(submitted)
            if OPINION_FIELD.search(key) and value != "—"
        ]
        step = {
            "instance.started": "受理申请 / Case opened",
            "instance.timer": "期限到达 / Deadline reached: " + ", ".join(event.detail.get("bpmn_ids", [])),
            "instance.completed": "办结 / Case closed",
        }.get(event.action) or task_names.get(event.task_id, event.action)
        rows.append({"at": event.created_at, "step": step, "who": _actor(event.actor), "opinions": opinions})
    return rows


def _archive_html(instance: ProcessInstance, code: str, built_at: datetime, parts: dict[str, Any]) -> str:
    applicant = instance.applicant
    return render_to_string(
        "archives/case.html",
        {
            "instance": instance,
            "case_number": instance.business_key,
            "process_name": instance.definition.name,
            "organisation": instance.organisation,
            "applicant": _actor(applicant) if applicant else "—",
            "status": instance.get_status_display(),
            "opened_at": timezone.localtime(instance.created_at),
            "closed_at": timezone.localtime(instance.completed_at) if instance.completed_at else None,
            "built_at": timezone.localtime(built_at),
            "verification_code": code,
            "verify_path": verify_path(code),
            "verify_url": verify_url(code),
            "verify_qr": verify_qr(code),
            "title": ARCHIVE_TITLE,
            **parts,
        },
    )


def _render_archive_pdf(html: str, notices: Iterable[Document], sections_after: str) -> bytes:
    """The archive's own pages, then every notice's pages as issued, then the rest: one PDF."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    front = HTML(string=html, url_fetcher=fetcher).render()
    pages = list(front.pages)
    for document in notices:
        notice_html = render_to_string(_notice(document).template_name, _context(document))
        pages += HTML(string=notice_html, url_fetcher=fetcher).render().pages
    pages += HTML(string=sections_after, url_fetcher=fetcher).render().pages
    return front.copy(pages).write_pdf()


def archive_contents(instance: ProcessInstance, code: str, built_at: datetime) -> tuple[list[_File], str]:
    """Every file of the archive (PDF first) and the hash of the case's last event archived."""
    from server.portal.models import Attachment

    events = list(Event.objects.filter(instance=instance).select_related("actor").order_by("seq"))
    notices = list(
        Document.objects.filter(instance=instance).select_related(
            "instance__organisation", "instance__definition"
        )
    )
    notice_files = []
    for document in notices:
        pdf = document_render(document)  # stored once; rendered now if the worker has not yet
        notice_files.append(
            _File(
                f"notices/{document.verification_code}-{_safe_name(document.title.split(' / ')[0])}.pdf", pdf
            )
        )
    attachments = list(Attachment.objects.filter(instance=instance).select_related("uploader"))
    attachment_files = []
    for index, attachment in enumerate(attachments, start=1):
        with attachment.file.open("rb") as handle:
            content = handle.read()
        attachment_files.append(_File(f"attachments/{index:02d}-{_safe_name(attachment.name)}", content))
    parts = {
        "forms": _forms(instance, events),
        "notices": [
            {
                "title": d.title,
                "code": d.verification_code,
                "sha256": d.sha256,
                "issued_at": timezone.localtime(d.created_at),
            }
            for d in notices
        ],
        "attachments": [
            {
                "name": a.name,
                "size": a.size,
                "type": a.content_type,
                "sha256": a.sha256,
                "by": _actor(a.uploader),
                "at": timezone.localtime(a.uploaded_at),
                "path": f.path,
            }
            for a, f in zip(attachments, attachment_files, strict=True)
        ],
        "history": _history(instance, events),
        "events": [
            {
                "seq": e.seq,
                "id": e.id,
                "at": timezone.localtime(e.created_at),
                "action": e.action,
                "who": _actor(e.actor),
                "hash": e.hash,
                "prev_hash": e.prev_hash,
            }
            for e in events
        ],
    }
    html = _archive_html(instance, code, built_at, {**parts, "section": "front"})
    after = _archive_html(instance, code, built_at, {**parts, "section": "after"})
    pdf = _render_archive_pdf(html, notices, after)
    files = [_File("卷宗.pdf", pdf), *notice_files, *attachment_files]
    return files, events[-1].hash if events else ""


def _zip(files: list[_File], built_at: datetime) -> bytes:
    stamp = timezone.localtime(built_at).timetuple()[:6]
    sums = "".join(f"{file.sha256}  {file.path}\n" for file in files).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in [*files, _File("SHA256SUMS", sums)]:
            info = zipfile.ZipInfo(file.path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.flag_bits |= 0x800  # UTF-8 names
            archive.writestr(info, file.content)
    return buffer.getvalue()


def archive_build(instance: ProcessInstance) -> Archive:
    """Build and store the archive of a closed case; the stored one if someone else was first.

    Raises ArchiveUnavailable when it cannot be built now (a notice or file could not be read).
    """
    if instance.status not in CLOSED_STATUSES:
        raise ValueError(f"case {instance.pk} is not closed")
    code, built_at = _unused_archive_code(), timezone.now()
    try:
        files, events_head = archive_contents(instance, code, built_at)
    except Exception as exc:
        logger.exception("building the archive of case %s failed", instance.pk)
        raise ArchiveUnavailable(str(exc)) from exc
    content = _zip(files, built_at)
    archive = Archive(
        instance=instance,
        verification_code=code,
        zip=content,
        sha256=hashlib.sha256(content).hexdigest(),
        pdf_sha256=files[0].sha256,
        size=len(content),
        manifest=[{"path": file.path, "sha256": file.sha256, "size": len(file.content)} for file in files],
        events_head=events_head,
        created_at=built_at,
    )
    try:
        with transaction.atomic():
            archive.save()
            event_record(
                action="archive.built",
                instance=instance,
                verification_code=code,
                sha256=archive.sha256,
                files=len(files),
                events_head=events_head,
            )
    except IntegrityError:  # another worker or a download stored it first: that one stands
        return Archive.objects.get(instance=instance)
    return archive


def _unused_archive_code() -> str:
    for _ in range(5):
        code = _unused_code()
        if not Archive.objects.filter(verification_code=code).exists():
            return code
    raise RuntimeError("could not find an unused verification code")  # pragma: no cover


def archive_for(instance: ProcessInstance) -> Archive:
    """The stored archive of a closed case, built now if the worker has not reached it yet."""
    stored = Archive.objects.filter(instance=instance).first()
    return stored if stored is not None else archive_build(instance)


@dataclass
class ArchivesBuilt:
    built: list[int]
    failed: list[int]


def archives_build_pending(*, limit: int = 1, skip: Iterable[int] = ()) -> ArchivesBuilt:
    """Build the archives of up to `limit` closed cases without one whose notices are all
    rendered, oldest closed first. The cases whose archive failed are returned for the
    caller's back-off (and logged)."""
    built, failed = [], []
    pending = (
        closed_cases_without_archive()
        .exclude(pk__in=list(skip))
        # A notice not rendered yet is the notice sweep's, with its back-off: build after it.
        .exclude(pk__in=Document.objects.filter(rendered_at__isnull=True).values("instance_id"))
        .select_related("definition", "organisation", "applicant")
        .order_by("completed_at", "id")[:limit]
    )
    for instance in pending:
        try:
            archive_build(instance)
        except ArchiveUnavailable:
            failed.append(instance.pk)
        else:
            built.append(instance.pk)
    return ArchivesBuilt(built, failed)


# The plan: every closed case archived.
ARCHIVE_RATE_TARGET = 100.0


def archive_rates(*, organisation_path: str, start: datetime, end: datetime) -> dict[str, Any]:
    """Closed cases with an archive / closed cases, per process and organisation, for cases closed
    in [start, end) in the organisation and below; with the total and the plan's 100% target."""
    from django.db.models import Count

    closed = ProcessInstance.objects.filter(
        status__in=CLOSED_STATUSES,
        completed_at__gte=start,
        completed_at__lt=end,
        org_path__startswith=organisation_path,
    )
    grouped = (
        closed.values(
            "definition__key",
            "definition__name",
            "organisation_id",
            "organisation__code",
            "organisation__name",
        )
        .annotate(closed=Count("id"), archived=Count("archive"))
        .order_by("definition__key", "organisation__code")
    )
    rows, processes = [], {}
    for row in grouped:
        key = row["definition__key"]
        # Versions of one process may carry different names: the newest of those counted wins.
        entry = processes.setdefault(
            (key, row["organisation_id"]),
            {
                "process": key,
                "process_name": row["definition__name"],
                "organisation": {
                    "id": row["organisation_id"],
                    "code": row["organisation__code"],
                    "name": row["organisation__name"],
                },
                "closed": 0,
                "archived": 0,
            },
        )
        entry["closed"] += row["closed"]
        entry["archived"] += row["archived"]
    for entry in processes.values():
        rows.append({**entry, **_rate(entry["archived"], entry["closed"])})
    total_closed = sum(entry["closed"] for entry in rows)
    total_archived = sum(entry["archived"] for entry in rows)
    return {
        "target": ARCHIVE_RATE_TARGET,
        "rows": rows,
        "total": {"closed": total_closed, "archived": total_archived, **_rate(total_archived, total_closed)},
    }


def _rate(archived: int, closed: int) -> dict[str, Any]:
    rate = round(100.0 * archived / closed, 1) if closed else None
    return {"rate": rate, "meets_target": None if rate is None else rate >= ARCHIVE_RATE_TARGET}
