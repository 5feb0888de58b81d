"""The archive (卷宗) of a closed case: one ZIP with the archive PDF, the notices, the attachments and
their sha256 sums, built by the document worker, stored for good, downloadable by staff in scope."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.db import DatabaseError, connection, transaction

from server.audit.models import Event
from server.documents.models import Archive
from tests.server.complaints.conftest import complain
from tests.server.conftest import do_task
from tests.server.documents.conftest import INELIGIBLE, pdf_text, squeeze
from tests.server.portal.conftest import uploaded


@pytest.fixture
def closed_complaint(client_for, complaint_process, clock):
    """A complaint with one piece of evidence, refused as not about legal services, rated: closed."""
    applicant = client_for("applicant")
    evidence = uploaded(applicant, "收据.pdf")
    case = complain(applicant, target_type="other", target_name="某物业公司", evidence=[evidence])
    case = do_task(client_for("caseworker"), case["id"], "check_eligibility", INELIGIBLE)
    while case["status"] != "completed":
        task = case["tasks"][0]
        case = do_task(applicant, case["id"], task["bpmn_id"], {"satisfaction": "satisfied"})
    return case


def archive_zip(client, case_id: int) -> zipfile.ZipFile:
    response = client.get(f"/api/v1/instances/{case_id}/archive")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_document_worker_builds_a_closed_case_s_archive_with_everything_in_it(
    client_for, closed_complaint, run_worker_once
):
    case_id = closed_complaint["id"]
    assert not Archive.objects.exists()
    output = run_worker_once("jobs")
    assert f"built the archive of case {case_id}" in output
    archive = Archive.objects.get(instance_id=case_id)

    files = archive_zip(client_for("caseworker"), case_id)
    names = files.namelist()
    assert names[0] == "卷宗.pdf" and names[-1] == "SHA256SUMS"
    assert [name for name in names if name.startswith("notices/")] and "attachments/01-收据.pdf" in names
    sums = dict(line.split("  ")[::-1] for line in files.read("SHA256SUMS").decode().splitlines())
    assert set(sums) == set(names) - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert hashlib.sha256(files.read(name)).hexdigest() == digest, name
    assert sums["卷宗.pdf"] == archive.pdf_sha256

    text = pdf_text(files.read("卷宗.pdf"))
    for expected in (
        "案件卷宗",
        closed_complaint["business_key"],
        archive.verification_code,
        "一、表单",
        "某物业公司",  # the application as filled in
        squeeze(INELIGIBLE["ineligible_reason"])[:20],  # the caseworker's reasons
        "不予受理告知书",  # the notice, as issued
        "三、附件",
        hashlib.sha256(files.read("attachments/01-收据.pdf")).hexdigest(),
        "四、办理过程与意见",
        "五、审计事件",
    ):
        assert expected in text, expected
    last_event = (
        Event.objects.filter(instance_id=case_id).exclude(action="archive.built").order_by("-seq").first()
    )
    assert last_event.hash in text and archive.events_head == last_event.hash
    assert Event.objects.filter(instance_id=case_id, action="archive.built").count() == 1
    assert run_worker_once("jobs").count("built the archive") == 0  # one per case, once


def test_a_case_s_archive_is_for_staff_in_scope_and_only_once_it_is_closed(
    client_for, closed_complaint, complaint_process, demo
):
    case_id = closed_complaint["id"]
    assert client_for("applicant").get(f"/api/v1/instances/{case_id}/archive").status_code == 403
    assert client_for("applicant2").get(f"/api/v1/instances/{case_id}/archive").status_code == 404
    first = archive_zip(client_for("auditor"), case_id)  # built on the first download
    again = archive_zip(client_for("supervisor"), case_id)
    assert first.read("卷宗.pdf") == again.read("卷宗.pdf")  # stored once, the same for everyone
    running = complain(client_for("applicant"))
    response = client_for("caseworker").get(f"/api/v1/instances/{running['id']}/archive")
    assert response.status_code == 409 and "not closed" in response.json()["detail"]


def test_an_archive_s_verification_code_checks_out_publicly_like_a_notice_s(client_for, closed_complaint):
    from rest_framework.test import APIClient

    archive_zip(client_for("caseworker"), closed_complaint["id"])
    archive = Archive.objects.get()
    answer = APIClient().get(f"/api/v1/documents/verify/{archive.verification_code.lower()}").json()
    assert answer["genuine"] is True and answer["kind"] == "archive"
    assert answer["case_number"] == closed_complaint["business_key"]
    assert (answer["sha256"], answer["pdf_sha256"]) == (archive.sha256, archive.pdf_sha256)
    assert "张三" not in str(answer)


def test_an_archive_cannot_be_changed_or_deleted(client_for, closed_complaint):
    archive_zip(client_for("caseworker"), closed_complaint["id"])
    archive = Archive.objects.get()
    statements = ["UPDATE documents_archive SET sha256 = 'x'", "DELETE FROM documents_archive"]
    if connection.vendor == "postgresql":
        statements.append("TRUNCATE documents_archive")
    for statement in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert Archive.objects.get().sha256 == archive.sha256


def test_the_archive_rate_counts_closed_cases_with_an_archive_per_process_and_organisation(
    client_for, closed_complaint, complaint_process, demo
):
    supervisor = client_for("supervisor")
    march = {"organisation": "LN-SY", "from": "2026-03-01", "to": "2026-03-31"}

    def rates() -> dict:
        response = supervisor.get("/api/v1/figures/archives", march)
        assert response.status_code == 200, response.content
        return response.json()

    before = rates()
    assert before["target"] == 100.0
    assert before["total"] == {"closed": 1, "archived": 0, "rate": 0.0, "meets_target": False}
    [row] = before["rows"]
    assert (row["process"], row["organisation"]["code"]) == ("complaint", "LN-SY-HP")
    complain(client_for("applicant"))  # still running: not counted
    archive_zip(client_for("caseworker"), closed_complaint["id"])
    after = rates()
    assert after["total"] == {"closed": 1, "archived": 1, "rate": 100.0, "meets_target": True}
    assert after["rows"][0]["rate"] == 100.0
    april = supervisor.get(
        "/api/v1/figures/archives", {**march, "from": "2026-04-01", "to": "2026-04-30"}
    ).json()
    assert april["total"] == {"closed": 0, "archived": 0, "rate": None, "meets_target": None}
    assert client_for("applicant").get("/api/v1/figures/archives").status_code == 403
