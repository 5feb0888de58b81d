"""A refused complaint's written reason, from issue to the applicant's download and a stranger's check."""

from __future__ import annotations

import hashlib
import re

from rest_framework.test import APIClient

from server.audit.models import Event
from server.documents.models import Document
from tests.server.documents.conftest import REASON, documents_of, pdf_text, squeeze

CODE = re.compile(r"^LXF-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{2}$")


def test_an_ineligible_complaint_gets_a_notice_the_applicant_downloads_as_a_pdf(
    client_for, ineligible_complaint
):
    case_id = ineligible_complaint["id"]
    [document] = documents_of(case_id)
    assert document.template == "complaint/ineligible" and document.bpmn_id == "not_accepted"
    assert document.title == "不予受理告知书 / Notice that the complaint is not accepted"
    assert CODE.match(document.verification_code), document.verification_code
    # Issued inside the completing request, rendered only later: no PDF yet.
    assert document.pdf is None and document.rendered_at is None and document.sha256 == ""
    assert document.issued_by.username == "caseworker"
    issued = Event.objects.get(instance_id=case_id, action="document.issued")
    assert issued.detail["document"] == document.pk
    assert issued.detail["verification_code"] == document.verification_code

    applicant = client_for("applicant")
    listed = applicant.get(f"/api/v1/instances/{case_id}/documents")
    assert listed.status_code == 200, listed.content
    [item] = listed.json()
    assert item["title"] == document.title and item["verification_code"] == document.verification_code
    assert item["rendered"] is False
    assert item["download_url"].endswith(f"/api/v1/documents/{document.pk}/pdf")

    response = applicant.get(item["download_url"])
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert (
        "%E4%B8%8D%E4%BA%88%E5%8F%97%E7%90%86%E5%91%8A%E7%9F%A5%E4%B9%A6" in response["Content-Disposition"]
    )
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    case_number = ineligible_complaint["business_key"]
    for expected in ("不予受理告知书", REASON, case_number, document.verification_code, "2026年3月9日"):
        assert squeeze(expected) in text, expected
    assert f"/api/v1/documents/verify/{document.verification_code}" in text
    # The full address, printed beside its QR code, for whoever holds the paper copy
    assert f"http://127.0.0.1:8000/api/v1/documents/verify/{document.verification_code}" in text
    assert "和平区司法局" in text  # the letterhead: the case's organisation

    stored = Document.objects.get(pk=document.pk)
    assert bytes(stored.pdf) == pdf and stored.sha256 == hashlib.sha256(pdf).hexdigest()
    assert stored.rendered_at is not None
    assert response["ETag"] == f'"{stored.sha256}"'
    # A second download serves the stored PDF, byte for byte.
    assert applicant.get(item["download_url"]).content == pdf
    assert applicant.get(f"/api/v1/instances/{case_id}/documents").json()[0]["rendered"] is True


def test_anyone_can_check_the_verification_code_without_logging_in_and_learns_no_personal_data(
    client_for, ineligible_complaint
):
    [document] = documents_of(ineligible_complaint["id"])
    code = document.verification_code
    anonymous = APIClient()

    before = anonymous.get(f"/api/v1/documents/verify/{code}")
    assert before.status_code == 200, before.content
    assert before.json()["sha256"] is None  # not rendered yet: nothing to compare against

    pdf = client_for("applicant").get(f"/api/v1/documents/{document.pk}/pdf").content
    response = anonymous.get(f"/api/v1/documents/verify/{code}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {
        "genuine": True,
        "kind": "notice",
        "verification_code": code,
        "title": "不予受理告知书 / Notice that the complaint is not accepted",
        "organisation": "和平区司法局",
        "organisation_en": body["organisation_en"],
        "case_number": ineligible_complaint["business_key"],
        "issued_on": "2026-03-09",
        "issued_on_display": "2026年3月9日",
        "sha256": hashlib.sha256(pdf).hexdigest(),
    }
    raw = response.content.decode()
    for personal in ("张三", "13800000001", "物业", REASON[:8], "applicant", "caseworker"):
        assert personal not in raw, personal

    # Typed from paper: lower case, spaces, no dashes, without the prefix.
    loose = code.lower().replace("-", " ")
    assert anonymous.get(f"/api/v1/documents/verify/{loose}").json()["verification_code"] == code
    assert anonymous.get(f"/api/v1/documents/verify/{code[4:].replace('-', '')}").status_code == 200

    # An invalid token does not get in the way of a public check.
    stale = APIClient()
    stale.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert stale.get(f"/api/v1/documents/verify/{code}").status_code == 200


def test_an_unknown_or_malformed_code_is_a_clear_bilingual_404(db):
    anonymous = APIClient()
    for code in ("LXF-AAAA-BBBB-CC", "LXF-0000-1111-OO", "nonsense", "x" * 300):
        response = anonymous.get(f"/api/v1/documents/verify/{code}")
        assert response.status_code == 404, code
        detail = response.json()["detail"]
        assert "未找到与该验证码对应的文书" in detail and "No document has this verification code" in detail


def test_another_applicant_gets_404_for_the_list_and_the_pdf(client_for, ineligible_complaint):
    case_id = ineligible_complaint["id"]
    [document] = documents_of(case_id)
    stranger = client_for("applicant2")
    listed = stranger.get(f"/api/v1/instances/{case_id}/documents")
    assert listed.status_code == 404 and listed.json()["detail"] == "未找到该案件 / No such case."
    response = stranger.get(f"/api/v1/documents/{document.pk}/pdf")
    assert response.status_code == 404 and response.json()["detail"] == "未找到该文书 / No such document."
    assert Document.objects.get(pk=document.pk).pdf is None  # and nothing was rendered for them
    # Staff of the case's organisation (and above) see the case's documents.
    assert len(client_for("caseworker").get(f"/api/v1/instances/{case_id}/documents").json()) == 1
    assert len(client_for("supervisor").get(f"/api/v1/instances/{case_id}/documents").json()) == 1
    # Without logging in: 401, not the list.
    assert APIClient().get(f"/api/v1/instances/{case_id}/documents").status_code == 401
    # Ids that name nothing are 404s, not errors; so is asking for a PDF as application/pdf.
    applicant = client_for("applicant")
    for path in (
        "/api/v1/documents/0/pdf",
        "/api/v1/documents/99999999999999999999/pdf",
        "/api/v1/documents/abc/pdf",
        "/api/v1/instances/99999999999999999999/documents",
    ):
        assert applicant.get(path).status_code == 404, path
    assert applicant.get("/api/v1/documents/0/pdf", HTTP_ACCEPT="application/pdf").status_code == 404
    as_pdf = applicant.get(f"/api/v1/documents/{document.pk}/pdf", HTTP_ACCEPT="application/pdf")
    assert as_pdf.status_code == 200 and as_pdf.content.startswith(b"%PDF-")
