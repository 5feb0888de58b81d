"""Uploads: checked by content, private to their uploader until a form links them to a case, then
seen by staff who can see that case."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from server.accounts.models import Membership, Role
from server.portal.models import Attachment
from server.processes.models import ProcessInstance
from tests.server.conftest import do_task, open_task, start_case
from tests.server.legal_aid.conftest import application
from tests.server.portal.conftest import (
    DOC,
    DOCX,
    EXE,
    FILING,
    JPEG,
    PDF,
    PNG,
    XLSX,
    upload_file,
    uploaded,
    zipped,
)


@pytest.fixture
def shenhe_caseworker(demo, client_for):
    """A caseworker of the Shenhe district bureau: staff, but not of Heping's cases."""
    user = get_user_model().objects.create_user("sh_caseworker", password="lexflow-demo")
    Membership.objects.create(user=user, organisation=demo["LN-SY-SH"], role=Role.CASEWORKER)
    return client_for("sh_caseworker")


def download(client, attachment_id: str):
    return client.get(f"/api/v1/attachments/{attachment_id}")


# ---------------------------------------------------------------------------------------------
# Uploading


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("身份证.pdf", PDF, "application/pdf"),
        ("photo.PNG", PNG, "image/png"),
        ("receipt.jpg", JPEG, "image/jpeg"),
        ("receipt.jpeg", JPEG, "image/jpeg"),
        ("contract.doc", DOC, "application/msword"),
        (
            "contract.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_each_allowed_kind_of_file_is_stored_and_comes_back_to_its_uploader(
    client_for, name, content, content_type
):
    applicant = client_for("applicant")
    response = upload_file(applicant, name, content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert uuid.UUID(body["id"]) and body["name"] == name
    assert body["size"] == len(content) and body["content_type"] == content_type
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["instance"] is None and body["uploader"]["username"] == "applicant"
    assert body["uploaded_at"] and body["download_url"] == f"/api/v1/attachments/{body['id']}"
    fetched = download(applicant, body["id"])
    assert fetched.status_code == 200
    assert b"".join(fetched.streaming_content) == content
    assert fetched["Content-Type"] == content_type
    assert fetched["Content-Disposition"].startswith("attachment")
    # a browser or a client asking for exactly that type gets the file too
    assert applicant.get(body["download_url"], HTTP_ACCEPT=content_type).status_code == 200
    listed = applicant.get("/api/v1/attachments").json()
    assert [row["id"] for row in listed] == [body["id"]]


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("setup.exe", EXE, "suffix"),
        ("invoice.pdf", EXE, "a program renamed .pdf"),
        ("photo.png", PDF, "a PDF renamed .png"),
        ("notes.txt", b"plain text", "suffix"),
        ("archive.docx", zipped(["a.txt"]), "a zip that is no Word file"),
        ("sheet.docx", XLSX, "an Excel file renamed .docx"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "a broken zip"),
        ("page.html", b"<html><script>alert(1)</script>", "suffix"),
        ("empty.pdf", b"", "empty"),
        ("no_suffix", PDF, "no suffix"),
    ],
)
def test_files_that_are_not_what_they_claim_or_not_allowed_are_refused_on_file(
    client_for, name, content, why
):
    response = upload_file(client_for("applicant"), name, content)
    assert response.status_code == 400, why
    messages = response.json()["errors"]["file"]
    assert messages and " / " in messages[0]
    assert not Attachment.objects.exists()


