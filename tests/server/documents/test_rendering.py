"""PDFs are rendered outside the completing transaction, by the first download or a background job,
once; a failed render loses nothing; an issued document never changes."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from server.audit.models import AppendOnlyError
from server.documents import services
from server.documents.models import Document
from server.jobs.models import Job
from server.processes.models import Timer
from tests.server.complaints.conftest import complain
from tests.server.documents.conftest import documents_of


def test_the_jobs_worker_renders_documents_waiting_for_their_pdf(ineligible_complaint, run_worker_once):
    [document] = documents_of(ineligible_complaint["id"])
    assert document.pdf is None  # the completing request issued it without rendering
    [job] = Job.objects.filter(key=f"documents.render:{document.pk}")  # queued by the same transaction
    assert job.state == "queued"

    assert f"job documents.render:{document.pk}: done" in run_worker_once("jobs")
    stored = Document.objects.get(pk=document.pk)
    assert bytes(stored.pdf).startswith(b"%PDF-")
    assert stored.sha256 == hashlib.sha256(bytes(stored.pdf)).hexdigest()
    assert stored.rendered_at is not None and stored.render_failures == 0
    assert "job" not in run_worker_once("jobs")  # nothing left to do
    assert Job.objects.get(pk=job.pk).state == "done"


def test_a_failed_render_is_logged_and_retried_later_while_the_timers_fire_apart(
    client_for, ineligible_complaint, clock, run_worker_once, monkeypatch, caplog
):
    [document] = documents_of(ineligible_complaint["id"])
    waiting = complain(client_for("applicant"))  # waits for its eligibility check, with timers
    warning = Timer.objects.get(instance_id=waiting["id"], bpmn_id="eligibility_deadline_near")

    def broken(document):
        raise RuntimeError("font cache unreadable")

    working = services._render_pdf
    monkeypatch.setattr(services, "_render_pdf", broken)
    clock.move_to(warning.due_at + timedelta(seconds=1))
    with caplog.at_level(logging.ERROR, logger="lexflow.documents"):
        assert f"job documents.render:{document.pk}: retry" in run_worker_once("jobs")
    assert "fired timer eligibility_deadline_near" in run_worker_once("timers")
    assert Timer.objects.get(pk=warning.pk).status == "fired"
    assert "rendering document" in caplog.text and "font cache unreadable" in caplog.text
    failed = Document.objects.get(pk=document.pk)
    assert failed.pdf is None and failed.render_failures == 1
    assert "font cache unreadable" in failed.render_error
    assert failed.data == document.data  # nothing lost
    job = Job.objects.get(key=f"documents.render:{document.pk}")
    assert job.state == "queued" and job.attempts == 1 and "font cache unreadable" in job.last_error

    # A download meanwhile: 503 with Retry-After, not a 500.
    response = client_for("applicant").get(f"/api/v1/documents/{document.pk}/pdf")
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "30"
    assert "文书正在生成" in response.json()["detail"]
    assert Document.objects.get(pk=document.pk).render_failures == 2

    # The job backs off instead of retrying every second...
    assert "job" not in run_worker_once("jobs")
    # ...and renders it once the fault is gone and the back-off has passed.
    monkeypatch.setattr(services, "_render_pdf", working)
    clock.shift(minutes=2)
    assert f"job documents.render:{document.pk}: done" in run_worker_once("jobs")
    rendered = Document.objects.get(pk=document.pk)
    assert rendered.rendered_at is not None and rendered.render_error == ""


def test_a_failing_jobs_sweep_is_logged_and_never_touches_the_timers(
    client_for, complaint_process, clock, run_worker_once, monkeypatch, caplog
):
    from server.processes.management.commands import run_worker

    waiting = complain(client_for("applicant"))
    warning = Timer.objects.get(instance_id=waiting["id"], bpmn_id="eligibility_deadline_near")

    def broken(**kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(run_worker, "job_claim", broken)
    clock.move_to(warning.due_at + timedelta(seconds=1))
    with caplog.at_level(logging.ERROR, logger="lexflow.worker"):
        run_worker_once("jobs")
    assert "jobs sweep failed" in caplog.text
    assert Timer.objects.get(pk=warning.pk).status == "waiting"  # not the jobs worker's work
    run_worker_once("timers")
    assert Timer.objects.get(pk=warning.pk).status == "fired"


def test_notices_without_a_render_job_get_one_and_only_one(ineligible_complaint):
    [document] = documents_of(ineligible_complaint["id"])
    Job.objects.filter(key=f"documents.render:{document.pk}").delete()  # issued before jobs existed
    assert services.documents_queue_unqueued() == 1
    assert services.documents_queue_unqueued() == 0
    assert Job.objects.filter(key=f"documents.render:{document.pk}", state="queued").count() == 1


def test_an_issued_document_cannot_be_edited_or_deleted(client_for, ineligible_complaint):
    [document] = documents_of(ineligible_complaint["id"])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        # Even before rendering, what the notice says is fixed.
        cursor.execute("UPDATE documents_document SET title = 'forged' WHERE id = %s", [document.pk])
    pdf = client_for("applicant").get(f"/api/v1/documents/{document.pk}/pdf").content
    document = Document.objects.get(pk=document.pk)

    document.title = "改过的 / Rewritten"
    with pytest.raises(AppendOnlyError):
        document.save()
    with pytest.raises(AppendOnlyError):
        document.delete()
    with pytest.raises(AppendOnlyError):
        Document.objects.filter(pk=document.pk).update(title="x")
    with pytest.raises(AppendOnlyError):
        Document.objects.filter(pk=document.pk).delete()
    # Rendering again never replaces the stored PDF (its sha256 is what people verify).
    now = document.rendered_at + timedelta(days=1)
    assert (
        Document.objects.record_rendering(document.pk, pdf=b"%PDF-forged", sha256="0" * 64, rendered_at=now)
        is False
    )
    Document.objects.record_failure(document.pk, error="late failure", failed_at=now)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE documents_document SET pdf = NULL WHERE id = %s", [document.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE documents_document SET render_error = 'x' WHERE id = %s", [document.pk])
    refused = ["DELETE FROM documents_document WHERE id = %s", "DELETE FROM documents_document"]
    if connection.vendor == "postgresql":
        refused.append("TRUNCATE documents_document CASCADE")
    for statement in refused:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [document.pk] if "%s" in statement else [])

    stored = Document.objects.get(pk=document.pk)
    assert stored.title == "不予受理告知书 / Notice that the complaint is not accepted"
    assert bytes(stored.pdf) == pdf and stored.sha256 == hashlib.sha256(pdf).hexdigest()
    assert stored.render_failures == 0 and stored.render_error == ""
