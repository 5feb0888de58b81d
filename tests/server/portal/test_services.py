"""The services on offer: each public process with its plain-language guide and application form."""

from __future__ import annotations

import json
import re

import pytest
from rest_framework.test import APIClient

from tests.conftest import fixture_files
from tests.server.conftest import BPMN_DIR, shipped_files, upload

SHIPPED = ["complaint", "legal_aid_application", "legal_consultation", "mediation", "notary_intake"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def shipped(deploy_shipped):
    for name in SHIPPED:
        deploy_shipped(name)


def test_an_applicant_sees_every_public_service_with_its_guide_and_form(client_for, shipped):
    response = client_for("applicant").get("/api/v1/services")
    assert response.status_code == 200
    services = {service["key"]: service for service in response.json()}
    assert sorted(services) == SHIPPED
    legal_aid = services["legal_aid_application"]
    assert legal_aid["name"] == "法律援助申请审查 / Legal aid application review"
    assert legal_aid["version"] == 1
    assert legal_aid["start_form"]["title"] == "法律援助申请 / Legal aid application"
    assert legal_aid["start_form"]["properties"]["documents"]["items"] == {"type": "string", "format": "uuid"}
    assert legal_aid["start_ui_form"]["documents"] == {"ui:widget": "attachments"}
    guide = legal_aid["guide"]
    assert "7 日内" in guide["zh"]["time"] and "within 7 days" in guide["en"]["time"]
    assert guide["zh"]["fee"].startswith("免费") and guide["en"]["fee"].startswith("Free")
    assert "居民身份证或其他身份证明" in guide["zh"]["bring"]
    assert services["notary_intake"]["guide"]["en"]["time"].startswith(
        "The certificate within 15 working days"
    )
    # The consultation's start form asks for the question, so the portal renders it like the rest.
    assert services["legal_consultation"]["start_form"]["required"] == ["question"]
    assert services["legal_consultation"]["guide"]["zh"]["who"] == "任何人都可以咨询。"


def test_one_service_and_its_form(client_for, shipped):
    complaint = client_for("applicant").get("/api/v1/services/complaint").json()
    assert complaint["key"] == "complaint"
    properties = complaint["start_form"]["properties"]
    assert properties["related_case"]["title"] == "相关案件编号（选填）/ Related case number (optional)"
    assert properties["evidence"]["items"]["format"] == "uuid"
    assert complaint["start_ui_form"]["evidence"]["ui:widget"] == "attachments"
    assert "60 日内书面答复" in complaint["guide"]["zh"]["time"]


def test_anyone_may_read_the_services_before_registering(shipped):
    response = APIClient().get("/api/v1/services/mediation")
    assert response.status_code == 200
    assert response.json()["guide"]["en"]["fee"].startswith("Free")
    assert APIClient().get("/api/v1/services").status_code == 200


def test_processes_not_open_to_applicants_are_not_offered(client_for, shipped):
    staged = upload(client_for("designer"), fixture_files("staged"))  # not published
    assert staged.status_code == 201
    for who in ("applicant", "caseworker"):
        keys = [service["key"] for service in client_for(who).get("/api/v1/services").json()]
        assert "test_staged" not in keys
        assert client_for(who).get("/api/v1/services/test_staged").status_code == 404
    assert client_for("applicant").get("/api/v1/services/no_such_process").status_code == 404


def test_a_process_without_a_guide_has_none(client_for, approval):
    service = client_for("applicant").get("/api/v1/services/test_approval").json()
    assert service["guide"] is None and service["start_form"]["title"] == "申请 / Apply"


def test_the_guide_is_versioned_with_its_process(client_for, shipped):
    """A designer edits guide.json and deploys: the new version's guide is what applicants read."""
    files = shipped_files("mediation")
    guide = json.loads(files["guide.json"])
    guide["zh"]["time"] = "本委员会承诺 20 日内调结。"
    guide["en"]["time"] = "This committee settles within 20 days."
    files["guide.json"] = json.dumps(guide, ensure_ascii=False).encode()
    deployed = upload(client_for("designer"), files)
    assert deployed.status_code == 201 and deployed.json()[0]["version"] == 2
    service = client_for("applicant").get("/api/v1/services/mediation").json()
    assert (
        service["version"] == 2 and service["guide"]["en"]["time"] == "This committee settles within 20 days."
    )


def test_a_guide_missing_a_language_or_keys_is_filled_in_not_broken(client_for, shipped):
    files = shipped_files("complaint")
    files["guide.json"] = json.dumps({"zh": {"summary": "投诉", "bring": ["证据", 3]}}).encode()
    assert upload(client_for("designer"), files).status_code == 201
    guide = client_for("applicant").get("/api/v1/services/complaint").json()["guide"]
    assert guide == {
        "zh": {"summary": "投诉", "who": "", "bring": ["证据"], "time": "", "fee": ""},
        "en": None,
    }


@pytest.mark.parametrize("folder", SHIPPED)
def test_every_shipped_guide_is_complete_in_both_languages(folder):
    guide = json.loads((BPMN_DIR / folder / "guide.json").read_text(encoding="utf-8"))
    assert set(guide) == {"zh", "en"}
    for language, part in guide.items():
        assert set(part) == {"summary", "who", "bring", "time", "fee"}, (folder, language)
        texts = [part["summary"], part["who"], part["time"], part["fee"], *part["bring"]]
        assert part["bring"] and all(isinstance(text, str) and text.strip() for text in texts)
        for text in texts:
            assert bool(CJK.search(text)) == (language == "zh"), (folder, language, text)