def test_an_upload_without_a_file_is_refused_on_file(client_for):
    response = client_for("applicant").post("/api/v1/attachments", {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_files_over_10_mib_are_refused(client_for):
    just_over = PDF + b"0" * (10 * 1024 * 1024 + 1 - len(PDF))
    response = upload_file(client_for("applicant"), "big.pdf", just_over)
    assert response.status_code == 400
    assert "10 MiB" in response.json()["errors"]["file"][0]
    assert upload_file(client_for("applicant"), "ok.pdf", just_over[:-1]).status_code == 201


def test_the_size_limit_is_a_setting(client_for, settings):
    settings.LEXFLOW = {**settings.LEXFLOW, "MAX_ATTACHMENT_BYTES": 1024}
    assert upload_file(client_for("applicant"), "a.pdf", PDF + bytes(1024)).status_code == 400
    assert upload_file(client_for("applicant"), "a.pdf", PDF).status_code == 201


def test_the_uploaded_name_cannot_steer_where_the_file_is_stored(client_for, media_root):
    body = upload_file(client_for("applicant"), "../../etc/passwd.pdf", PDF).json()
    assert body["name"] == "passwd.pdf"
    stored = Attachment.objects.get().file
    assert stored.name.startswith("attachments/") and stored.name.endswith(uuid.UUID(body["id"]).hex)
    assert (media_root / stored.name).read_bytes() == PDF


def test_uploads_need_a_login(db):
    from rest_framework.test import APIClient

    assert upload_file(APIClient(), "a.pdf", PDF).status_code == 401


# ---------------------------------------------------------------------------------------------
# Who may fetch a file


def test_an_unlinked_upload_is_only_its_uploaders(client_for, shenhe_caseworker):
    file_id = uploaded(client_for("applicant"))
    for other in ("applicant2", "caseworker", "supervisor"):
        assert download(client_for(other), file_id).status_code == 404
    assert client_for("applicant2").get("/api/v1/attachments").json() == []
    assert download(client_for("applicant"), str(uuid.uuid4())).status_code == 404


def test_a_file_on_a_case_is_seen_by_staff_who_see_the_case_and_nobody_else(
    client_for, legal_aid, shenhe_caseworker
):
    applicant = client_for("applicant")
    file_id = uploaded(applicant, "身份证.pdf")
    case = start_case(applicant, "legal_aid_application", application(documents=[file_id]))
    assert Attachment.objects.get(pk=file_id).instance_id == case["id"]
    assert case["data"]["documents"] == [file_id]  # the applicant's own field, shown back to them

    for who in ("applicant", "caseworker", "supervisor"):  # uploader; staff of the county and the city
        assert download(client_for(who), file_id).status_code == 200, who
        files = client_for(who).get(f"/api/v1/instances/{case['id']}/attachments")
        assert [row["id"] for row in files.json()] == [file_id], who
        assert files.json()[0]["name"] == "身份证.pdf"
    for client in (client_for("applicant2"), shenhe_caseworker):
        assert download(client, file_id).status_code == 404
        assert client.get(f"/api/v1/instances/{case['id']}/attachments").status_code == 404


def test_an_applicant_lists_only_their_own_files_on_their_case(client_for, filing):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    mine = uploaded(applicant)
    case = start_case(applicant, FILING, {"documents": [mine]})
    staff_file = uploaded(caseworker, "findings.docx", DOCX)
    do_task(caseworker, case["id"], "review", {"findings_files": [staff_file]})
    assert {row["id"] for row in caseworker.get(f"/api/v1/instances/{case['id']}/attachments").json()} == {
        mine,
        staff_file,
    }
    assert [row["id"] for row in applicant.get(f"/api/v1/instances/{case['id']}/attachments").json()] == [
        mine
    ]
    assert download(applicant, staff_file).status_code == 404


# ---------------------------------------------------------------------------------------------
# Linking files to a case


def test_a_start_referencing_someone_elses_file_is_refused_and_nothing_starts(client_for, legal_aid):
    theirs = uploaded(client_for("applicant2"))
    refused = start_case(
        client_for("applicant"), "legal_aid_application", application(documents=[theirs]), status=400
    )
    assert list(refused["errors"]) == ["data.documents"]
    assert " / " in refused["errors"]["data.documents"][0]
    assert not ProcessInstance.objects.exists()
    assert Attachment.objects.get(pk=theirs).instance_id is None


# A fixed unknown id: a random one would differ between xdist workers and break collection.
@pytest.mark.parametrize("value", ["7d0f3c4e-2b1a-4c8e-9f6d-5a4b3c2d1e0f", "not-a-uuid", 42])
def test_unknown_or_malformed_file_ids_are_refused_on_the_field(client_for, legal_aid, value):
    refused = start_case(
        client_for("applicant"), "legal_aid_application", application(documents=[value]), status=400
    )
    assert any(field.startswith("data.documents") for field in refused["errors"]), refused["errors"]
    assert not ProcessInstance.objects.exists()


def test_a_file_already_on_one_case_cannot_be_moved_to_another(client_for, legal_aid):
    applicant = client_for("applicant")
    file_id = uploaded(applicant)
    first = start_case(applicant, "legal_aid_application", application(documents=[file_id]))
    refused = start_case(applicant, "legal_aid_application", application(documents=[file_id]), status=400)
    assert "data.documents" in refused["errors"]
    assert Attachment.objects.get(pk=file_id).instance_id == first["id"]


def test_only_upload_fields_link_files_not_any_string_that_looks_like_an_id(client_for, filing):
    applicant = client_for("applicant")
    file_id = uploaded(applicant)
    start_case(applicant, FILING, {"note": file_id})
    assert Attachment.objects.get(pk=file_id).instance_id is None


def test_upload_fields_inside_lists_are_linked_and_named_by_their_path(client_for, filing):
    applicant = client_for("applicant")
    mine = uploaded(applicant)
    theirs = uploaded(client_for("applicant2"))
    refused = start_case(
        applicant,
        FILING,
        {"parties": [{"name": "甲", "documents": [mine]}, {"name": "乙", "documents": [theirs]}]},
        status=400,
    )
    assert list(refused["errors"]) == ["data.parties.1.documents"]
    case = start_case(applicant, FILING, {"parties": [{"name": "甲", "documents": [mine]}]})
    assert Attachment.objects.get(pk=mine).instance_id == case["id"]


def test_a_file_uploaded_for_a_case_can_be_referenced_by_its_later_tasks(client_for, filing):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    case = start_case(applicant, FILING, {})
    early = upload_file(caseworker, "memo.pdf", PDF, instance=case["id"]).json()
    assert early["instance"] == case["id"]
    do_task(caseworker, case["id"], "review", {"findings_files": [early["id"]]})
    assert Attachment.objects.get(pk=early["id"]).instance_id == case["id"]


def test_uploading_for_a_case_one_cannot_see_is_refused_on_instance(client_for, filing):
    case = start_case(client_for("applicant"), FILING, {})
    response = upload_file(client_for("applicant2"), "a.pdf", PDF, instance=case["id"])
    assert response.status_code == 400 and "instance" in response.json()["errors"]
    assert not Attachment.objects.exists()


def test_staff_attach_their_own_files_when_completing_a_task_but_not_others(client_for, filing):
    applicant, caseworker = client_for("applicant"), client_for("caseworker")
    applicants_file = uploaded(applicant)
    case = start_case(applicant, FILING, {"documents": [applicants_file]})
    another = uploaded(applicant, "more.png", PNG)  # the applicant's, not yet on the case
    task = open_task(caseworker, case["id"], "review")
    refused = caseworker.post(
        f"/api/v1/tasks/{task['id']}/complete", {"data": {"findings_files": [another]}}, format="json"
    )
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["data.findings_files"]
    assert open_task(caseworker, case["id"], "review")["status"] == "open"  # nothing completed
    own = uploaded(caseworker, "findings.pdf")
    done = do_task(caseworker, case["id"], "review", {"findings_files": [own]})
    assert done["status"] == "completed"
    assert Attachment.objects.get(pk=own).instance_id == case["id"]
    assert Attachment.objects.get(pk=another).instance_id is None


# ---------------------------------------------------------------------------------------------
# Uploads that never reached a case


def age(attachment_id: str, days: int) -> None:
    uploaded_at = timezone.now() - timedelta(days=days)
    Attachment.objects.filter(pk=attachment_id).update(uploaded_at=uploaded_at)


def test_uploads_that_reached_no_case_go_after_30_days_with_their_files_but_drafts_keep_theirs(
    client_for, filing, media_root, run_worker_once, django_capture_on_commit_callbacks
):
    applicant = client_for("applicant")
    abandoned, recent, on_case, in_draft = (uploaded(applicant) for _ in range(4))
    start_case(applicant, FILING, {"documents": [on_case]})
    saved = applicant.put(f"/api/v1/drafts/{FILING}", {"data": {"documents": [in_draft]}}, format="json")
    assert saved.status_code in (200, 201), saved.content
    for attachment_id in (abandoned, on_case, in_draft):
        age(attachment_id, 31)
    age(recent, 29)
    stored = {pk: Attachment.objects.get(pk=pk).file.path for pk in (abandoned, recent, on_case, in_draft)}

    with django_capture_on_commit_callbacks(execute=True):
        assert "deleted 1 upload(s) on no case for 30 days" in run_worker_once("jobs")

    assert set(Attachment.objects.values_list("pk", flat=True)) == {
        uuid.UUID(pk) for pk in (recent, on_case, in_draft)
    }
    assert download(applicant, abandoned).status_code == 404
    assert not Path(stored[abandoned]).exists()
    for kept in (recent, on_case, in_draft):
        assert Path(stored[kept]).exists()
        assert download(applicant, kept).status_code == 200
    # The draft still resumes with its file, and starting from it links the file.
    start_case(applicant, FILING, {"documents": [in_draft]})
    assert Attachment.objects.get(pk=in_draft).instance is not None


def test_the_purge_period_is_a_setting_and_a_command(client_for, settings):
    applicant = client_for("applicant")
    old = uploaded(applicant)
    age(old, 8)
    out = io.StringIO()
    call_command("purge_uploads", stdout=out)
    assert out.getvalue().strip() == "deleted 0 upload(s) on no case for 30 days"
    settings.LEXFLOW = {**settings.LEXFLOW, "UNLINKED_UPLOAD_DAYS": 7}
    call_command("purge_uploads", stdout=out)
    assert not Attachment.objects.filter(pk=old).exists()
