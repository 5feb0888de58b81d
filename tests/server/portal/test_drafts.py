"""Drafts: a half-filled application kept per person per service, gone once the case starts."""

from __future__ import annotations

import pytest

from server.portal.models import Draft
from tests.conftest import fixture_files
from tests.server.conftest import start_case, upload
from tests.server.legal_aid.conftest import application

URL = "/api/v1/drafts/legal_aid_application"


@pytest.fixture
def services(deploy_shipped):
    deploy_shipped("legal_aid_application")
    deploy_shipped("complaint")


def test_a_draft_is_saved_read_back_listed_and_discarded(client_for, services):
    applicant = client_for("applicant")
    created = applicant.put(URL, {"data": {"matter": "押金纠纷"}, "step": 1}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["process"] == "legal_aid_application" and created.json()["step"] == 1
    updated = applicant.put(
        URL, {"data": {"matter": "押金纠纷", "case_type": "civil"}, "step": 2}, format="json"
    )
    assert updated.status_code == 200
    draft = applicant.get(URL).json()
    assert draft["data"] == {"matter": "押金纠纷", "case_type": "civil"} and draft["step"] == 2
    assert draft["updated_at"]
    applicant.put("/api/v1/drafts/complaint", {"data": {"target_name": "钱律师"}}, format="json")
    listed = applicant.get("/api/v1/drafts").json()
    assert [row["process"] for row in listed] == ["complaint", "legal_aid_application"]  # newest first
    assert listed[0]["step"] == 0
    assert applicant.delete(URL).status_code == 204
    assert applicant.get(URL).status_code == 404
    assert applicant.delete(URL).status_code == 204  # already gone: nothing to do


def test_drafts_are_private_to_their_author(client_for, services):
    client_for("applicant").put(URL, {"data": {"matter": "私事"}}, format="json")
    other = client_for("applicant2")
    assert other.get(URL).status_code == 404
    assert other.get("/api/v1/drafts").json() == []
    assert client_for("caseworker").get(URL).status_code == 404
    other.delete(URL)
    assert client_for("applicant").get(URL).json()["data"] == {"matter": "私事"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"data": ["not", "an", "object"]}, "data"),
        ({"data": "text"}, "data"),
        ({}, "data"),
        ({"data": {}, "step": -1}, "step"),
        ({"data": {}, "step": "two"}, "step"),
        ({"data": {"matter": "很长" * 70_000}}, "data"),  # over 256 KiB
    ],
)
def test_bad_drafts_are_refused_naming_the_field(client_for, services, body, field):
    response = client_for("applicant").put(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Draft.objects.exists()


def test_a_draft_just_under_the_limit_is_kept(client_for, services):
    response = client_for("applicant").put(URL, {"data": {"matter": "x" * 250_000}}, format="json")
    assert response.status_code == 201


def test_only_services_the_person_may_start_can_have_drafts(client_for, services):
    assert upload(client_for("designer"), fixture_files("staged")).status_code == 201  # staff only
    body = {"data": {}}
    assert client_for("applicant").put("/api/v1/drafts/test_staged", body, format="json").status_code == 404
    assert client_for("applicant").put("/api/v1/drafts/nothing_here", body, format="json").status_code == 404
    assert client_for("caseworker").put("/api/v1/drafts/test_staged", body, format="json").status_code == 201


def test_starting_the_service_deletes_the_draft_and_only_that_one(client_for, services, legal_aid):
    applicant = client_for("applicant")
    applicant.put(URL, {"data": {"matter": "押金纠纷"}, "step": 3}, format="json")
    applicant.put("/api/v1/drafts/complaint", {"data": {"target_name": "钱律师"}}, format="json")
    client_for("applicant2").put(URL, {"data": {"matter": "别人的草稿"}}, format="json")
    start_case(applicant, "legal_aid_application", application())
    assert applicant.get(URL).status_code == 404
    assert [row["process"] for row in applicant.get("/api/v1/drafts").json()] == ["complaint"]
    assert client_for("applicant2").get(URL).status_code == 200


def test_a_refused_start_keeps_the_draft(client_for, services, legal_aid):
    applicant = client_for("applicant")
    applicant.put(URL, {"data": {"matter": "押金纠纷"}}, format="json")
    start_case(applicant, "legal_aid_application", application(matter="短"), status=400)
    assert applicant.get(URL).json()["data"] == {"matter": "押金纠纷"}
