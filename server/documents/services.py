"""Official notices (PDF) issued when a process passes a node with a `document` property.

Issuing and rendering are two steps on purpose:

1. `documents_create` runs inside the transaction that completes the task (or fires the
   timer): it records one `Document` row per notice with the case data as it stood at the
   node and a verification code, plus a `document.issued` audit event. No PDF yet: a render
   takes about a quarter of a second and must not hold the instance lock or slow the
   person completing the task.
   The same transaction queues a background job to render it (`documents.render`).
2. `document_render` makes the PDF from the row's own data, outside any transaction: on
   the first download, or in that job. The first render to finish is stored with its
   sha256; the row never changes after that.

A rendering failure loses nothing: the row and its data stay, the failure is logged and
noted on the row, a download answers 503 (try again) and the job retries with back-off.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from server.audit.services import event_build, events_save
from server.core.errors import WorkflowFailed
from server.documents.catalogue import NOTICES, Notice, notice_for
from server.documents.models import Document
from server.jobs.models import Job
from server.jobs.services import job_enqueue, job_handler
from workflows import DeployError, DocumentDue, ProcessPackage

logger = logging.getLogger("lexflow.documents")

# Base32 without the look-alikes 0/O and 1/I: a code read out on the phone or typed from
# paper is not mistaken. 10 characters = 50 bits, printed as LXF-ABCD-EFGH-JK.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
CODE_PREFIX = "LXF"


class UnknownNotice(WorkflowFailed):
    """A node asks for a notice the catalogue does not know (422: nothing is saved)."""


class DocumentUnavailable(Exception):
    """The PDF could not be rendered just now; the document itself is safe. Try again later."""


# ---------------------------------------------------------------------------------------------
# Verification codes


def verification_code_new() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{CODE_PREFIX}-{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def verification_code_normalise(text: str) -> str | None:
    """The canonical form of a code as someone typed it (any case, spaces or dashes, with or
    without the prefix), or None when it cannot be one of ours."""
    raw = re.sub(r"[^0-9A-Za-z]", "", text or "").upper()
    if raw.startswith(CODE_PREFIX) and len(raw) == len(CODE_PREFIX) + CODE_LENGTH:
        raw = raw[len(CODE_PREFIX) :]
    if len(raw) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in raw):
        return None
    return f"{CODE_PREFIX}-{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _unused_code() -> str:
    # 50 bits make a clash all but impossible; looking first keeps the issuing transaction
    # from failing on the unique index if one ever happens.
    for _ in range(5):
        code = verification_code_new()
        if not Document.objects.filter(verification_code=code).exists():
            return code
    raise RuntimeError("could not find an unused verification code")  # pragma: no cover


def verify_path(code: str) -> str:
    return reverse("document-verify", kwargs={"code": code})


def verify_url(code: str) -> str:
    """The full address printed on a notice (text and QR code) for checking it."""
    return settings.LEXFLOW["PUBLIC_URL"] + verify_path(code)


def verify_qr(code: str) -> str:
    """The verification address as an SVG QR code (a data URI for the template)."""
    return segno.make(verify_url(code), error="m").svg_data_uri(scale=3, border=0)


# ---------------------------------------------------------------------------------------------
# Which notices a diagram may ask for


def _unknown_notice_message(template: str) -> str:
    return (
        f"未知的文书模板 {template!r}（可用：{', '.join(sorted(NOTICES))}）/ "
        f"unknown document template {template!r} (known: {', '.join(sorted(NOTICES))})"
    )


def unknown_notices(package: ProcessPackage, process_key: str) -> list[tuple[str, str]]:
    """(bpmn_id, template) of every node of `process_key` whose `document` names no notice."""
    info = package.processes.get(process_key)
    if info is None:
        return []
    return sorted(
        (bpmn_id, note.document)
        for bpmn_id, note in info.annotations.items()
        if note.document and notice_for(note.document) is None
    )


def deploy_errors(package: ProcessPackage, process_key: str) -> list[DeployError]:
    """Deploy errors for nodes naming unknown notices, located in their file and line."""
    texts = {name: content.decode("utf-8", "replace") for name, content in package.files.items()}
    errors = []
    for bpmn_id, template in unknown_notices(package, process_key):
        file, line, tag = _locate(texts, bpmn_id)
        errors.append(DeployError(file, line, bpmn_id, tag, _unknown_notice_message(template)))
    return errors


def _locate(texts: Mapping[str, str], element_id: str) -> tuple[str, int | None, str | None]:
    pattern = re.compile(r"<(?:[\w.-]+:)?([\w.-]+)\b[^>]*\bid=\"" + re.escape(element_id) + '"')
    for name, text in sorted(texts.items()):
        if not name.endswith(".bpmn"):
            continue
        found = pattern.search(text)
        if found:
            return name, text.count("\n", 0, found.start()) + 1, found.group(1)
    return next((name for name in sorted(texts) if name.endswith(".bpmn")), ""), None, None


# ---------------------------------------------------------------------------------------------
# Issuing (inside the completing transaction)


def documents_create(
    *, instance: Any, due: Sequence[DocumentDue], actor: AbstractBaseUser | None = None
) -> list[Document]:
    """Record the notices `due` asks for, inside the caller's transaction (rendering comes later).

    An unknown template should have been refused at deploy; a diagram deployed before a
    notice was removed from the catalogue fails here, naming the node, and nothing is saved.
    """
    issued_by = actor if actor is not None and actor.is_authenticated else None
    documents = []
    for item in due:
        notice = notice_for(item.template)
        if notice is None:
            message = f"{item.bpmn_id}: {_unknown_notice_message(item.template)}"
            raise UnknownNotice(message, errors={item.bpmn_id: [message]})
        documents.append(
            Document.objects.create(
                instance=instance,
                template=notice.key,
                title=notice.full_title,
                bpmn_id=item.bpmn_id,
                verification_code=_unused_code(),
                data=item.data,
                issued_by=issued_by,
            )
        )
    for document in documents:
        _queue_render(document)
    events_save(
        [
            event_build(
                action="document.issued",
                actor=actor,
                instance=instance,
                bpmn_id=document.bpmn_id,
                document=document.pk,
                template=document.template,
                title=document.title,
                verification_code=document.verification_code,
            )
            for document in documents
        ]
    )
    return documents


# ---------------------------------------------------------------------------------------------
# Rendering (outside any transaction)


def document_render(document: Document) -> bytes:
    """The PDF of `document`: the stored one, else rendered now and stored.

    Raises DocumentUnavailable when rendering fails (logged, noted on the row for the
    worker's back-off); the document and its data are untouched.
    """
    if document.pdf is not None:
        return bytes(document.pdf)
    try:
        pdf = _render_pdf(document)
    except Exception as exc:
        logger.exception("rendering document %s (%s) failed", document.pk, document.template)
        try:
            Document.objects.record_failure(
                document.pk, error=f"{type(exc).__name__}: {exc}", failed_at=timezone.now()
            )
        except DatabaseError:  # the note is for back-off only; the caller still gets a 503
            logger.exception("could not note the failed render of document %s", document.pk)
        raise DocumentUnavailable(str(exc)) from exc
    digest = hashlib.sha256(pdf).hexdigest()
    now = timezone.now()
    if not Document.objects.record_rendering(document.pk, pdf=pdf, sha256=digest, rendered_at=now):
        # Someone else (the worker, another download) stored theirs first: that one stands.
        stored = Document.objects.only("pdf", "sha256", "rendered_at").get(pk=document.pk)
        pdf, digest, now = bytes(stored.pdf), stored.sha256, stored.rendered_at
    document.pdf, document.sha256, document.rendered_at = pdf, digest, now
    return pdf


RENDER_JOB = "documents.render"


# Back-off after failed renders: 1, 2, 4 … minutes, then hourly, for about two days.
@job_handler(RENDER_JOB, max_attempts=48, backoff_seconds=60, interruptible=True)
def document_render_job(*, document_id: int) -> None:
    """The background render of one notice; a failure raises, so the job backs off and retries."""
    document = Document.objects.select_related("instance__organisation", "instance__definition").get(
        pk=document_id
    )
    document_render(document)


def _queue_render(document: Document) -> None:
    job_enqueue(RENDER_JOB, key=f"{RENDER_JOB}:{document.pk}", document_id=document.pk)


def documents_queue_unqueued(*, batch: int = 1000) -> int:
    """Give a render job to every notice still without its PDF that has none (notices issued
    before jobs existed, say); how many were queued. Safe to run any time: one job per notice."""
    queued = 0
    pending = Document.objects.filter(pdf__isnull=True).order_by("id").values_list("pk", flat=True)
    last = 0
    while ids := list(pending.filter(pk__gt=last)[:batch]):
        last = ids[-1]
        keys = {f"{RENDER_JOB}:{pk}": pk for pk in ids}
        known = set(Job.objects.filter(key__in=keys).values_list("key", flat=True))
        for key, pk in keys.items():
            if key not in known:
                job_enqueue(RENDER_JOB, key=key, document_id=pk)
                queued += 1
    return queued


def _render_pdf(document: Document) -> bytes:
    # Imported on first use: it takes ~0.4 s and only processes that render need it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(_notice(document).template_name, _context(document))
    # Notices are self-contained: WeasyPrint may not open files or URLs named in case data.
    no_fetching = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    return HTML(string=html, url_fetcher=no_fetching).write_pdf()


def _notice(document: Document) -> Notice:
    notice = notice_for(document.template)
    if notice is None:
        raise LookupError(_unknown_notice_message(document.template))
    return notice


def _context(document: Document) -> dict[str, Any]:
    from server.processes.engine import package_for

    instance = document.instance
    organisation = instance.organisation
    created = timezone.localtime(document.created_at)
    return {
        "document": document,
        "notice": _notice(document),
        "data": document.data if isinstance(document.data, dict) else {},
        "labels": choice_labels(package_for(instance.definition)),
        "organisation": organisation.name,
        "organisation_en": organisation.name_en,
        "case_number": instance.business_key,
        "issued_at": created,
        "verification_code": document.verification_code,
        "verify_path": verify_path(document.verification_code),
        "verify_url": verify_url(document.verification_code),
        "verify_qr": verify_qr(document.verification_code),
    }


# ---------------------------------------------------------------------------------------------
# What the codes in case data mean, as the forms word them


_LABELS: dict[str, dict[str, dict[str, str]]] = {}


def choice_labels(package: ProcessPackage) -> dict[str, dict[str, str]]:
    """{field name: {code: "中文 / English"}} from every `oneOf` of const/title in the package's
    forms, so a notice prints "身份证明 / Proof of identity" where the data says `id_document`
    and stays in step with the forms. Computed once per package version."""
    labels = _LABELS.get(package.digest)
    if labels is None:
        labels = {}
        for name, schema in sorted(package.forms.items()):
            if name.endswith(".schema.json"):
                _collect_labels(schema, None, labels)
        if len(_LABELS) > 256:  # old package versions: forget them rather than grow forever
            _LABELS.clear()
        _LABELS[package.digest] = labels
    return labels


def _collect_labels(node: Any, field: str | None, labels: dict[str, dict[str, str]]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect_labels(item, field, labels)
        return
    if not isinstance(node, dict):
        return
    options = node.get("oneOf")
    if field and isinstance(options, list):
        for option in options:
            if isinstance(option, dict) and "const" in option and isinstance(option.get("title"), str):
                labels.setdefault(field, {}).setdefault(str(option["const"]), option["title"])
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            for name, sub in value.items():
                _collect_labels(sub, name, labels)
        elif key in ("items", "then", "else", "if", "allOf", "anyOf"):
            _collect_labels(value, field if key == "items" else None, labels)
